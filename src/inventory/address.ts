/**
 * IP addresses and prefixes as numbers, for inventory lookups: IPv4 as an unsigned 32-bit number,
 * IPv6 as a 128-bit bigint. Text forms follow RFC 4291 §2.2 (IPv6 text, including an embedded
 * dotted quad) and RFC 4632 §3.1 (CIDR prefix notation). IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`, RFC 4291 §2.5.5.2) are read as the IPv4 address they carry, so an inventory
 * written in IPv4 matches a capture taken on a dual-stack socket.
 */

export type IpValue = { family: 4; value: number } | { family: 6; value: bigint };

export interface Prefix {
  family: 4 | 6;
  /** Network address with host bits cleared. */
  value: number | bigint;
  length: number;
}

const V4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(text: string): number | undefined {
  const m = V4_RE.exec(text);
  if (m === null) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part.startsWith('0')) return undefined; // no octal-looking octets
    const n = Number(part);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  // Zone ids (`fe80::1%eth0`, RFC 6874) name an interface, not part of the address.
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  if (text.length < 2 || text.length > 45) return undefined;
  let groups: number[] = [];
  let tail = text;
  // An embedded dotted quad takes the last 32 bits.
  let v4tail: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    v4tail = parseV4(text.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    tail = text.slice(0, lastColon + 1) + '0:0';
  }
  const dbl = tail.indexOf('::');
  if (dbl !== tail.lastIndexOf('::')) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s.length === 0) return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  if (dbl >= 0) {
    const head = parseGroups(tail.slice(0, dbl));
    const rest = parseGroups(tail.slice(dbl + 2));
    if (head === undefined || rest === undefined) return undefined;
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return undefined;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    const all = parseGroups(tail);
    if (all === undefined || all.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | BigInt(v4tail);
  return v;
}

const V4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an IPv4 or IPv6 address; undefined when the text is neither. */
export function parseIp(text: string): IpValue | undefined {
  if (text.includes(':')) {
    const v = parseV6(text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text);
    if (v === undefined) return undefined;
    if (v >> 32n === 0xffffn && (v & ~0xffffffffn) === V4_MAPPED_PREFIX) {
      return { family: 4, value: Number(v & 0xffffffffn) };
    }
    return { family: 6, value: v };
  }
  const v = parseV4(text);
  return v === undefined ? undefined : { family: 4, value: v };
}

/** Parses `10.1.0.0/16`, `2001:db8::/32` or a single address (a /32 or /128). */
export function parsePrefix(text: string): Prefix | { error: string } {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(addrText);
  if (ip === undefined) return { error: `"${addrText}" is not an IPv4 or IPv6 address` };
  // An IPv4-mapped IPv6 prefix keeps its length relative to the IPv4 part.
  const mappedV4 = ip.family === 4 && addrText.includes(':');
  const maxLen = ip.family === 4 ? 32 : 128;
  let length = maxLen;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) return { error: `prefix length "${lenText}" is not a number` };
    length = Number(lenText);
    if (mappedV4) length -= 96;
    if (length < 0 || length > maxLen) return { error: `prefix length ${lenText} is out of range for ${mappedV4 ? 'an IPv4-mapped' : `an IPv${ip.family}`} address` };
  }
  if (ip.family === 4) {
    const mask = v4Mask(length);
    return { family: 4, value: (ip.value & mask) >>> 0, length };
  }
  return { family: 6, value: ip.value & v6Mask(length), length };
}

export function v4Mask(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

const V6_MASKS: bigint[] = [];
for (let len = 0; len <= 128; len++) {
  V6_MASKS.push(len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(128 - len));
}

export function v6Mask(length: number): bigint {
  return V6_MASKS[length]!;
}

/** Formats a prefix back as text (`10.1.0.0/16`), for messages. */
export function formatPrefix(p: Prefix): string {
  if (p.family === 4) {
    const v = p.value as number;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}/${p.length}`;
  }
  let v = p.value as bigint;
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) {
    groups.unshift((v & 0xffffn).toString(16));
    v >>= 16n;
  }
  return `${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}/${p.length}`;
}

/**
 * True for destinations that reach a whole segment or group rather than one listener: IPv4
 * limited broadcast and multicast (224.0.0.0/4, RFC 5771), IPv6 multicast (ff00::/8, RFC 4291 §2.7).
 */
export function isGroupAddress(ip: IpValue): boolean {
  if (ip.family === 4) return ip.value === 0xffffffff || ip.value >>> 28 === 0xe;
  return ip.value >> 120n === 0xffn;
}

/** True for 0.0.0.0 and :: (a host that has no address yet: DHCP discover, IPv6 DAD). */
export function isUnspecifiedAddress(ip: IpValue): boolean {
  return ip.family === 4 ? ip.value === 0 : ip.value === 0n;
}
