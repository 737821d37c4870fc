/**
 * UDP header (RFC 768): ports and the length of header plus data.
 *
 *    0 source port (2)   2 destination port (2)   4 length (2, header included)   6 checksum (2)   8 data
 */
import { u16be } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import type { DecodedPacket } from './packet.js';

const UDP_HEADER = 8;

export function decodeUdp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, wireLen: number, log: AnomalyLog): void {
  const avail = end - off;
  pkt.l4Off = off;
  pkt.payloadOff = end;
  if (avail < UDP_HEADER) {
    if (avail >= 4) {
      pkt.srcPort = u16be(buf, off);
      pkt.dstPort = u16be(buf, off + 2);
    }
    noteTruncated(log, pkt, 'truncated-udp', 'UDP header', UDP_HEADER, avail);
    return;
  }
  pkt.srcPort = u16be(buf, off);
  pkt.dstPort = u16be(buf, off + 2);
  let udpLen = u16be(buf, off + 4);
  // A first fragment holds only the start of the datagram its UDP length counts.
  if (udpLen < UDP_HEADER || (udpLen > wireLen && pkt.fragment !== 1)) {
    // 0 is legal only for IPv6 jumbograms (RFC 2675); otherwise the IP length is the better witness.
    if (udpLen !== 0 || wireLen <= 0xffff) noteMalformed(log, pkt, 'bad-udp-length', 'bad UDP length', udpLen);
    udpLen = wireLen;
  }
  pkt.payloadOff = off + UDP_HEADER;
  pkt.payloadWireLen = udpLen > UDP_HEADER ? udpLen - UDP_HEADER : 0;
  const dataEnd = off + udpLen < end ? off + udpLen : end;
  pkt.payloadLen = dataEnd > pkt.payloadOff ? dataEnd - pkt.payloadOff : 0;
}
