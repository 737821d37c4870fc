/**
 * BSD loopback encapsulations (tcpdump.org LINKTYPE_NULL 0 and LINKTYPE_LOOP 108): a 4-byte
 * address family before the IP packet. NULL writes it in the byte order of the capturing host,
 * so a value with upper bits set is read the other way round (as tcpdump's print-null.c does);
 * LOOP writes it in network byte order. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin).
 *
 *    0 address family (4)   4 IP packet
 */
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import type { FrameDecoder } from './decoder.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { DecodedPacket } from './packet.js';

const LOOPBACK_HEADER = 4;

export const NETWORK_BY_BSD_FAMILY: ReadonlyMap<number, FrameDecoder> = new Map<number, FrameDecoder>([
  [2, decodeIpv4],
  [24, decodeIpv6],
  [28, decodeIpv6],
  [30, decodeIpv6],
]);

export function decodeNull(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < LOOPBACK_HEADER) {
    noteTruncated(log, pkt, 'truncated-loopback', 'loopback header', LOOPBACK_HEADER, end - off);
    return;
  }
  let family = buf.readUInt32LE(off);
  if ((family & 0xffff0000) !== 0) family = buf.readUInt32BE(off);
  const decode = NETWORK_BY_BSD_FAMILY.get(family);
  if (decode !== undefined) decode(pkt, buf, off + LOOPBACK_HEADER, end, log);
}

export function decodeLoop(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < LOOPBACK_HEADER) {
    noteTruncated(log, pkt, 'truncated-loopback', 'loopback header', LOOPBACK_HEADER, end - off);
    return;
  }
  const decode = NETWORK_BY_BSD_FAMILY.get(buf.readUInt32BE(off));
  if (decode !== undefined) decode(pkt, buf, off + LOOPBACK_HEADER, end, log);
}
