/**
 * Network-layer dispatch: by EtherType (IEEE "EtherType" registry: 0x0800 IPv4, 0x86DD IPv6,
 * 0x8847/0x8848 MPLS), and
 * by the IP version nibble for link types that carry bare IP (LINKTYPE_RAW 101, and the DLT_RAW
 * values 12 and 14 some platforms write; tcpdump.org link-layer header types).
 */
import { u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import type { FrameDecoder } from './decoder.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeMpls } from './mpls.js';
import type { DecodedPacket } from './packet.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;

/**
 * EtherType → decoder, as a 64 Ki-entry index into a short decoder list: one typed-array load
 * per packet instead of a hash lookup.
 */
const NETWORK_DECODERS: ReadonlyArray<FrameDecoder | undefined> = [undefined, decodeIpv4, decodeIpv6, decodeMpls];
const ETHERTYPE_SLOT: Uint8Array = (() => {
  const t = new Uint8Array(65536);
  t[ETHERTYPE_IPV4] = 1;
  t[ETHERTYPE_IPV6] = 2;
  t[ETHERTYPE_MPLS] = 3;
  t[ETHERTYPE_MPLS_MULTICAST] = 3;
  return t;
})();

/** The network decoder for an EtherType, undefined when it carries nothing decoded here. */
export function networkDecoder(ethertype: number): FrameDecoder | undefined {
  return NETWORK_DECODERS[ETHERTYPE_SLOT[ethertype] ?? 0];
}

/** Bare IP: the version nibble says which. */
export function decodeRawIp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < 1) {
    noteTruncated(log, pkt, 'truncated-ip', 'IP header', 1, end - off);
    return;
  }
  const version = u8(buf, off) >> 4;
  if (version === 4) decodeIpv4(pkt, buf, off, end, log);
  else if (version === 6) decodeIpv6(pkt, buf, off, end, log);
  else noteMalformed(log, pkt, 'bad-ip-version', 'raw IP packet with IP version', version);
}
