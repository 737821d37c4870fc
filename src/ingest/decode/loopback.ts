/**
 * BSD loopback encapsulations (tcpdump.org LINKTYPE_NULL 0 and LINKTYPE_LOOP 108): a 4-byte
 * address family before the IP packet. NULL writes it in the byte order of the capturing host,
 * so a value with upper bits set is read the other way round (as tcpdump's print-null.c does);
 * LOOP writes it in network byte order. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin).
 *
 *    0 address family (4)   4 IP packet
 */
import { u32be, u32le } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteTruncated } from './anomaly.js';
import type { FrameDecoder } from './decoder.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { DecodedPacket } from './packet.js';

const LOOPBACK_HEADER = 4;

const NETWORK_BY_BSD_FAMILY: ReadonlyArray<FrameDecoder | undefined> = (() => {
  const t = new Array<FrameDecoder | undefined>(32).fill(undefined);
  t[2] = decodeIpv4;
  t[24] = decodeIpv6;
  t[28] = decodeIpv6;
  t[30] = decodeIpv6;
  return t;
})();

/** The network decoder for a BSD address family value, undefined for others. */
export function familyDecoder(family: number): FrameDecoder | undefined {
  return family < 32 ? NETWORK_BY_BSD_FAMILY[family] : undefined;
}

export function decodeNull(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < LOOPBACK_HEADER) {
    noteTruncated(log, pkt, 'truncated-loopback', 'loopback header', LOOPBACK_HEADER, end - off);
    return;
  }
  let family = u32le(buf, off);
  if ((family & 0xffff0000) !== 0) family = u32be(buf, off);
  const decode = familyDecoder(family);
  if (decode !== undefined) decode(pkt, buf, off + LOOPBACK_HEADER, end, log);
}

export function decodeLoop(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < LOOPBACK_HEADER) {
    noteTruncated(log, pkt, 'truncated-loopback', 'loopback header', LOOPBACK_HEADER, end - off);
    return;
  }
  const decode = familyDecoder(u32be(buf, off));
  if (decode !== undefined) decode(pkt, buf, off + LOOPBACK_HEADER, end, log);
}
