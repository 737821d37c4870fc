/**
 * Field readers shared by the cloud, host and flow-log formats: addresses to canonical text
 * (RFC 5952 for IPv6), ports, protocol names to IANA numbers, and timestamps to seconds +
 * nanoseconds without going through a float (a 16-digit `1547188415.857497` loses its last
 * microsecond as a double). Pure functions, no I/O.
 */
import { IPPROTO } from '../../model.js';

// ---------------------------------------------------------------- addresses

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Dotted quad → canonical dotted quad (no leading zeros), or undefined. */
function canonicalIpv4(text: string): string | undefined {
  const m = IPV4_RE.exec(text);
  if (m === null) return undefined;
  const a = Number(m[1]);
  const b = Number(m[2]);
  const c = Number(m[3]);
  const d = Number(m[4]);
  if (a > 255 || b > 255 || c > 255 || d > 255) return undefined;
  return `${a}.${b}.${c}.${d}`;
}

/** Parses IPv6 text into eight 16-bit groups, or undefined. Accepts an embedded dotted quad and a `%zone` (dropped). */
function parseIpv6Groups(input: string): number[] | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.length < 2 || text.length > 45) return undefined;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = canonicalIpv4(last);
    if (v4 === undefined) return undefined;
    const p = v4.split('.').map(Number) as [number, number, number, number];
    tail = [(p[0] << 8) | p[1], (p[2] << 8) | p[3]];
    text = text.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "64:ff9b::1.2.3.4" leaves "64:ff9b::"; "1:2:3:4:5:6:1.2.3.4" leaves "1:...:6:"
    if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  }
  const dbl = text.indexOf('::');
  if (dbl >= 0 && text.indexOf('::', dbl + 1) >= 0) return undefined;
  const readGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const want = 8 - tail.length;
  if (dbl >= 0) {
    const head = readGroups(text.slice(0, dbl));
    const rest = readGroups(text.slice(dbl + 2));
    if (head === undefined || rest === undefined) return undefined;
    const zeros = want - head.length - rest.length;
    if (zeros < 1) return undefined;
    return [...head, ...new Array<number>(zeros).fill(0), ...rest, ...tail];
  }
  const all = readGroups(text);
  if (all === undefined || all.length !== want) return undefined;
  return [...all, ...tail];
}

/** Eight groups → RFC 5952 text: lower case, no leading zeros, longest zero run (first on a tie, length ≥ 2) as `::`. */
function formatIpv6Groups(g: readonly number[]): string {
  // IPv4-mapped addresses keep the dotted quad (RFC 5952 section 5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const hi = g[6]!;
    const lo = g[7]!;
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const left = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const right = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${left}::${right}`;
}

/**
 * An address as a log printed it → the canonical text of `Endpoint.ip` (dotted quad, or RFC 5952
 * IPv6), or undefined when it is not an address (a host name, `-`, garbage). Brackets are removed.
 */
export function canonicalIp(text: string): string | undefined {
  let t = text;
  if (t.length === 0) return undefined;
  if (t.charCodeAt(0) === 91 /* [ */ && t.charCodeAt(t.length - 1) === 93 /* ] */) t = t.slice(1, -1);
  if (t.includes(':')) {
    const g = parseIpv6Groups(t);
    return g === undefined ? undefined : formatIpv6Groups(g);
  }
  return canonicalIpv4(t);
}

/** True for canonical IPv6 text (used to tell ICMP from ICMPv6 where a log names both `icmp`). */
export function isIpv6(ip: string): boolean {
  return ip.includes(':');
}

// ---------------------------------------------------------------- ports and protocols

/** Decimal port 0-65535 → number, or undefined (`-`, empty, out of range, not a number). */
export function parsePort(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return n <= 65535 ? n : undefined;
}

/** A non-negative decimal count (packets, bytes) → number, or undefined for `-`, empty, or not a number. */
export function parseCount(text: string | undefined): number | undefined {
  if (text === undefined || text.length === 0 || text.length > 20) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Protocol names as the flow logs print them (IANA "Assigned Internet Protocol Numbers" keywords,
 * plus the spellings Zeek, Suricata and Windows Firewall use) → IP protocol number.
 */
const PROTO_BY_NAME: Readonly<Record<string, number>> = {
  icmp: IPPROTO.icmp,
  igmp: 2,
  ipv4: 4,
  ipip: 4,
  tcp: IPPROTO.tcp,
  egp: 8,
  udp: IPPROTO.udp,
  ipv6: 41,
  gre: 47,
  esp: 50,
  ah: 51,
  'ipv6-icmp': IPPROTO.icmpv6,
  icmpv6: IPPROTO.icmpv6,
  icmp6: IPPROTO.icmpv6,
  eigrp: 88,
  ospf: 89,
  ospfigp: 89,
  pim: 103,
  vrrp: 112,
  l2tp: 115,
  sctp: IPPROTO.sctp,
  udplite: 136,
};

/** A protocol name or decimal number (0-255) → IP protocol number, or undefined. */
export function protoNumber(text: string): number | undefined {
  if (text.length === 0) return undefined;
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = parseCount(text);
    return n !== undefined && n <= 255 ? n : undefined;
  }
  return PROTO_BY_NAME[text.toLowerCase()];
}

/** TCP flag bits of `Observation.tcpFlags` (RFC 9293 header order). */
export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_PSH = 8;
export const TCP_ACK = 16;
export const TCP_URG = 32;
export const TCP_ECE = 64;
export const TCP_CWR = 128;

/** Flag letters (`S`, `SA`, `FPA`, `AR`...) → bit set; unknown letters are ignored. */
export function tcpFlagsFromLetters(text: string): number {
  let f = 0;
  for (let i = 0; i < text.length; i++) {
    switch (text.charCodeAt(i) | 0x20) {
      case 0x66: // f
        f |= TCP_FIN;
        break;
      case 0x73: // s
        f |= TCP_SYN;
        break;
      case 0x72: // r
        f |= TCP_RST;
        break;
      case 0x70: // p
        f |= TCP_PSH;
        break;
      case 0x61: // a
        f |= TCP_ACK;
        break;
      case 0x75: // u
        f |= TCP_URG;
        break;
      case 0x65: // e
        f |= TCP_ECE;
        break;
      case 0x63: // c
        f |= TCP_CWR;
        break;
      default:
        break;
    }
  }
  return f;
}

/**
 * What one packet (or one direction's OR of flags) says about a connection attempt:
 * SYN without ACK → `attempt`; any other flag set → `late`; no flags known → `attempt`
 * (the rule: a line that carries no flags counts as an attempt).
 */
export function kindOfTcpFlags(flags: number | undefined): 'attempt' | 'late' {
  if (flags === undefined) return 'attempt';
  if ((flags & TCP_SYN) !== 0 && (flags & TCP_ACK) === 0) return 'attempt';
  return 'late';
}

// ---------------------------------------------------------------- time

export interface SecNsec {
  sec: number;
  nsec: number;
}

/** Up to nine fraction digits → nanoseconds (`"857497"` → 857497000). */
function fractionToNanos(frac: string): number | undefined {
  if (frac.length === 0) return 0;
  if (!/^\d+$/.test(frac)) return undefined;
  const nine = frac.length >= 9 ? frac.slice(0, 9) : frac + '000000000'.slice(frac.length);
  return Number(nine);
}

/** Decimal epoch seconds (`1547188415.857497`, `1418530010`) → exact seconds + nanoseconds. */
export function parseEpochSeconds(text: string): SecNsec | undefined {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  if (whole.length === 0 || whole.length > 12 || !/^\d+$/.test(whole)) return undefined;
  const nsec = fractionToNanos(dot < 0 ? '' : text.slice(dot + 1));
  if (nsec === undefined) return undefined;
  return { sec: Number(whole), nsec };
}

/** Epoch milliseconds (`1663146003599`) → seconds + nanoseconds. */
export function parseEpochMillis(text: string): SecNsec | undefined {
  if (text.length === 0 || text.length > 15 || !/^\d+$/.test(text)) return undefined;
  const ms = Number(text);
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

const RFC3339_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,12}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * RFC 3339 / ISO 8601 date-times as the flow logs print them → UTC seconds + nanoseconds:
 * `2019-11-06T16:41:38.394575419Z`, `2021-01-27T01:28:11.488362+0100` (Suricata), `+01:00`.
 * Without a zone the time is local and `utcOffsetMinutes` (east of UTC) is applied.
 */
export function parseDateTime(text: string, utcOffsetMinutes = 0): SecNsec | undefined {
  const m = RFC3339_RE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const nsec = fractionToNanos(m[7] ?? '');
  if (nsec === undefined) return undefined;
  let offsetMinutes: number;
  if (m[8] !== undefined) offsetMinutes = 0;
  else if (m[9] !== undefined) {
    const sign = m[9] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(m[10]) * 60 + Number(m[11]));
  } else offsetMinutes = utcOffsetMinutes;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  if (!Number.isFinite(ms)) return undefined;
  // Date.UTC rolls 31 February into March: reject dates that do not exist.
  const check = new Date(ms);
  if (check.getUTCDate() !== day && second !== 60) return undefined;
  return { sec: ms / 1000 - offsetMinutes * 60, nsec };
}
