/**
 * IPv6 header (RFC 8200, section 3) and its extension-header chain (section 4, see ipv6-ext.ts)
 * up to the upper-layer protocol. A fragment header with a non-zero offset marks a later fragment,
 * which gets the ports of its first fragment; one with offset 0 and M clear is an atomic
 * fragment (RFC 6946) and decodes as a whole datagram. A type 0 routing header with segments
 * left replaces the destination with the final one it names (ipv6-ext.ts), as the transport's
 * pseudo-header does (RFC 8200 section 8.1): the flow is keyed on where the packet is going.
 *
 *    0 version (4 bits) + traffic class + flow label   4 payload length (2)   6 next header
 *    7 hop limit   8 source (16)   24 destination (16)   40 extension headers, then the upper layer
 */
import { u16be, u32be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import { applyFirstFragmentPorts, rememberFirstFragment } from './fragments.js';
import { EXT_FRAGMENT, EXT_NONE, EXT_STOP, IPPROTO_ROUTING, IPV6_EXT_KIND, ipv6ExtLength, routingFinalDestination } from './ipv6-ext.js';
import type { DecodedPacket } from './packet.js';
import { TRANSPORT_DECODERS } from './transport.js';

const IPV6_HEADER = 40;

export function decodeIpv6(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  const avail = end - off;
  if (avail < IPV6_HEADER) {
    noteTruncated(log, pkt, 'truncated-ipv6', 'IPv6 header', IPV6_HEADER, avail);
    return;
  }
  const version = u8(buf, off) >> 4;
  if (version !== 6) {
    noteMalformed(log, pkt, 'bad-ip-version', 'IPv6 packet with IP version', version);
    return;
  }
  const payloadLen = u16be(buf, off + 4);
  let nh = u8(buf, off + 6);
  pkt.ipVersion = 6;
  pkt.ipOff = off;
  pkt.srcOff = off + 8;
  pkt.dstOff = off + 24;
  pkt.ipLen = IPV6_HEADER + payloadLen;
  // Payload length 0: a jumbogram (RFC 2675) or offload; the captured bytes are the datagram.
  let ipEnd = end;
  let wireEnd = end;
  if (payloadLen !== 0) {
    wireEnd = off + IPV6_HEADER + payloadLen;
    if (wireEnd < end) ipEnd = wireEnd;
    else if (wireEnd > end && pkt.capLen >= pkt.origLen) {
      noteMalformed(log, pkt, 'bad-ipv6-length', 'IPv6 payload length beyond the end of an unsnapped frame', payloadLen);
    }
  }
  let p = off + IPV6_HEADER;
  let fragNext = -1;
  let routed = false;
  for (;;) {
    const kind = IPV6_EXT_KIND[nh] ?? EXT_NONE;
    if (kind === EXT_NONE || kind === EXT_STOP) break;
    if (ipEnd - p < 8) {
      pkt.proto = nh;
      noteTruncated(log, pkt, 'truncated-ipv6', 'IPv6 extension header', 8, ipEnd - p);
      return;
    }
    const len = ipv6ExtLength(kind, buf, p);
    // The first routing header with segments left names the final destination (ipv6-ext.ts).
    if (nh === IPPROTO_ROUTING && !routed && p + len <= ipEnd) {
      routed = true;
      const final = routingFinalDestination(buf, p, len);
      if (final >= 0) pkt.dstOff = final;
    }
    if (kind === EXT_FRAGMENT) {
      const field = u16be(buf, p + 2);
      pkt.fragId = u32be(buf, p + 4);
      fragNext = u8(buf, p);
      if ((field & 0xfff8) !== 0) {
        pkt.fragment = 2;
        pkt.proto = fragNext;
        pkt.l4Off = p + 8;
        pkt.payloadOff = p + 8;
        pkt.payloadLen = ipEnd - p - 8;
        pkt.payloadWireLen = wireEnd - p - 8;
        applyFirstFragmentPorts(pkt, fragNext);
        return;
      }
      if ((field & 1) !== 0) pkt.fragment = 1;
    }
    nh = u8(buf, p);
    if (p + len > ipEnd) {
      pkt.proto = nh;
      noteTruncated(log, pkt, 'truncated-ipv6', 'IPv6 extension header', len, ipEnd - p);
      return;
    }
    p += len;
  }
  pkt.proto = nh;
  pkt.l4Off = p;
  const decode = IPV6_EXT_KIND[nh] === EXT_STOP ? undefined : TRANSPORT_DECODERS[nh];
  if (decode !== undefined) {
    decode(pkt, buf, p, ipEnd, wireEnd - p, log);
  } else {
    pkt.payloadOff = p;
    pkt.payloadLen = ipEnd - p;
    pkt.payloadWireLen = wireEnd - p;
  }
  if (pkt.fragment === 1) rememberFirstFragment(pkt, fragNext);
}
