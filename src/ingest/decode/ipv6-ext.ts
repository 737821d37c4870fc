/**
 * IPv6 extension headers (RFC 8200 section 4; IANA "IPv6 Extension Header Types"; RFC 7045):
 * which next-header values are extension headers and how long each one is.
 *
 *   generic (hop-by-hop 0, routing 43, destination options 60, mobility 135, HIP 139, shim6 140):
 *     0 next header   1 length in 8-octet units, not counting the first 8
 *   fragment 44 (fixed 8 octets):
 *     0 next header   1 reserved   2 fragment offset (13 bits, 8-octet units) + 2 reserved bits + M
 *     4 identification (4)
 *   authentication header 51 (RFC 4302): 1 length in 4-octet units, minus 2
 *   ESP 50 (RFC 4303) and no-next-header 59 end the chain: nothing after them can be read.
 *
 *   routing 43 (RFC 8200 section 4.4): 2 routing type   3 segments left   then type-specific data;
 *   type 0 (RFC 2460 section 4.4, deprecated by RFC 5095): 4 reserved (4), 8 addresses[1..n],
 *   Hdr Ext Len = 2n. While segments left > 0 the packet's Destination Address is the next hop
 *   and the final destination is the last address of the list (RFC 8200 section 8.1: "at the
 *   originating node, that address will be in the last element of the Routing header"). The
 *   transport's checksum — and the flow — belong to the final destination, so decoders key on
 *   it, as Zeek (IPv6_Hdr_Chain::ProcessRoutingHeader: type 0, segments left > 0, even length
 *   >= 2, the first routing header only) and tshark do. Other routing types (2 Mobile IPv6,
 *   3 RPL, 4 segment routing) keep the Destination Address field.
 */

import { u8 } from '../../bytes/read.js';

export const EXT_NONE = 0;
export const EXT_GENERIC = 1;
export const EXT_FRAGMENT = 2;
export const EXT_AH = 3;
export const EXT_STOP = 4;

/** Extension-header kind by next-header value; EXT_NONE means an upper-layer protocol. */
export const IPV6_EXT_KIND: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (const nh of [0, 43, 60, 135, 139, 140]) t[nh] = EXT_GENERIC;
  t[44] = EXT_FRAGMENT;
  t[51] = EXT_AH;
  t[50] = EXT_STOP;
  t[59] = EXT_STOP;
  return t;
})();

/** Length in bytes of the extension header of `kind` at `buf[p]` (2 bytes must be readable). */
export function ipv6ExtLength(kind: number, buf: Buffer, p: number): number {
  if (kind === EXT_FRAGMENT) return 8;
  const n = u8(buf, p + 1);
  return kind === EXT_AH ? (n + 2) << 2 : (n + 1) << 3;
}

export const IPPROTO_ROUTING = 43;

/**
 * Offset of the final destination named by the routing header at `buf[p]` (`len` bytes, all
 * readable), or -1 when the header does not replace the destination (not type 0, no segments
 * left, or an odd or too short length).
 */
export function routingFinalDestination(buf: Buffer, p: number, len: number): number {
  const extLen = u8(buf, p + 1);
  if (u8(buf, p + 2) !== 0 || u8(buf, p + 3) === 0) return -1;
  if (extLen < 2 || (extLen & 1) !== 0) return -1;
  return p + len - 16;
}
