/**
 * A packet and capture writer: builds frames (Ethernet with 802.1Q/QinQ tags, Linux cooked v1/v2,
 * BSD null/loop, raw IP, PFLOG) around IPv4 (options, fragments) or IPv6 (extension headers)
 * datagrams carrying TCP, UDP, SCTP, ICMP or ICMPv6 (errors quoting an original packet), and
 * writes them as classic pcap (draft-ietf-opsawg-pcap: microseconds or nanoseconds, either byte
 * order) or pcapng (draft-ietf-opsawg-pcapng: several sections, interfaces with their link type,
 * if_tsresol and if_tsoffset, Enhanced/Simple/obsolete Packet Blocks, and NRB/ISB/DSB/custom/
 * unknown blocks, either byte order).
 *
 * Buffers only: no file system here. The project's tests and demo build every capture they use
 * with it, and a library user can build captures of their own.
 *
 *   const pkts = tcpSession({ client: '10.0.0.5:40112', server: '10.1.0.7:21', request: 'USER x\r\n' });
 *   const pcap = writePcap(toFrames(pkts));                       // Ethernet, microseconds
 *   const ng = writePcapng({ interfaces: [{ linkType: LINKTYPE_ETHERNET }], blocks: packetBlocks(toFrames(pkts)) });
 */

export type Bytes = Buffer | Uint8Array | string | readonly number[];

function bytesOf(b: Bytes | undefined): Buffer {
  if (b === undefined) return Buffer.alloc(0);
  if (typeof b === 'string') return Buffer.from(b, 'latin1');
  if (Buffer.isBuffer(b)) return b;
  return Buffer.from(b);
}

// ---------------------------------------------------------------------------------------------
// Link types (tcpdump.org link-layer header types)

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
export const LINKTYPE_FDDI = 10;
export const LINKTYPE_PPP_HDLC = 50;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_PFLOG = 117;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_IPOIB = 242;
export const LINKTYPE_LINUX_SLL2 = 276;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;

// ---------------------------------------------------------------------------------------------
// Time: a bigint is nanoseconds since 1970; a number is seconds (kept to the microsecond).

export type Time = bigint | number;

/** Nanoseconds since the epoch. */
export function toNanos(t: Time): bigint {
  if (typeof t === 'bigint') return t;
  const sec = Math.floor(t);
  const micros = Math.round((t - sec) * 1e6);
  return BigInt(sec) * 1_000_000_000n + BigInt(micros) * 1000n;
}

/** `at(1700000000, 5)`: seconds and nanoseconds as one exact time. */
export function at(seconds: number, nanos = 0): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** The default start of generated traffic: 2023-11-14T22:13:20Z. */
export const DEFAULT_START: bigint = at(1_700_000_000);

// ---------------------------------------------------------------------------------------------
// Addresses

export interface ParsedAddress {
  version: 4 | 6;
  bytes: Buffer;
}

export function parseIp(text: string): ParsedAddress {
  if (text.includes(':')) return { version: 6, bytes: parseIpv6(text) };
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${text}`);
  return { version: 4, bytes: Buffer.from(parts.map((p) => checkedByte(Number(p), text))) };
}

function checkedByte(n: number, text: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`not an IPv4 address: ${text}`);
  return n;
}

function parseIpv6(text: string): Buffer {
  const out = Buffer.alloc(16);
  let s = text;
  // Embedded IPv4 tail (::ffff:192.0.2.1).
  let tail: Buffer | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tail = parseIp(s.slice(lastColon + 1)).bytes;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new Error(`not an IPv6 address: ${text}`);
  const head = halves[0] === '' || halves[0] === undefined ? [] : halves[0].split(':');
  const rest = halves.length === 2 && halves[1] !== '' && halves[1] !== undefined ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head;
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${text}`);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(g) || Number.isNaN(v)) throw new Error(`not an IPv6 address: ${text}`);
    out.writeUInt16BE(v, i * 2);
  });
  if (tail !== undefined) tail.copy(out, 12);
  return out;
}

export interface Endpoint {
  ip: string;
  port: number;
}

/** `10.0.0.1:80`, `[2001:db8::1]:443`, or an object. */
export function endpoint(e: Endpoint | string): Endpoint {
  if (typeof e !== 'string') return e;
  const m = /^\[(.+)\]:(\d+)$/.exec(e) ?? /^([^:]+):(\d+)$/.exec(e);
  if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`not an address:port: ${e}`);
  return { ip: m[1], port: Number(m[2]) };
}

// ---------------------------------------------------------------------------------------------
// Checksums

function onesComplementSum(parts: readonly Buffer[]): number {
  let sum = 0;
  for (const b of parts) {
    for (let i = 0; i + 1 < b.length; i += 2) sum += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
    if (b.length % 2 === 1) sum += (b[b.length - 1] ?? 0) << 8;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32C (Castagnoli), SCTP's checksum (RFC 9260 appendix A). */
function crc32c(b: Buffer): number {
  let c = 0xffffffff;
  for (const byte of b) c = (CRC32C_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Transport

/** A transport segment before the IP layer: its checksum is filled in by ipv4()/ipv6(). */
export interface Transport {
  proto: number;
  bytes: Buffer;
  /** Offset of a 16-bit checksum over an IP pseudo-header plus the segment; -1 for none. */
  checksumAt: number;
  /** ICMP (v4) sums the segment without a pseudo-header; SCTP uses CRC-32C at offset 8. */
  checksumKind: 'pseudo' | 'plain' | 'crc32c' | 'none';
}

export const TCP_FLAGS = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 } as const;
const FLAG_BITS: ReadonlyMap<string, number> = new Map(Object.entries(TCP_FLAGS));

/** A flags byte from letters (`'SA'`, `'PA'`, `'FA'`, `'R'`) or a number. */
export function tcpFlags(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  let v = 0;
  for (const ch of flags.toUpperCase()) {
    const bit = FLAG_BITS.get(ch);
    if (bit === undefined) throw new Error(`unknown TCP flag letter ${ch}`);
    v |= bit;
  }
  return v;
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags?: string | number;
  window?: number;
  /** TCP options bytes, padded with NOPs... to a multiple of 4. */
  options?: Bytes;
  /** Overrides the data offset (32-bit words), for malformed segments. */
  dataOffsetWords?: number;
}

export function tcp(o: TcpOptions, payload?: Bytes): Transport {
  const opts = bytesOf(o.options);
  const optLen = (opts.length + 3) & ~3;
  const data = bytesOf(payload);
  const h = Buffer.alloc(20 + optLen);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt32BE((o.seq ?? 0) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h.writeUInt8(((o.dataOffsetWords ?? h.length / 4) & 15) << 4, 12);
  h.writeUInt8(tcpFlags(o.flags ?? 'A'), 13);
  h.writeUInt16BE(o.window ?? 64240, 14);
  opts.copy(h, 20);
  if (optLen > opts.length) h.fill(1, 20 + opts.length); // NOP padding
  return { proto: IPPROTO_TCP, bytes: Buffer.concat([h, data]), checksumAt: 16, checksumKind: 'pseudo' };
}

export interface UdpOptions {
  srcPort: number;
  dstPort: number;
  /** Overrides the UDP length field, for malformed datagrams. */
  length?: number;
}

export function udp(o: UdpOptions, payload?: Bytes): Transport {
  const data = bytesOf(payload);
  const h = Buffer.alloc(8);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt16BE(o.length ?? 8 + data.length, 4);
  return { proto: IPPROTO_UDP, bytes: Buffer.concat([h, data]), checksumAt: 6, checksumKind: 'pseudo' };
}

export interface SctpOptions {
  srcPort: number;
  dstPort: number;
  verificationTag?: number;
}

/** SCTP common header followed by `chunks` (e.g. sctpInitChunk()). */
export function sctp(o: SctpOptions, chunks?: Bytes): Transport {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(o.srcPort, 0);
  h.writeUInt16BE(o.dstPort, 2);
  h.writeUInt32BE((o.verificationTag ?? 0) >>> 0, 4);
  return { proto: IPPROTO_SCTP, bytes: Buffer.concat([h, bytesOf(chunks)]), checksumAt: 8, checksumKind: 'crc32c' };
}

/** An SCTP INIT chunk (RFC 9260 3.3.2) with a given initiate tag. */
export function sctpInitChunk(initiateTag = 0x01020304): Buffer {
  const c = Buffer.alloc(20);
  c.writeUInt8(1, 0);
  c.writeUInt16BE(20, 2);
  c.writeUInt32BE(initiateTag >>> 0, 4);
  c.writeUInt32BE(65535, 8);
  c.writeUInt16BE(10, 12);
  c.writeUInt16BE(10, 14);
  c.writeUInt32BE(1, 16);
  return c;
}

export interface IcmpOptions {
  type: number;
  code?: number;
  /** Bytes 4-7: identifier and sequence for echo, unused/MTU/pointer for errors. */
  id?: number;
  seq?: number;
}

function icmpSegment(proto: number, o: IcmpOptions, payload: Bytes | undefined, kind: 'plain' | 'pseudo'): Transport {
  const h = Buffer.alloc(8);
  h.writeUInt8(o.type, 0);
  h.writeUInt8(o.code ?? 0, 1);
  h.writeUInt16BE(o.id ?? 0, 4);
  h.writeUInt16BE(o.seq ?? 0, 6);
  return { proto, bytes: Buffer.concat([h, bytesOf(payload)]), checksumAt: 2, checksumKind: kind };
}

export function icmp(o: IcmpOptions, payload?: Bytes): Transport {
  return icmpSegment(IPPROTO_ICMP, o, payload, 'plain');
}

export function icmpv6(o: IcmpOptions, payload?: Bytes): Transport {
  return icmpSegment(IPPROTO_ICMPV6, o, payload, 'pseudo');
}

/**
 * An ICMP or ICMPv6 error quoting `original`: by default its IP header(s) and the first 8 bytes
 * after them (RFC 792), or for ICMPv6 as much as fits a 1280-byte packet (RFC 4443 2.4(c)).
 */
export function icmpErrorFor(original: IpPacket, type: number, code: number, quoteBytes?: number): Transport {
  if (original.version === 4) {
    const ihl = ((original.bytes[0] ?? 0x45) & 15) * 4;
    const quote = original.bytes.subarray(0, Math.min(original.bytes.length, quoteBytes ?? ihl + 8));
    return icmp({ type, code }, quote);
  }
  const quote = original.bytes.subarray(0, Math.min(original.bytes.length, quoteBytes ?? 1280 - 48));
  return icmpv6({ type, code }, quote);
}

/** Any other protocol (GRE 47, ESP 50, ...) as opaque bytes. */
export function rawTransport(proto: number, bytes: Bytes): Transport {
  return { proto, bytes: bytesOf(bytes), checksumAt: -1, checksumKind: 'none' };
}

// ---------------------------------------------------------------------------------------------
// IP

export interface IpPacket {
  version: 4 | 6;
  /** The whole datagram. */
  bytes: Buffer;
  src: string;
  dst: string;
  /** Upper-layer protocol (after IPv6 extension headers). */
  proto: number;
}

export interface Ipv4Options {
  src: string;
  dst: string;
  ttl?: number;
  id?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Option bytes (padded with end-of-options to a multiple of 4). */
  options?: Bytes;
  /** Overrides the total length field, for malformed datagrams. */
  totalLength?: number;
  /** Overrides the protocol field. */
  protocol?: number;
}

function fillChecksum(t: Transport, pseudo: Buffer): Buffer {
  const seg = Buffer.from(t.bytes);
  if (t.checksumKind === 'none' || t.checksumAt < 0 || seg.length < t.checksumAt + 2) return seg;
  if (t.checksumKind === 'crc32c') {
    seg.writeUInt32LE(0, t.checksumAt);
    seg.writeUInt32LE(crc32c(seg), t.checksumAt);
    return seg;
  }
  seg.writeUInt16BE(0, t.checksumAt);
  let sum = onesComplementSum(t.checksumKind === 'pseudo' ? [pseudo, seg] : [seg]);
  if (sum === 0 && t.proto === IPPROTO_UDP) sum = 0xffff;
  seg.writeUInt16BE(sum, t.checksumAt);
  return seg;
}

export function ipv4(o: Ipv4Options, t: Transport): IpPacket {
  const src = parseIp(o.src);
  const dst = parseIp(o.dst);
  if (src.version !== 4 || dst.version !== 4) throw new Error('ipv4() needs IPv4 addresses');
  const opts = bytesOf(o.options);
  const optLen = (opts.length + 3) & ~3;
  const h = Buffer.alloc(20 + optLen);
  const pseudo = Buffer.alloc(12);
  src.bytes.copy(pseudo, 0);
  dst.bytes.copy(pseudo, 4);
  pseudo.writeUInt8(t.proto, 9);
  pseudo.writeUInt16BE(t.bytes.length, 10);
  const seg = fillChecksum(t, pseudo);
  h.writeUInt8(0x40 | (h.length / 4), 0);
  h.writeUInt8(o.tos ?? 0, 1);
  h.writeUInt16BE(o.totalLength ?? h.length + seg.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  const flags = (o.df === true ? 0x4000 : 0) | (o.mf === true ? 0x2000 : 0) | (((o.fragmentOffset ?? 0) / 8) & 0x1fff);
  h.writeUInt16BE(flags, 6);
  h.writeUInt8(o.ttl ?? 64, 8);
  h.writeUInt8(o.protocol ?? t.proto, 9);
  src.bytes.copy(h, 12);
  dst.bytes.copy(h, 16);
  opts.copy(h, 20);
  h.writeUInt16BE(onesComplementSum([h]), 10);
  return { version: 4, bytes: Buffer.concat([h, seg]), src: o.src, dst: o.dst, proto: t.proto };
}

export type Ipv6Extension =
  | { kind: 'hop-by-hop' | 'destination'; /** Total length in bytes, a multiple of 8 (default 8). */ length?: number }
  | { kind: 'routing'; routingType?: number; segmentsLeft?: number; addresses?: string[] }
  | { kind: 'fragment'; offset?: number; more?: boolean; id?: number }
  | { kind: 'ah'; spi?: number; seq?: number; icvLength?: number }
  | { kind: 'esp'; spi?: number; seq?: number };

const EXT_TYPE: Record<Ipv6Extension['kind'], number> = {
  'hop-by-hop': 0,
  routing: 43,
  fragment: 44,
  destination: 60,
  ah: 51,
  esp: 50,
};

function encodeExtension(e: Ipv6Extension, next: number): Buffer {
  switch (e.kind) {
    case 'hop-by-hop':
    case 'destination': {
      const len = e.length ?? 8;
      const b = Buffer.alloc(len);
      b.writeUInt8(next, 0);
      b.writeUInt8(len / 8 - 1, 1);
      // PadN covering the rest (RFC 8200 4.2).
      b.writeUInt8(1, 2);
      b.writeUInt8(len - 4, 3);
      return b;
    }
    case 'routing': {
      const addrs = (e.addresses ?? []).map((a) => parseIp(a).bytes);
      const b = Buffer.alloc(8 + 16 * addrs.length);
      b.writeUInt8(next, 0);
      b.writeUInt8(addrs.length * 2, 1);
      b.writeUInt8(e.routingType ?? 0, 2);
      b.writeUInt8(e.segmentsLeft ?? 0, 3);
      addrs.forEach((a, i) => a.copy(b, 8 + 16 * i));
      return b;
    }
    case 'fragment': {
      const b = Buffer.alloc(8);
      b.writeUInt8(next, 0);
      b.writeUInt16BE(((e.offset ?? 0) & 0xfff8) | (e.more === true ? 1 : 0), 2);
      b.writeUInt32BE((e.id ?? 0x12345678) >>> 0, 4);
      return b;
    }
    case 'ah': {
      const icv = e.icvLength ?? 12;
      const b = Buffer.alloc(12 + icv);
      b.writeUInt8(next, 0);
      b.writeUInt8(b.length / 4 - 2, 1);
      b.writeUInt32BE((e.spi ?? 0x100) >>> 0, 4);
      b.writeUInt32BE((e.seq ?? 1) >>> 0, 8);
      return b;
    }
    case 'esp': {
      const b = Buffer.alloc(8);
      b.writeUInt32BE((e.spi ?? 0x200) >>> 0, 0);
      b.writeUInt32BE((e.seq ?? 1) >>> 0, 4);
      return b;
    }
  }
}

export interface Ipv6Options {
  src: string;
  dst: string;
  hopLimit?: number;
  flowLabel?: number;
  trafficClass?: number;
  /** Extension headers in order, between the IPv6 header and the transport. */
  extensions?: Ipv6Extension[];
  /** Overrides the payload length field. */
  payloadLength?: number;
}

export function ipv6(o: Ipv6Options, t: Transport): IpPacket {
  const src = parseIp(o.src);
  const dst = parseIp(o.dst);
  if (src.version !== 6 || dst.version !== 6) throw new Error('ipv6() needs IPv6 addresses');
  const exts = o.extensions ?? [];
  const pseudo = Buffer.alloc(40);
  src.bytes.copy(pseudo, 0);
  dst.bytes.copy(pseudo, 16);
  pseudo.writeUInt32BE(t.bytes.length, 32);
  pseudo.writeUInt8(t.proto, 39);
  const seg = fillChecksum(t, pseudo);
  const parts: Buffer[] = [];
  exts.forEach((e, i) => {
    const following = exts[i + 1];
    parts.push(encodeExtension(e, following === undefined ? t.proto : EXT_TYPE[following.kind]));
  });
  parts.push(seg);
  const payload = Buffer.concat(parts);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((o.trafficClass ?? 0) << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(o.payloadLength ?? payload.length, 4);
  const first = exts[0];
  h.writeUInt8(first === undefined ? t.proto : EXT_TYPE[first.kind], 6);
  h.writeUInt8(o.hopLimit ?? 64, 7);
  src.bytes.copy(h, 8);
  dst.bytes.copy(h, 24);
  return { version: 6, bytes: Buffer.concat([h, payload]), src: o.src, dst: o.dst, proto: t.proto };
}

/** An IP datagram from endpoints' addresses, IPv4 or IPv6 as the addresses are. */
export function ip(src: string, dst: string, t: Transport, extra: { ttl?: number; id?: number } = {}): IpPacket {
  if (parseIp(src).version === 4) return ipv4({ src, dst, ...extra }, t);
  return ipv6({ src, dst, ...(extra.ttl !== undefined ? { hopLimit: extra.ttl } : {}) }, t);
}

/**
 * Splits an IPv4 datagram into fragments carrying at most `fragmentBytes` of payload each
 * (rounded down to a multiple of 8), headers (with options) copied into every fragment.
 */
export function fragmentIpv4(p: IpPacket, fragmentBytes: number): IpPacket[] {
  const ihl = ((p.bytes[0] ?? 0x45) & 15) * 4;
  const header = p.bytes.subarray(0, ihl);
  const data = p.bytes.subarray(ihl);
  const size = Math.max(8, fragmentBytes & ~7);
  const out: IpPacket[] = [];
  for (let off = 0; off < data.length; off += size) {
    const chunk = data.subarray(off, Math.min(data.length, off + size));
    const h = Buffer.from(header);
    h.writeUInt16BE(ihl + chunk.length, 2);
    const more = off + size < data.length;
    h.writeUInt16BE((header.readUInt16BE(6) & 0x4000) | (more ? 0x2000 : 0) | (off / 8), 6);
    h.writeUInt16BE(0, 10);
    h.writeUInt16BE(onesComplementSum([h]), 10);
    out.push({ ...p, bytes: Buffer.concat([h, chunk]) });
  }
  return out;
}

/**
 * Splits an IPv6 datagram (no extension headers of its own) into fragments with a Fragment
 * header (RFC 8200 4.5), each carrying at most `fragmentBytes` (multiple of 8) of the payload.
 */
export function fragmentIpv6(p: IpPacket, fragmentBytes: number, id = 0x0badcafe): IpPacket[] {
  const header = p.bytes.subarray(0, 40);
  const nextHeader = header.readUInt8(6);
  const data = p.bytes.subarray(40);
  const size = Math.max(8, fragmentBytes & ~7);
  const out: IpPacket[] = [];
  for (let off = 0; off < data.length; off += size) {
    const chunk = data.subarray(off, Math.min(data.length, off + size));
    const more = off + size < data.length;
    const h = Buffer.from(header);
    h.writeUInt8(44, 6);
    h.writeUInt16BE(8 + chunk.length, 4);
    const f = encodeExtension({ kind: 'fragment', offset: off, more, id }, nextHeader);
    out.push({ ...p, bytes: Buffer.concat([h, f, chunk]) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Link layer

export interface Frame {
  linkType: number;
  data: Buffer;
}

function macOf(text: string | undefined, fallbackFrom: Buffer, lead: number): Buffer {
  if (text !== undefined) return Buffer.from(text.split(/[:-]/).map((h) => parseInt(h, 16)));
  const m = Buffer.alloc(6);
  m.writeUInt8(lead, 0);
  fallbackFrom.subarray(Math.max(0, fallbackFrom.length - 5)).copy(m, 1);
  return m;
}

function etherTypeOf(p: IpPacket): number {
  return p.version === 4 ? 0x0800 : 0x86dd;
}

export interface EthernetOptions {
  src?: string;
  dst?: string;
  /** One VLAN id (802.1Q) or several, outermost first (QinQ). */
  vlan?: number | number[];
  /** TPID per tag, outermost first; default 0x88a8 outer and 0x8100 inner when stacked. */
  tpids?: number[];
  /** Raw EtherType and payload instead of an IP packet (ARP, LLDP, ...). */
  etherType?: number;
  /** Pads the frame to the 60-byte Ethernet minimum. */
  pad?: boolean;
  /** Wraps the packet in LLC/SNAP after an 802.3 length field instead of an EtherType. */
  llcSnap?: boolean;
  /** MPLS labels (outermost first) between the EtherType 0x8847 and the packet. */
  mplsLabels?: number[];
}

/** An MPLS label stack (RFC 3032) in front of `payload`, the last label marked bottom of stack. */
export function mplsStack(labels: readonly number[], payload: Buffer): Buffer {
  const stack = Buffer.alloc(4 * labels.length);
  labels.forEach((label, i) => stack.writeUInt32BE((((label & 0xfffff) << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64) >>> 0, 4 * i));
  return Buffer.concat([stack, payload]);
}

export function ethernet(p: IpPacket | Buffer, o: EthernetOptions = {}): Frame {
  const isIp = !Buffer.isBuffer(p);
  const mpls = o.mplsLabels !== undefined && o.mplsLabels.length > 0;
  const payload = isIp ? (mpls ? mplsStack(o.mplsLabels ?? [], p.bytes) : p.bytes) : p;
  const srcAddr = isIp ? parseIp(p.src).bytes : Buffer.from([1, 2, 3, 4]);
  const dstAddr = isIp ? parseIp(p.dst).bytes : Buffer.from([5, 6, 7, 8]);
  const type = o.etherType ?? (mpls ? 0x8847 : isIp ? etherTypeOf(p) : 0x0800);
  const vlans = o.vlan === undefined ? [] : Array.isArray(o.vlan) ? o.vlan : [o.vlan];
  const parts: Buffer[] = [macOf(o.dst, dstAddr, 0x02), macOf(o.src, srcAddr, 0x02)];
  vlans.forEach((id, i) => {
    const tpid = o.tpids?.[i] ?? (vlans.length > 1 && i === 0 ? 0x88a8 : 0x8100);
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(tpid, 0);
    tag.writeUInt16BE(id & 0x0fff, 2);
    parts.push(tag);
  });
  if (o.llcSnap === true) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(8 + payload.length, 0);
    const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, type >> 8, type & 0xff]);
    parts.push(len, snap, payload);
  } else {
    const t = Buffer.alloc(2);
    t.writeUInt16BE(type, 0);
    parts.push(t, payload);
  }
  let data = Buffer.concat(parts);
  if (o.pad === true && data.length < 60) data = Buffer.concat([data, Buffer.alloc(60 - data.length)]);
  return { linkType: LINKTYPE_ETHERNET, data };
}

export interface SllOptions {
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  packetType?: number;
  /** ARPHRD_ type; 1 Ethernet. */
  arphrd?: number;
  /** Overrides the protocol (EtherType) field. */
  protocol?: number;
  interfaceIndex?: number;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL). */
export function sll(p: IpPacket, o: SllOptions = {}): Frame {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(o.packetType ?? 0, 0);
  h.writeUInt16BE(o.arphrd ?? 1, 2);
  h.writeUInt16BE(6, 4);
  Buffer.from([0x02, 0, 0, 0, 0, 1]).copy(h, 6);
  h.writeUInt16BE(o.protocol ?? etherTypeOf(p), 14);
  return { linkType: LINKTYPE_LINUX_SLL, data: Buffer.concat([h, p.bytes]) };
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2). */
export function sll2(p: IpPacket, o: SllOptions = {}): Frame {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.protocol ?? etherTypeOf(p), 0);
  h.writeUInt32BE(o.interfaceIndex ?? 2, 4);
  h.writeUInt16BE(o.arphrd ?? 1, 8);
  h.writeUInt8(o.packetType ?? 0, 10);
  h.writeUInt8(6, 11);
  Buffer.from([0x02, 0, 0, 0, 0, 1]).copy(h, 12);
  return { linkType: LINKTYPE_LINUX_SLL2, data: Buffer.concat([h, p.bytes]) };
}

export interface LoopbackOptions {
  /** Address family; default 2 for IPv4, 24 (OpenBSD/NetBSD) for IPv6. */
  family?: number;
  /** NULL only: write the family big-endian (a big-endian capturing host). */
  bigEndian?: boolean;
}

/** BSD loopback, LINKTYPE_NULL: the family in the capturing host's byte order. */
export function nullLoopback(p: IpPacket, o: LoopbackOptions = {}): Frame {
  const h = Buffer.alloc(4);
  const family = o.family ?? (p.version === 4 ? 2 : 24);
  if (o.bigEndian === true) h.writeUInt32BE(family, 0);
  else h.writeUInt32LE(family, 0);
  return { linkType: LINKTYPE_NULL, data: Buffer.concat([h, p.bytes]) };
}

/** OpenBSD loopback, LINKTYPE_LOOP: the family in network byte order. */
export function loop(p: IpPacket, o: LoopbackOptions = {}): Frame {
  const h = Buffer.alloc(4);
  h.writeUInt32BE(o.family ?? (p.version === 4 ? 2 : 24), 0);
  return { linkType: LINKTYPE_LOOP, data: Buffer.concat([h, p.bytes]) };
}

/** Bare IP: LINKTYPE_RAW (101) by default, or the DLT_RAW values 12/14. */
export function rawIp(p: IpPacket, linkType: 101 | 12 | 14 = LINKTYPE_RAW): Frame {
  return { linkType, data: p.bytes };
}

/** LINKTYPE_IPV4 (228) or LINKTYPE_IPV6 (229), as the packet is. */
export function bareIp(p: IpPacket): Frame {
  return { linkType: p.version === 4 ? LINKTYPE_IPV4 : LINKTYPE_IPV6, data: p.bytes };
}

/** PPP (LINKTYPE_PPP, or LINKTYPE_PPP_HDLC with `hdlc`): address/control 0xFF 0x03 and a 2-byte protocol. */
export function ppp(p: IpPacket, o: { hdlc?: boolean; compressedProtocol?: boolean; mplsLabels?: number[] } = {}): Frame {
  const mpls = o.mplsLabels !== undefined && o.mplsLabels.length > 0;
  const protocol = mpls ? 0x0281 : p.version === 4 ? 0x0021 : 0x0057;
  const proto = o.compressedProtocol === true && protocol < 0x100 ? Buffer.from([protocol]) : Buffer.from([protocol >> 8, protocol & 0xff]);
  const body = mpls ? mplsStack(o.mplsLabels ?? [], p.bytes) : p.bytes;
  return { linkType: o.hdlc === true ? LINKTYPE_PPP_HDLC : LINKTYPE_PPP, data: Buffer.concat([Buffer.from([0xff, 0x03]), proto, body]) };
}

/** A Linux NFLOG message (LINKTYPE_NFLOG) with a prefix attribute and the packet as NFULA_PAYLOAD. */
export function nflog(p: IpPacket, o: { prefix?: string; bigEndian?: boolean } = {}): Frame {
  const be = o.bigEndian === true;
  const tlv = (type: number, value: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    if (be) {
      h.writeUInt16BE(4 + value.length, 0);
      h.writeUInt16BE(type, 2);
    } else {
      h.writeUInt16LE(4 + value.length, 0);
      h.writeUInt16LE(type, 2);
    }
    const pad = (4 - (value.length & 3)) & 3;
    return Buffer.concat([h, value, Buffer.alloc(pad)]);
  };
  const header = Buffer.from([p.version === 4 ? 2 : 10, 0, 0, 1]);
  const prefix = tlv(10, Buffer.from(`${o.prefix ?? 'DROP'}\0`, 'latin1'));
  return { linkType: LINKTYPE_NFLOG, data: Buffer.concat([header, prefix, tlv(9, p.bytes)]) };
}

/** An FDDI frame (LINKTYPE_FDDI): frame control, addresses, then LLC/SNAP. */
export function fddi(p: IpPacket): Frame {
  const h = Buffer.alloc(13);
  h.writeUInt8(0x50, 0);
  const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, p.version === 4 ? 0x08 : 0x86, p.version === 4 ? 0x00 : 0xdd]);
  return { linkType: LINKTYPE_FDDI, data: Buffer.concat([h, snap, p.bytes]) };
}

/** IP over InfiniBand (LINKTYPE_IPOIB): 40 bytes of hardware addresses, EtherType, reserved. */
export function ipoib(p: IpPacket): Frame {
  const h = Buffer.alloc(44);
  h.writeUInt16BE(etherTypeOf(p), 40);
  return { linkType: LINKTYPE_IPOIB, data: Buffer.concat([h, p.bytes]) };
}

/** Any link type with the bytes given (unknown link types in tests). */
export function linkFrame(linkType: number, data: Bytes): Frame {
  return { linkType, data: bytesOf(data) };
}

export const PF_ACTIONS = { pass: 0, block: 1, scrub: 2, match: 12 } as const;
export const PF_DIRECTIONS = { inout: 0, in: 1, out: 2 } as const;

export interface PflogOptions {
  action?: keyof typeof PF_ACTIONS | number;
  direction?: keyof typeof PF_DIRECTIONS | number;
  reason?: number;
  ifname?: string;
  ruleset?: string;
  /** -1 for none (written as 0xffffffff). */
  ruleNumber?: number;
  subruleNumber?: number;
  /** Address family byte; default 2 for IPv4 and 24 (OpenBSD) for IPv6. */
  af?: number;
  /** The header's length field; the packet starts at it rounded up to 4. Default 61 (FreeBSD's PFLOG_REAL_HDRLEN). */
  length?: number;
}

/** A pf log record (LINKTYPE_PFLOG), layout of struct pfloghdr. */
export function pflog(p: IpPacket, o: PflogOptions = {}): Frame {
  const length = o.length ?? 61;
  const h = Buffer.alloc((length + 3) & ~3);
  h.writeUInt8(length, 0);
  h.writeUInt8(o.af ?? (p.version === 4 ? 2 : 24), 1);
  const action = o.action ?? 'pass';
  h.writeUInt8(typeof action === 'number' ? action : PF_ACTIONS[action], 2);
  h.writeUInt8(o.reason ?? 0, 3);
  if (h.length >= 36) {
    h.write((o.ifname ?? 'em0').slice(0, 15), 4, 'latin1');
    h.write((o.ruleset ?? '').slice(0, 15), 20, 'latin1');
  }
  if (h.length >= 44) {
    h.writeUInt32BE((o.ruleNumber ?? 0) >>> 0, 36);
    h.writeUInt32BE((o.subruleNumber ?? -1) >>> 0, 40);
  }
  if (h.length > 60) {
    const dir = o.direction ?? 'in';
    h.writeUInt8(typeof dir === 'number' ? dir : PF_DIRECTIONS[dir], 60);
  }
  return { linkType: LINKTYPE_PFLOG, data: Buffer.concat([h, p.bytes]) };
}

// ---------------------------------------------------------------------------------------------
// Timed packets and sessions

export interface TimedPacket {
  /** Nanoseconds since the epoch. */
  ts: bigint;
  ip: IpPacket;
}

export interface CapturedFrame {
  ts: Time;
  frame: Frame;
  /** Original length; default the frame length. */
  origLen?: number;
  /** Captured bytes kept (snaplen cut); default all. */
  snap?: number;
  /** pcapng interface id (default 0). */
  interfaceId?: number;
  /** pcapng block to write the packet in (default EPB). */
  block?: 'epb' | 'spb' | 'pb';
}

/** Wraps timed IP packets in a link layer (Ethernet by default). */
export function toFrames(pkts: readonly TimedPacket[], link: (p: IpPacket) => Frame = (p) => ethernet(p)): CapturedFrame[] {
  return pkts.map((p) => ({ ts: p.ts, frame: link(p.ip) }));
}

/** Merges several packet lists by time (stable: equal times keep list order). */
export function mergeByTime<T extends { ts: Time }>(...lists: ReadonlyArray<readonly T[]>): T[] {
  const all = lists.flatMap((l, li) => l.map((x, i) => ({ x, li, i, t: toNanos(x.ts) })));
  all.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.li - b.li || a.i - b.i));
  return all.map((a) => a.x);
}

function secondsToNanos(s: number): bigint {
  return BigInt(Math.round(s * 1e9));
}

export interface TcpSessionOptions {
  client: Endpoint | string;
  server: Endpoint | string;
  start?: Time;
  /** Round-trip time in seconds (default 0.001); each step advances half of it. */
  rtt?: number;
  /**
   * - `full`: SYN, SYN-ACK, ACK, then the data, then the close.
   * - `rejected`: SYN answered by RST-ACK.
   * - `unanswered`: SYN only (plus `synRetries` retransmissions 1 s, 3 s, 7 s ... later).
   * - `mid-stream`: no handshake seen; data and close only.
   */
  handshake?: 'full' | 'rejected' | 'unanswered' | 'mid-stream';
  /** Extra SYN retransmissions before the answer (or instead of it). */
  synRetries?: number;
  /** Client data after the handshake, then `response` from the server. */
  request?: Bytes;
  response?: Bytes;
  /** A longer conversation instead of request/response. */
  exchanges?: Array<{ from: 'client' | 'server'; data: Bytes }>;
  close?: 'fin' | 'rst' | 'none';
  clientIsn?: number;
  serverIsn?: number;
}

/** A TCP conversation as timed IP packets (IPv4 or IPv6 from the addresses). */
export function tcpSession(o: TcpSessionOptions): TimedPacket[] {
  const c = endpoint(o.client);
  const s = endpoint(o.server);
  const half = secondsToNanos((o.rtt ?? 0.001) / 2);
  let t = toNanos(o.start ?? DEFAULT_START);
  let cseq = (o.clientIsn ?? 1000) >>> 0;
  let sseq = (o.serverIsn ?? 5000) >>> 0;
  const out: TimedPacket[] = [];
  const fromClient = (flags: string, data?: Bytes): void => {
    out.push({ ts: t, ip: ip(c.ip, s.ip, tcp({ srcPort: c.port, dstPort: s.port, seq: cseq, ack: flags.includes('A') ? sseq : 0, flags }, data)) });
  };
  const fromServer = (flags: string, data?: Bytes): void => {
    out.push({ ts: t, ip: ip(s.ip, c.ip, tcp({ srcPort: s.port, dstPort: c.port, seq: sseq, ack: flags.includes('A') ? cseq : 0, flags }, data)) });
  };
  const handshake = o.handshake ?? 'full';
  if (handshake !== 'mid-stream') {
    fromClient('S');
    for (let i = 0; i < (o.synRetries ?? 0); i++) {
      t += secondsToNanos(2 ** i);
      fromClient('S');
    }
    cseq = (cseq + 1) >>> 0;
    if (handshake === 'unanswered') return out;
    t += half;
    if (handshake === 'rejected') {
      fromServer('RA');
      return out;
    }
    fromServer('SA');
    sseq = (sseq + 1) >>> 0;
    t += half;
    fromClient('A');
  }
  const exchanges = o.exchanges ?? [
    ...(o.request !== undefined ? [{ from: 'client' as const, data: o.request }] : []),
    ...(o.response !== undefined ? [{ from: 'server' as const, data: o.response }] : []),
  ];
  for (const x of exchanges) {
    const data = bytesOf(x.data);
    t += half;
    if (x.from === 'client') {
      fromClient('PA', data);
      cseq = (cseq + data.length) >>> 0;
      t += half;
      fromServer('A');
    } else {
      fromServer('PA', data);
      sseq = (sseq + data.length) >>> 0;
      t += half;
      fromClient('A');
    }
  }
  const close = o.close ?? 'fin';
  if (close === 'rst') {
    t += half;
    fromClient('RA');
  } else if (close === 'fin') {
    t += half;
    fromClient('FA');
    cseq = (cseq + 1) >>> 0;
    t += half;
    fromServer('FA');
    sseq = (sseq + 1) >>> 0;
    t += half;
    fromClient('A');
  }
  return out;
}

export interface UdpExchangeOptions {
  client: Endpoint | string;
  server: Endpoint | string;
  start?: Time;
  rtt?: number;
  request?: Bytes;
  /** Omit for a one-way exchange. */
  response?: Bytes;
  /** Requests sent (each answered when `response` is given). */
  count?: number;
}

export function udpExchange(o: UdpExchangeOptions): TimedPacket[] {
  const c = endpoint(o.client);
  const s = endpoint(o.server);
  const half = secondsToNanos((o.rtt ?? 0.001) / 2);
  let t = toNanos(o.start ?? DEFAULT_START);
  const out: TimedPacket[] = [];
  for (let i = 0; i < (o.count ?? 1); i++) {
    out.push({ ts: t, ip: ip(c.ip, s.ip, udp({ srcPort: c.port, dstPort: s.port }, o.request ?? 'ping')) });
    t += half;
    if (o.response !== undefined) {
      out.push({ ts: t, ip: ip(s.ip, c.ip, udp({ srcPort: s.port, dstPort: c.port }, o.response)) });
    }
    t += half;
  }
  return out;
}

export interface EchoOptions {
  from: string;
  to: string;
  id?: number;
  seq?: number;
  start?: Time;
  rtt?: number;
  reply?: boolean;
}

/** ICMP or ICMPv6 echo request (and reply). */
export function icmpEcho(o: EchoOptions): TimedPacket[] {
  const v4 = parseIp(o.from).version === 4;
  const t = toNanos(o.start ?? DEFAULT_START);
  const id = o.id ?? 0x4242;
  const seq = o.seq ?? 1;
  const req = v4 ? icmp({ type: 8, id, seq }, 'abcdefgh') : icmpv6({ type: 128, id, seq }, 'abcdefgh');
  const out: TimedPacket[] = [{ ts: t, ip: ip(o.from, o.to, req) }];
  if (o.reply !== false) {
    const rep = v4 ? icmp({ type: 0, id, seq }, 'abcdefgh') : icmpv6({ type: 129, id, seq }, 'abcdefgh');
    out.push({ ts: t + secondsToNanos(o.rtt ?? 0.001), ip: ip(o.to, o.from, rep) });
  }
  return out;
}

/**
 * An ICMP/ICMPv6 error sent by `from` back to the source of `original`, quoting it, `delay`
 * seconds after it. Defaults: destination unreachable, port unreachable (3/3, ICMPv6 1/4).
 */
export function icmpErrorReply(original: TimedPacket, o: { from?: string; type?: number; code?: number; delay?: number } = {}): TimedPacket {
  const p = original.ip;
  const v4 = p.version === 4;
  const seg = icmpErrorFor(p, o.type ?? (v4 ? 3 : 1), o.code ?? (v4 ? 3 : 4));
  return { ts: original.ts + secondsToNanos(o.delay ?? 0.0005), ip: ip(o.from ?? p.dst, p.src, seg) };
}

// ---------------------------------------------------------------------------------------------
// Classic pcap

export interface PcapWriteOptions {
  /** Default: the first frame's link type (Ethernet when there is none). */
  linkType?: number;
  nanos?: boolean;
  bigEndian?: boolean;
  /** Snaplen in the header (default 262144); frames longer than it are cut to it. */
  snaplen?: number;
  versionMajor?: number;
  versionMinor?: number;
  /** Raw value for the link type field (FCS bits, reserved bits), overriding `linkType`. */
  linkTypeField?: number;
}

function u16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v & 0xffff, 0);
  else b.writeUInt16LE(v & 0xffff, 0);
  return b;
}

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0, 0);
  else b.writeUInt32LE(v >>> 0, 0);
  return b;
}

/** A classic pcap file: 24-byte header and one record per frame. */
export function writePcap(frames: readonly CapturedFrame[], o: PcapWriteOptions = {}): Buffer {
  const be = o.bigEndian === true;
  const snaplen = o.snaplen ?? 262144;
  const linkType = o.linkType ?? frames[0]?.frame.linkType ?? LINKTYPE_ETHERNET;
  const parts: Buffer[] = [
    u32(o.nanos === true ? 0xa1b23c4d : 0xa1b2c3d4, be),
    u16(o.versionMajor ?? 2, be),
    u16(o.versionMinor ?? 4, be),
    u32(0, be),
    u32(0, be),
    u32(snaplen, be),
    u32(o.linkTypeField ?? linkType, be),
  ];
  for (const f of frames) {
    const ns = toNanos(f.ts);
    const sec = Number(ns / 1_000_000_000n);
    const frac = Number(ns % 1_000_000_000n);
    const data = f.frame.data;
    const cap = Math.min(data.length, f.snap ?? data.length, snaplen);
    parts.push(u32(sec, be), u32(o.nanos === true ? frac : Math.floor(frac / 1000), be), u32(cap, be), u32(f.origLen ?? data.length, be));
    parts.push(data.subarray(0, cap));
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// pcapng

export interface PcapngInterface {
  linkType: number;
  /** 0 means no limit (default). */
  snaplen?: number;
  /** Raw if_tsresol byte: 6 microseconds (default, written only when given), 9 nanoseconds, 0x80|n for 2^-n. */
  tsresol?: number;
  /** if_tsoffset in seconds. */
  tsoffset?: number;
  name?: string;
  /** if_fcslen in bits. */
  fcsBits?: number;
}

export type PcapngBlock =
  | ({ kind: 'packet' } & CapturedFrame)
  | { kind: 'idb'; iface: PcapngInterface }
  | { kind: 'nrb'; entries?: Array<{ ip: string; name: string }> }
  | { kind: 'isb'; interfaceId?: number; ts?: Time }
  | { kind: 'dsb'; secretsType?: number; secrets?: Bytes }
  | { kind: 'custom'; pen?: number; data?: Bytes; noCopy?: boolean }
  | { kind: 'unknown'; type: number; body?: Bytes };

export interface PcapngSection {
  bigEndian?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  /** Interfaces described right after the section header; packets name them by index. */
  interfaces: PcapngInterface[];
  blocks?: PcapngBlock[];
  /** shb_userappl option. */
  application?: string;
}

/** Packet blocks from captured frames. */
export function packetBlocks(frames: readonly CapturedFrame[]): PcapngBlock[] {
  return frames.map((f) => ({ kind: 'packet' as const, ...f }));
}

function pad4(b: Buffer): Buffer {
  const n = (4 - (b.length & 3)) & 3;
  return n === 0 ? b : Buffer.concat([b, Buffer.alloc(n)]);
}

function option(code: number, value: Buffer, be: boolean): Buffer {
  return Buffer.concat([u16(code, be), u16(value.length, be), pad4(value)]);
}

function endOfOptions(be: boolean): Buffer {
  return Buffer.concat([u16(0, be), u16(0, be)]);
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const len = 12 + body.length;
  return Buffer.concat([u32(type, be), u32(len, be), body, u32(len, be)]);
}

interface InterfaceClock {
  unitsPerSecond: bigint;
  offsetNanos: bigint;
  snaplen: number;
}

function clockOf(i: PcapngInterface): InterfaceClock {
  const r = i.tsresol ?? 6;
  const unitsPerSecond = (r & 0x80) !== 0 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r & 0x7f);
  return { unitsPerSecond, offsetNanos: BigInt(i.tsoffset ?? 0) * 1_000_000_000n, snaplen: i.snaplen ?? 0 };
}

function interfaceBlock(i: PcapngInterface, be: boolean): Buffer {
  const opts: Buffer[] = [];
  if (i.name !== undefined) opts.push(option(2, Buffer.from(i.name, 'utf8'), be));
  if (i.tsresol !== undefined) opts.push(option(9, Buffer.from([i.tsresol]), be));
  if (i.fcsBits !== undefined) opts.push(option(13, Buffer.from([i.fcsBits]), be));
  if (i.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (be) v.writeBigInt64BE(BigInt(i.tsoffset), 0);
    else v.writeBigInt64LE(BigInt(i.tsoffset), 0);
    opts.push(option(14, v, be));
  }
  if (opts.length > 0) opts.push(endOfOptions(be));
  const body = Buffer.concat([u16(i.linkType, be), u16(0, be), u32(i.snaplen ?? 0, be), ...opts]);
  return block(1, body, be);
}

function packetBlock(p: { kind: 'packet' } & CapturedFrame, clocks: InterfaceClock[], be: boolean): Buffer {
  const ifId = p.interfaceId ?? 0;
  const clock = clocks[ifId] ?? clockOf({ linkType: 1 });
  const data = p.frame.data;
  const origLen = p.origLen ?? data.length;
  let cap = Math.min(data.length, p.snap ?? data.length);
  if (clock.snaplen > 0) cap = Math.min(cap, clock.snaplen);
  const captured = pad4(data.subarray(0, cap));
  const units = ((toNanos(p.ts) - clock.offsetNanos) * clock.unitsPerSecond) / 1_000_000_000n;
  const high = Number((units >> 32n) & 0xffffffffn);
  const low = Number(units & 0xffffffffn);
  switch (p.block ?? 'epb') {
    case 'spb':
      return block(3, Buffer.concat([u32(origLen, be), captured]), be);
    case 'pb':
      return block(2, Buffer.concat([u16(ifId, be), u16(0, be), u32(high, be), u32(low, be), u32(cap, be), u32(origLen, be), captured]), be);
    case 'epb':
      return block(6, Buffer.concat([u32(ifId, be), u32(high, be), u32(low, be), u32(cap, be), u32(origLen, be), captured]), be);
  }
}

function otherBlock(b: Exclude<PcapngBlock, { kind: 'packet' } | { kind: 'idb' }>, be: boolean): Buffer {
  switch (b.kind) {
    case 'nrb': {
      const recs: Buffer[] = [];
      for (const e of b.entries ?? []) {
        const a = parseIp(e.ip);
        const value = Buffer.concat([a.bytes, Buffer.from(`${e.name}\0`, 'utf8')]);
        recs.push(Buffer.concat([u16(a.version === 4 ? 1 : 2, be), u16(value.length, be), pad4(value)]));
      }
      recs.push(u16(0, be), u16(0, be));
      return block(4, Buffer.concat(recs), be);
    }
    case 'isb': {
      const units = toNanos(b.ts ?? DEFAULT_START) / 1000n;
      const body = Buffer.concat([
        u32(b.interfaceId ?? 0, be),
        u32(Number((units >> 32n) & 0xffffffffn), be),
        u32(Number(units & 0xffffffffn), be),
        option(4, Buffer.alloc(8), be), // isb_ifrecv
        endOfOptions(be),
      ]);
      return block(5, body, be);
    }
    case 'dsb': {
      const secrets = bytesOf(b.secrets ?? 'CLIENT_RANDOM 00 00\n');
      return block(0x0a, Buffer.concat([u32(b.secretsType ?? 0x544c534b, be), u32(secrets.length, be), pad4(secrets)]), be);
    }
    case 'custom':
      return block(b.noCopy === true ? 0x40000bad : 0xbad, Buffer.concat([u32(b.pen ?? 32473, be), pad4(bytesOf(b.data ?? 'custom'))]), be);
    case 'unknown':
      return block(b.type, pad4(bytesOf(b.body ?? 'unknown block body')), be);
  }
}

function isSectionList(s: PcapngSection | readonly PcapngSection[]): s is readonly PcapngSection[] {
  return Array.isArray(s);
}

/** A pcapng file of one or more sections. */
export function writePcapng(sections: PcapngSection | readonly PcapngSection[]): Buffer {
  const list = isSectionList(sections) ? sections : [sections];
  const out: Buffer[] = [];
  for (const s of list) {
    const be = s.bigEndian === true;
    const shbOpts = s.application !== undefined ? [option(4, Buffer.from(s.application, 'utf8'), be), endOfOptions(be)] : [];
    const shbBody = Buffer.concat([
      u32(0x1a2b3c4d, be),
      u16(s.versionMajor ?? 1, be),
      u16(s.versionMinor ?? 0, be),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // section length unknown
      ...shbOpts,
    ]);
    out.push(block(0x0a0d0d0a, shbBody, be));
    const clocks: InterfaceClock[] = [];
    for (const i of s.interfaces) {
      out.push(interfaceBlock(i, be));
      clocks.push(clockOf(i));
    }
    for (const b of s.blocks ?? []) {
      if (b.kind === 'packet') out.push(packetBlock(b, clocks, be));
      else if (b.kind === 'idb') {
        out.push(interfaceBlock(b.iface, be));
        clocks.push(clockOf(b.iface));
      } else out.push(otherBlock(b, be));
    }
  }
  return Buffer.concat(out);
}

/** One-call writer: frames to pcap or to a one-interface pcapng. */
export function writeCapture(frames: readonly CapturedFrame[], format: 'pcap' | 'pcapng', o: PcapWriteOptions = {}): Buffer {
  if (format === 'pcap') return writePcap(frames, o);
  const linkType = o.linkType ?? frames[0]?.frame.linkType ?? LINKTYPE_ETHERNET;
  const iface: PcapngInterface = { linkType, ...(o.nanos === true ? { tsresol: 9 } : {}) };
  return writePcapng({ bigEndian: o.bigEndian === true, interfaces: [iface], blocks: packetBlocks(frames) });
}
