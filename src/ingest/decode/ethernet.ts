/**
 * Ethernet II / IEEE 802.3 frames (LINKTYPE_ETHERNET 1) with IEEE 802.1Q VLAN tags: 0x8100
 * (C-tag), 0x88A8 (802.1ad S-tag) and 0x9100 (pre-standard QinQ), any number stacked; the outer
 * tag's VLAN id is kept. An 802.3 length field followed by LLC/SNAP (RFC 1042: AA AA 03, OUI 0)
 * carries an EtherType too.
 *
 *    0 destination (6)   6 source (6)   12 EtherType or length (2)   14 payload
 *    tag: 0 TCI (2: PCP 3 bits, DEI 1, VLAN id 12)   2 inner EtherType (2)
 */
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import { NETWORK_BY_ETHERTYPE } from './network.js';
import type { DecodedPacket } from './packet.js';

const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const MAX_8023_LENGTH = 1500;

const TAG_TPIDS: ReadonlySet<number> = new Set([0x8100, 0x88a8, 0x9100]);

export function decodeEthernet(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < ETHERNET_HEADER) {
    noteTruncated(log, pkt, 'truncated-ethernet', 'Ethernet header', ETHERNET_HEADER, end - off);
    return;
  }
  decodeEthertype(pkt, buf, off + ETHERNET_HEADER, end, buf.readUInt16BE(off + 12), log);
}

/** The payload of an EtherType-labelled header (Ethernet, Linux cooked), VLAN tags included. */
export function decodeEthertype(pkt: DecodedPacket, buf: Buffer, p: number, end: number, ethertype: number, log: AnomalyLog): void {
  let type = ethertype;
  while (TAG_TPIDS.has(type)) {
    if (end - p < VLAN_TAG) {
      noteTruncated(log, pkt, 'truncated-vlan', '802.1Q tag', VLAN_TAG, end - p);
      return;
    }
    if (pkt.vlan < 0) pkt.vlan = buf.readUInt16BE(p) & 0x0fff;
    type = buf.readUInt16BE(p + 2);
    p += VLAN_TAG;
  }
  if (type <= MAX_8023_LENGTH) {
    if (
      end - p >= 8 &&
      buf.readUInt16BE(p) === 0xaaaa &&
      buf.readUInt8(p + 2) === 0x03 &&
      buf.readUInt16BE(p + 3) === 0 &&
      buf.readUInt8(p + 5) === 0
    ) {
      type = buf.readUInt16BE(p + 6);
      p += 8;
    } else {
      return;
    }
  }
  const decode = NETWORK_BY_ETHERTYPE.get(type);
  if (decode !== undefined) decode(pkt, buf, p, end, log);
}
