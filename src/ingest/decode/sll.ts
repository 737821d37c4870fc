/**
 * Linux "cooked" captures (tcpdump.org LINKTYPE_LINUX_SLL 113 and LINKTYPE_LINUX_SLL2 276): a
 * pseudo-header in place of the link header, whose protocol field is an EtherType for the
 * packets that matter here (values up to 1500 name 802.2/802.3 framings and carry no IP).
 *
 *   SLL:  0 packet type (2)  2 ARPHRD type (2)  4 address length (2)  6 address (8)  14 protocol (2)  16 payload
 *   SLL2: 0 protocol (2)  2 reserved (2)  4 interface index (4)  8 ARPHRD type (2)  10 packet type (1)
 *         11 address length (1)  12 address (8)  20 payload
 */
import { u16be } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import { decodeEthertype } from './ethernet.js';
import type { DecodedPacket } from './packet.js';

const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const MAX_8023_LENGTH = 1500;

export function decodeSll(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < SLL_HEADER) {
    noteTruncated(log, pkt, 'truncated-sll', 'Linux cooked header', SLL_HEADER, end - off);
    return;
  }
  const protocol = u16be(buf, off + 14);
  if (protocol > MAX_8023_LENGTH) decodeEthertype(pkt, buf, off + SLL_HEADER, end, protocol, log);
}

export function decodeSll2(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < SLL2_HEADER) {
    noteTruncated(log, pkt, 'truncated-sll2', 'Linux cooked v2 header', SLL2_HEADER, end - off);
    return;
  }
  const protocol = u16be(buf, off);
  if (protocol > MAX_8023_LENGTH) decodeEthertype(pkt, buf, off + SLL2_HEADER, end, protocol, log);
}
