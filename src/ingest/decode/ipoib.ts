/**
 * IP over InfiniBand (tcpdump.org LINKTYPE_IPOIB 242, RFC 4391 section 6; tcpdump print-ipoib.c):
 * a 44-byte pseudo-header of two 20-byte hardware addresses, then the 4-byte IPoIB header
 * whose first field is an EtherType.
 *
 *    0 hardware addresses (40)   40 EtherType (2)   42 reserved (2)   44 payload
 */
import type { AnomalyLog } from '../../anomalies.js';
import { u16be } from '../../bytes/read.js';
import { noteTruncated } from './anomaly.js';
import { decodeEthertype } from './ethernet.js';
import type { DecodedPacket } from './packet.js';

const IPOIB_HEADER = 44;

export function decodeIpoib(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < IPOIB_HEADER) {
    noteTruncated(log, pkt, 'truncated-ipoib', 'IPoIB header', IPOIB_HEADER, end - off);
    return;
  }
  decodeEthertype(pkt, buf, off + IPOIB_HEADER, end, u16be(buf, off + 40), log);
}
