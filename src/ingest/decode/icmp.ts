/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443): type and code, the echo identifier, and for error
 * messages the original IP header they quote with the first 8 bytes of its transport header,
 * so the flow table can join the error to the flow it answers.
 *
 *    0 type   1 code   2 checksum (2)   4 identifier (2, echo/timestamp/information/mask)   6 sequence (2)
 *    8 errors: the original IP header and at least 8 bytes of its payload (RFC 792; RFC 4443 2.4(c))
 *
 * ICMP errors that quote: 3 destination unreachable, 4 source quench, 5 redirect, 11 time
 * exceeded, 12 parameter problem. ICMPv6: 1 destination unreachable, 2 packet too big, 3 time
 * exceeded, 4 parameter problem. ICMP carries no ports: srcPort and dstPort stay 0.
 */
import { u16be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import { EXT_FRAGMENT, EXT_NONE, EXT_STOP, IPV6_EXT_KIND, ipv6ExtLength } from './ipv6-ext.js';
import type { DecodedPacket, EmbeddedHeader } from './packet.js';

const ICMP_HEADER = 8;

const ICMP_ERRORS = new Uint8Array(256);
for (const t of [3, 4, 5, 11, 12]) ICMP_ERRORS[t] = 1;
const ICMPV6_ERRORS = new Uint8Array(256);
for (const t of [1, 2, 3, 4]) ICMPV6_ERRORS[t] = 1;

/** Types whose bytes 4-5 are an identifier: echo reply/request, timestamp, information, address mask. */
const ICMP_WITH_ID = new Uint8Array(256);
for (const t of [0, 8, 13, 14, 15, 16, 17, 18]) ICMP_WITH_ID[t] = 1;
/** ICMPv6 echo request 128 and reply 129. */
const ICMPV6_WITH_ID = new Uint8Array(256);
ICMPV6_WITH_ID[128] = 1;
ICMPV6_WITH_ID[129] = 1;

/** Protocols whose first 4 bytes are source and destination ports: TCP, UDP, SCTP (and UDP-Lite, DCCP). */
const PORTS_FIRST = new Uint8Array(256);
for (const p of [6, 17, 132, 136, 33]) PORTS_FIRST[p] = 1;

export function decodeIcmp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, wireLen: number, log: AnomalyLog): void {
  decodeIcmpCommon(pkt, buf, off, end, wireLen, log, false);
}

export function decodeIcmpv6(pkt: DecodedPacket, buf: Buffer, off: number, end: number, wireLen: number, log: AnomalyLog): void {
  decodeIcmpCommon(pkt, buf, off, end, wireLen, log, true);
}

function decodeIcmpCommon(
  pkt: DecodedPacket,
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  log: AnomalyLog,
  v6: boolean,
): void {
  const avail = end - off;
  pkt.l4Off = off;
  pkt.payloadOff = end;
  if (avail >= 1) pkt.icmpType = u8(buf, off);
  if (avail >= 2) pkt.icmpCode = u8(buf, off + 1);
  const type = pkt.icmpType;
  if (avail >= 6 && type >= 0 && (v6 ? ICMPV6_WITH_ID : ICMP_WITH_ID)[type] === 1) pkt.icmpId = u16be(buf, off + 4);
  if (avail < ICMP_HEADER) {
    noteTruncated(log, pkt, v6 ? 'truncated-icmpv6' : 'truncated-icmp', v6 ? 'ICMPv6 header' : 'ICMP header', ICMP_HEADER, avail);
    return;
  }
  pkt.payloadOff = off + ICMP_HEADER;
  pkt.payloadLen = avail - ICMP_HEADER;
  pkt.payloadWireLen = wireLen > ICMP_HEADER ? wireLen - ICMP_HEADER : 0;
  if (v6) {
    if (ICMPV6_ERRORS[type] === 1) decodeQuotedIpv6(pkt, buf, off + ICMP_HEADER, end, log);
  } else if (ICMP_ERRORS[type] === 1) {
    decodeQuotedIpv4(pkt, buf, off + ICMP_HEADER, end, log);
  }
}

/** Marks the quote valid and clears what an earlier packet's quote left. */
function startQuote(e: EmbeddedHeader, version: 4 | 6, srcOff: number, dstOff: number): void {
  e.valid = true;
  e.ipVersion = version;
  e.srcOff = srcOff;
  e.dstOff = dstOff;
  e.proto = 0;
  e.srcPort = 0;
  e.dstPort = 0;
  e.icmpType = -1;
  e.icmpId = 0;
}

/** The quoted transport header's ports (or a quoted echo's identifier), when the quote reaches them. */
function decodeQuotedTransport(e: EmbeddedHeader, buf: Buffer, q: number, end: number): void {
  const rem = end - q;
  if (PORTS_FIRST[e.proto] === 1) {
    if (rem >= 4) {
      e.srcPort = u16be(buf, q);
      e.dstPort = u16be(buf, q + 2);
    }
    return;
  }
  const v6 = e.proto === 58;
  if ((e.proto === 1 || v6) && rem >= 1) {
    e.icmpType = u8(buf, q);
    if (rem >= 6 && (v6 ? ICMPV6_WITH_ID : ICMP_WITH_ID)[e.icmpType] === 1) e.icmpId = u16be(buf, q + 4);
  }
}

/** The IPv4 header (RFC 791) quoted by an ICMP error, at `buf[p]`. */
function decodeQuotedIpv4(pkt: DecodedPacket, buf: Buffer, p: number, end: number, log: AnomalyLog): void {
  const avail = end - p;
  if (avail < 20) {
    noteTruncated(log, pkt, 'truncated-icmp-quote', 'IPv4 header quoted by ICMP', 20, avail);
    return;
  }
  const vihl = u8(buf, p);
  const headerLen = (vihl & 15) << 2;
  if (vihl >> 4 !== 4 || headerLen < 20) {
    noteMalformed(log, pkt, 'bad-icmp-quote', 'ICMP error quotes a header that is not IPv4 (first byte)', vihl);
    return;
  }
  const e = pkt.embedded;
  startQuote(e, 4, p + 12, p + 16);
  e.proto = u8(buf, p + 9);
  // A quoted later fragment carries no transport header.
  if ((u16be(buf, p + 6) & 0x1fff) !== 0 || headerLen > avail) return;
  decodeQuotedTransport(e, buf, p + headerLen, end);
}

/** The IPv6 header (RFC 8200) and extension headers quoted by an ICMPv6 error, at `buf[p]`. */
function decodeQuotedIpv6(pkt: DecodedPacket, buf: Buffer, p: number, end: number, log: AnomalyLog): void {
  const avail = end - p;
  if (avail < 40) {
    noteTruncated(log, pkt, 'truncated-icmp-quote', 'IPv6 header quoted by ICMPv6', 40, avail);
    return;
  }
  const version = u8(buf, p) >> 4;
  if (version !== 6) {
    noteMalformed(log, pkt, 'bad-icmp-quote', 'ICMPv6 error quotes a header that is not IPv6 (version)', version);
    return;
  }
  const e = pkt.embedded;
  startQuote(e, 6, p + 8, p + 24);
  let nh = u8(buf, p + 6);
  let q = p + 40;
  for (;;) {
    const kind = IPV6_EXT_KIND[nh] ?? EXT_NONE;
    if (kind === EXT_NONE || kind === EXT_STOP) break;
    // The quote may end inside the chain: the protocol is then the last one named.
    if (end - q < 8) {
      e.proto = nh;
      return;
    }
    if (kind === EXT_FRAGMENT && (u16be(buf, q + 2) & 0xfff8) !== 0) {
      e.proto = u8(buf, q);
      return;
    }
    nh = u8(buf, q);
    q += ipv6ExtLength(kind, buf, q);
  }
  e.proto = nh;
  if (IPV6_EXT_KIND[nh] === EXT_STOP) return;
  decodeQuotedTransport(e, buf, q, end);
}
