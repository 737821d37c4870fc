/**
 * Ethernet II / IEEE 802.3 frames (LINKTYPE_ETHERNET 1) with IEEE 802.1Q VLAN tags: 0x8100
 * (C-tag), 0x88A8 (802.1ad S-tag) and 0x9100 (pre-standard QinQ), any number stacked; the outer
 * tag's VLAN id is kept. An 802.3 length field followed by LLC/SNAP (RFC 1042: AA AA 03, OUI 0)
 * carries an EtherType too. MPLS label stacks (0x8847/0x8848) are in network.ts's table.
 *
 *    0 destination (6)   6 source (6)   12 EtherType or length (2)   14 payload
 *    tag: 0 TCI (2: PCP 3 bits, DEI 1, VLAN id 12)   2 inner EtherType (2)
 */
import { u16be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import { networkDecoder } from './network.js';
import type { DecodedPacket } from './packet.js';

const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const MAX_8023_LENGTH = 1500;

/** 1 for the VLAN tag protocol identifiers, indexed by EtherType. */
const IS_TAG: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  for (const tpid of [0x8100, 0x88a8, 0x9100]) t[tpid] = 1;
  return t;
})();

export function decodeEthernet(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < ETHERNET_HEADER) {
    noteTruncated(log, pkt, 'truncated-ethernet', 'Ethernet header', ETHERNET_HEADER, end - off);
    return;
  }
  decodeEthertype(pkt, buf, off + ETHERNET_HEADER, end, u16be(buf, off + 12), log);
}

/** The payload of an EtherType-labelled header (Ethernet, Linux cooked), VLAN tags included. */
export function decodeEthertype(pkt: DecodedPacket, buf: Buffer, p: number, end: number, ethertype: number, log: AnomalyLog): void {
  let type = ethertype;
  while (IS_TAG[type] === 1) {
    if (end - p < VLAN_TAG) {
      noteTruncated(log, pkt, 'truncated-vlan', '802.1Q tag', VLAN_TAG, end - p);
      return;
    }
    if (pkt.vlan < 0) pkt.vlan = u16be(buf, p) & 0x0fff;
    type = u16be(buf, p + 2);
    p += VLAN_TAG;
  }
  if (type <= MAX_8023_LENGTH) {
    decodeLlc(pkt, buf, p, end, log);
    return;
  }
  const decode = networkDecoder(type);
  if (decode !== undefined) decode(pkt, buf, p, end, log);
}

/** An IEEE 802.2 LLC header: only SNAP with OUI 0 (RFC 1042) carries an EtherType, hence IP. */
export function decodeLlc(pkt: DecodedPacket, buf: Buffer, p: number, end: number, log: AnomalyLog): void {
  if (end - p < 8 || u16be(buf, p) !== 0xaaaa || u8(buf, p + 2) !== 0x03 || u16be(buf, p + 3) !== 0 || u8(buf, p + 5) !== 0) return;
  const decode = networkDecoder(u16be(buf, p + 6));
  if (decode !== undefined) decode(pkt, buf, p + 8, end, log);
}
