/**
 * FDDI frames (tcpdump.org LINKTYPE_FDDI 10; tcpdump print-fddi.c): frame control (1),
 * destination (6), source (6), then an IEEE 802.2 LLC header, with SNAP (RFC 1042) naming the
 * EtherType of IP packets.
 */
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import { decodeLlc } from './ethernet.js';
import type { DecodedPacket } from './packet.js';

const FDDI_HEADER = 13;

export function decodeFddi(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < FDDI_HEADER) {
    noteTruncated(log, pkt, 'truncated-fddi', 'FDDI header', FDDI_HEADER, end - off);
    return;
  }
  decodeLlc(pkt, buf, off + FDDI_HEADER, end, log);
}
