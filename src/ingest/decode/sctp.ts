/**
 * SCTP common header (RFC 9260, section 3.1): only the ports are kept; the chunks follow it.
 *
 *    0 source port (2)   2 destination port (2)   4 verification tag (4)   8 checksum (4)   12 chunks
 */
import { u16be } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import type { DecodedPacket } from './packet.js';

const SCTP_COMMON_HEADER = 12;

export function decodeSctp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, wireLen: number, log: AnomalyLog): void {
  const avail = end - off;
  pkt.l4Off = off;
  pkt.payloadOff = end;
  if (avail >= 4) {
    pkt.srcPort = u16be(buf, off);
    pkt.dstPort = u16be(buf, off + 2);
  }
  if (avail < SCTP_COMMON_HEADER) {
    noteTruncated(log, pkt, 'truncated-sctp', 'SCTP common header', SCTP_COMMON_HEADER, avail);
    return;
  }
  pkt.payloadOff = off + SCTP_COMMON_HEADER;
  pkt.payloadLen = avail - SCTP_COMMON_HEADER;
  pkt.payloadWireLen = wireLen > SCTP_COMMON_HEADER ? wireLen - SCTP_COMMON_HEADER : 0;
}
