/**
 * Frame decoding: resets the scratch packet and dispatches on the link type (tcpdump.org
 * "Link-layer header types", the registry of draft-ietf-opsawg-pcaplinktype) through a table.
 * Nothing here throws on bad bytes: a cut or malformed header leaves the packet decoded as far as
 * it goes and counts an anomaly.
 */
import type { AnomalyLog } from '../../anomalies.js';
import type { FrameDecoder } from './decoder.js';
import { decodeEthernet } from './ethernet.js';
import { decodeFddi } from './fddi.js';
import { decodeIpoib } from './ipoib.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLoop, decodeNull } from './loopback.js';
import { decodeRawIp } from './network.js';
import { decodeNflog } from './nflog.js';
import type { DecodedPacket } from './packet.js';
import { decodePflog } from './pflog.js';
import { decodePpp } from './ppp.js';
import { decodeSll, decodeSll2 } from './sll.js';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  FDDI: 10,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  PFLOG: 117,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  IPOIB: 242,
  LINUX_SLL2: 276,
} as const;

const LINK_DECODERS: ReadonlyMap<number, FrameDecoder> = new Map<number, FrameDecoder>([
  [LINKTYPE.NULL, decodeNull],
  [LINKTYPE.ETHERNET, decodeEthernet],
  [LINKTYPE.PPP, decodePpp],
  [LINKTYPE.FDDI, decodeFddi],
  [LINKTYPE.PPP_HDLC, decodePpp],
  [LINKTYPE.RAW_DLT12, decodeRawIp],
  [LINKTYPE.RAW_DLT14, decodeRawIp],
  [LINKTYPE.RAW, decodeRawIp],
  [LINKTYPE.LOOP, decodeLoop],
  [LINKTYPE.LINUX_SLL, decodeSll],
  [LINKTYPE.PFLOG, decodePflog],
  [LINKTYPE.IPV4, decodeIpv4],
  [LINKTYPE.IPV6, decodeIpv6],
  [LINKTYPE.NFLOG, decodeNflog],
  [LINKTYPE.IPOIB, decodeIpoib],
  [LINKTYPE.LINUX_SLL2, decodeSll2],
]);

/** The decoder for a link type, looked up once per interface by the readers; undefined when not decoded. */
export function linkDecoder(linkType: number): FrameDecoder | undefined {
  return LINK_DECODERS.get(linkType);
}

export function isLinkTypeSupported(linkType: number): boolean {
  return LINK_DECODERS.has(linkType);
}

/** Clears every decoded field of the scratch packet (the record fields are the reader's). */
export function resetDecoded(pkt: DecodedPacket, buf: Buffer): void {
  pkt.buf = buf;
  pkt.ipVersion = 0;
  pkt.srcOff = 0;
  pkt.dstOff = 0;
  pkt.src4 = 0;
  pkt.dst4 = 0;
  pkt.ipOff = 0;
  pkt.proto = 0;
  pkt.l4Off = 0;
  pkt.ipLen = 0;
  pkt.vlan = -1;
  pkt.fragment = 0;
  pkt.fragId = 0;
  pkt.srcPort = 0;
  pkt.dstPort = 0;
  pkt.tcpFlags = 0;
  pkt.tcpSeq = 0;
  pkt.tcpAck = 0;
  pkt.payloadOff = 0;
  pkt.payloadLen = 0;
  pkt.payloadWireLen = 0;
  pkt.icmpType = -1;
  pkt.icmpCode = -1;
  pkt.icmpId = 0;
  // The quote's other fields are meaningful only when `valid`; the ICMP decoder resets them.
  pkt.embedded.valid = false;
  pkt.pflog = null;
}

/**
 * Decodes the frame `buf[off, off + len)` of `linkType` into `pkt`. The record fields (time,
 * lengths, offset, interface) are left as the caller set them. Never throws on bad bytes.
 */
export function decodeFrame(pkt: DecodedPacket, buf: Buffer, off: number, len: number, linkType: number, anomalies: AnomalyLog): void {
  decodeFrameWith(pkt, buf, off, len, LINK_DECODERS.get(linkType), anomalies);
}

/** `decodeFrame` with the link decoder already looked up (the readers' per-packet path). */
export function decodeFrameWith(
  pkt: DecodedPacket,
  buf: Buffer,
  off: number,
  len: number,
  decoder: FrameDecoder | undefined,
  anomalies: AnomalyLog,
): void {
  resetDecoded(pkt, buf);
  if (decoder === undefined) return;
  // Clamp to the buffer so a decoder's length checks are the only bounds it needs.
  const start = off > 0 ? (off < buf.length ? off : buf.length) : 0;
  const end = len > 0 && start + len < buf.length ? start + len : len > 0 ? buf.length : start;
  decoder(pkt, buf, start, end, anomalies);
}
