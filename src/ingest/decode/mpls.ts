/**
 * MPLS label stacks (RFC 3032, section 2.1; EtherTypes 0x8847/0x8848, PPP protocols
 * 0x0281/0x0283): label entries are skipped to the bottom of the stack, then the payload is
 * taken as IPv4 or IPv6 by its first nibble, the heuristic RFC 4928 describes and tcpdump and
 * Wireshark use. Other payloads (pseudowires) carry no flow here.
 *
 *   entry (4): label (20 bits)  traffic class (3)  bottom of stack S (1)  TTL (8)
 */
import type { AnomalyLog } from '../../anomalies.js';
import { u8 } from '../../bytes/read.js';
import { noteTruncated } from './anomaly.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { DecodedPacket } from './packet.js';

const LABEL_ENTRY = 4;

export function decodeMpls(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  let p = off;
  for (;;) {
    if (end - p < LABEL_ENTRY) {
      noteTruncated(log, pkt, 'truncated-mpls', 'MPLS label stack', LABEL_ENTRY, end - p);
      return;
    }
    const bottom = (u8(buf, p + 2) & 1) === 1;
    p += LABEL_ENTRY;
    if (bottom) break;
  }
  if (p >= end) return;
  const version = u8(buf, p) >> 4;
  if (version === 4) decodeIpv4(pkt, buf, p, end, log);
  else if (version === 6) decodeIpv6(pkt, buf, p, end, log);
}
