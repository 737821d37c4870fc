/**
 * TCP header (RFC 9293, section 3.1): ports, sequence and acknowledgment numbers, flags, and the
 * data offset that tells where the payload starts. Options are skipped, not read.
 *
 *    0 source port (2)      2 destination port (2)
 *    4 sequence number (4)  8 acknowledgment number (4)
 *   12 data offset (4 bits, in 32-bit words) + reserved   13 flags (CWR ECE URG ACK PSH RST SYN FIN)
 *   14 window (2)  16 checksum (2)  18 urgent pointer (2)  20 options ... payload at 4 * data offset
 */
import { u16be, u32be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import type { DecodedPacket } from './packet.js';

const TCP_MIN_HEADER = 20;

export function decodeTcp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, wireLen: number, log: AnomalyLog): void {
  const avail = end - off;
  pkt.l4Off = off;
  pkt.payloadOff = end;
  if (avail < TCP_MIN_HEADER) {
    // Set what the cut header still carries: a flow can be named from the ports alone.
    if (avail >= 4) {
      pkt.srcPort = u16be(buf, off);
      pkt.dstPort = u16be(buf, off + 2);
    }
    if (avail >= 8) pkt.tcpSeq = u32be(buf, off + 4);
    if (avail >= 12) pkt.tcpAck = u32be(buf, off + 8);
    if (avail >= 14) pkt.tcpFlags = u8(buf, off + 13);
    noteTruncated(log, pkt, 'truncated-tcp', 'TCP header', TCP_MIN_HEADER, avail);
    return;
  }
  pkt.srcPort = u16be(buf, off);
  pkt.dstPort = u16be(buf, off + 2);
  pkt.tcpSeq = u32be(buf, off + 4);
  pkt.tcpAck = u32be(buf, off + 8);
  pkt.tcpFlags = u8(buf, off + 13);
  const headerLen = (u8(buf, off + 12) >> 4) << 2;
  if (headerLen < TCP_MIN_HEADER) {
    noteMalformed(log, pkt, 'bad-tcp-header', 'bad TCP data offset', headerLen);
    return;
  }
  pkt.payloadWireLen = wireLen > headerLen ? wireLen - headerLen : 0;
  if (headerLen > avail) {
    noteTruncated(log, pkt, 'truncated-tcp', 'TCP options', headerLen, avail);
    return;
  }
  pkt.payloadOff = off + headerLen;
  pkt.payloadLen = avail - headerLen;
}
