/**
 * Address text → the 32-bit words the flow index keys on, so log flows are looked up like packet
 * flows (numbers hashed in place) instead of through a map keyed by a string built per line.
 *
 * Accepted: dotted-quad IPv4 (RFC 791 text, four decimal parts 0-255 without leading zeros) and
 * IPv6 text (RFC 4291 section 2.2: eight groups of 1-4 hex digits, one `::` run of zero groups,
 * an optional dotted-quad tail). Anything else (zone ids, host names) returns false and the caller
 * keys that line on its text instead.
 */

/** The parsed words: w[0] for IPv4; w[0..3] (most significant first) for IPv6. Reused per call. */
export const addressWords = new Int32Array(4);

/** IPv4 text → `addressWords[0]`; false when `s` is not a dotted quad. */
export function parseIpv4Words(s: string): boolean {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let word = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || parts === 3) return false;
      word = (word << 8) | part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      // A leading zero would make "010.0.0.1" the same key as "10.0.0.1"; such text is not canonical.
      if (digits === 1 && part === 0) return false;
      part = part * 10 + (c - 0x30);
      if (part > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  if (digits === 0 || parts !== 3) return false;
  addressWords[0] = (word << 8) | part;
  return true;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

const groups = new Uint16Array(8);

/** IPv6 text → `addressWords[0..3]`; false when `s` is not IPv6 text this reader accepts. */
export function parseIpv6Words(s: string): boolean {
  const n = s.length;
  if (n < 2 || n > 45) return false;
  let count = 0;
  /** Index in `groups` where `::` stood, or -1. */
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 0x3a) {
    if (s.charCodeAt(1) !== 0x3a) return false;
    gap = 0;
    i = 2;
    if (i === n) {
      groups.fill(0);
      return store();
    }
  }
  while (i < n) {
    // One group, or a dotted-quad tail.
    let v = 0;
    let digits = 0;
    const start = i;
    while (i < n) {
      const h = hexValue(s.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      digits++;
      i++;
    }
    if (i < n && s.charCodeAt(i) === 0x2e) {
      // IPv4 tail: takes two groups and must end the text.
      if (count > 6 || !parseIpv4Words(s.slice(start))) return false;
      const w = addressWords[0]!;
      groups[count++] = (w >>> 16) & 0xffff;
      groups[count++] = w & 0xffff;
      i = n;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = v;
    if (i === n) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < n && s.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false;
      gap = count;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return false;
    }
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false;
    // Move the groups after the gap to the end and zero the gap.
    const after = count - gap;
    for (let k = 0; k < after; k++) groups[7 - k] = groups[count - 1 - k]!;
    for (let k = gap; k < 8 - after; k++) groups[k] = 0;
  }
  return store();
}

function store(): boolean {
  for (let k = 0; k < 4; k++) addressWords[k] = (groups[2 * k]! << 16) | groups[2 * k + 1]!;
  return true;
}
