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
