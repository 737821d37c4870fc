/**
 * Network-layer dispatch: by EtherType (IEEE "EtherType" registry: 0x0800 IPv4, 0x86DD IPv6), and
 * by the IP version nibble for link types that carry bare IP (LINKTYPE_RAW 101, and the DLT_RAW
 * values 12 and 14 some platforms write; tcpdump.org link-layer header types).
 */
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import type { FrameDecoder } from './decoder.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { DecodedPacket } from './packet.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;

export const NETWORK_BY_ETHERTYPE: ReadonlyMap<number, FrameDecoder> = new Map<number, FrameDecoder>([
  [ETHERTYPE_IPV4, decodeIpv4],
  [ETHERTYPE_IPV6, decodeIpv6],
]);

/** Bare IP: the version nibble says which. */
export function decodeRawIp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < 1) {
    noteTruncated(log, pkt, 'truncated-ip', 'IP header', 1, end - off);
    return;
  }
  const version = buf.readUInt8(off) >> 4;
  if (version === 4) decodeIpv4(pkt, buf, off, end, log);
  else if (version === 6) decodeIpv6(pkt, buf, off, end, log);
  else noteMalformed(log, pkt, 'bad-ip-version', 'raw IP packet with IP version', version);
}
