/**
 * Address text: IPv4 as a dotted quad; IPv6 as RFC 5952 recommends (lower-case hexadecimal,
 * leading zeros dropped, the longest run of two or more zero groups, the first on a tie, written
 * `::`, and IPv4-mapped addresses as `::ffff:192.0.2.1`, section 5). Used when a flow is created,
 * never per packet.
 */

export function formatIpv4(buf: Uint8Array, off: number): string {
  return `${buf[off] ?? 0}.${buf[off + 1] ?? 0}.${buf[off + 2] ?? 0}.${buf[off + 3] ?? 0}`;
}

export function formatIpv6(buf: Uint8Array, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(((buf[off + 2 * i] ?? 0) << 8) | (buf[off + 2 * i + 1] ?? 0));
  // IPv4-mapped (::ffff:0:0/96).
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return `::ffff:${formatIpv4(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.map((g) => g.toString(16)).join(':');
  const head = groups.slice(0, bestStart).map((g) => g.toString(16)).join(':');
  const tail = groups.slice(bestStart + bestLen).map((g) => g.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** The text of the 4- or 16-byte address at `buf[off]`. */
export function formatAddress(buf: Uint8Array, off: number, version: 4 | 6): string {
  return version === 4 ? formatIpv4(buf, off) : formatIpv6(buf, off);
}
