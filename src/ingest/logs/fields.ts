/**
 * Field helpers shared by the log formats: canonical address text (dotted quad; RFC 5952 for
 * IPv6), ports, counts, IANA protocol numbers and names, TCP flag words and letters, the
 * attempt/late rule of a packet, and timestamps (syslog dates, RFC 3339, epoch seconds and
 * milliseconds to seconds + nanoseconds without going through a float: a 16-digit
 * `1547188415.857497` loses its last microsecond as a double). Pure functions over strings;
 * nothing here allocates more than the string it returns. Numbers that may be absent come back
 * as -1 (ports, protocols) so hot loops compare integers.
 *
 * References: RFC 5952 (IPv6 text), RFC 4291 §2.2 (accepted IPv6 input forms), IANA "Assigned
 * Internet Protocol Numbers", RFC 9293 §3.1 (TCP control bits), IANA ICMP/ICMPv6 type registries.
 */
import type { Observation } from '../../model.js';

/** TCP flag bits as `Observation.tcpFlags` stores them (RFC 9293 bit order). */
export const TCP_FIN = 1;
export const TCP_SYN = 2;
export const TCP_RST = 4;
export const TCP_PSH = 8;
export const TCP_ACK = 16;
export const TCP_URG = 32;
export const TCP_ECE = 64;
export const TCP_CWR = 128;

/** Upper-case flag words (iptables, ASA `flags SYN ACK`) to bits. */
export const TCP_FLAG_WORDS: Readonly<Record<string, number>> = {
  FIN: TCP_FIN,
  SYN: TCP_SYN,
  RST: TCP_RST,
  PSH: TCP_PSH,
  ACK: TCP_ACK,
  URG: TCP_URG,
  ECE: TCP_ECE,
  CWR: TCP_CWR,
};

/** Protocol names as firewalls print them (lower-cased) → IANA protocol number. */
const PROTO_NUMBERS: ReadonlyMap<string, number> = new Map([
  ['hopopt', 0],
  ['icmp', 1],
  ['igmp', 2],
  ['ipip', 4],
  ['ipencap', 4],
  ['ipv4', 4],
  ['tcp', 6],
  ['egp', 8],
  ['igp', 9],
  ['udp', 17],
  ['ipv6', 41],
  ['ipv6-route', 43],
  ['ipv6-frag', 44],
  ['rsvp', 46],
  ['gre', 47],
  ['esp', 50],
  ['ah', 51],
  ['icmpv6', 58],
  ['icmp6', 58],
  ['ipv6-icmp', 58],
  ['ipv6icmp', 58],
  ['ipv6-nonxt', 59],
  ['ipv6-opts', 60],
  ['eigrp', 88],
  ['ospf', 89],
  ['ospfigp', 89],
  ['pim', 103],
  ['vrrp', 112],
  ['carp', 112],
  ['l2tp', 115],
  ['sctp', 132],
  ['udplite', 136],
]);

/**
 * IANA protocol number of a name or a decimal number as printed (`TCP`, `udp`, `ICMPv6`, `47`);
 * -1 when unknown.
 */
export function protoNumber(text: string): number {
  switch (text) {
    case 'tcp':
    case 'TCP':
      return 6;
    case 'udp':
    case 'UDP':
      return 17;
    case 'icmp':
    case 'ICMP':
      return 1;
    default:
      break;
  }
  const c = text.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const n = parseUint(text, 0, text.length);
    return n >= 0 && n <= 255 ? n : -1;
  }
  return PROTO_NUMBERS.get(text.toLowerCase()) ?? -1;
}

/** Parses a decimal unsigned integer in `s[start, end)`; -1 if empty or not all digits (or > 2^53). */
export function parseUint(s: string, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A port `0..65535` from decimal text; -1 if not one. */
export function parsePort(s: string, start = 0, end = s.length): number {
  const n = parseUint(s, start, end);
  return n >= 0 && n <= 65535 ? n : -1;
}

/** Dotted quad check of `s[start, end)` with canonical output; undefined when not IPv4. */
function canonicalIpv4(s: string, start: number, end: number): string | undefined {
  let octets = 0;
  let value = -1;
  let digits = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (value < 0 || octets === 3) return undefined;
      octets++;
      value = -1;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 0 && c === 48 && i + 1 < end && s.charCodeAt(i + 1) !== 46) leadingZero = true;
      value = value < 0 ? c - 48 : value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (octets !== 3 || value < 0) return undefined;
  const text = start === 0 && end === s.length ? s : s.slice(start, end);
  if (!leadingZero) return text;
  // `010.001.002.003` is printed by some devices zero-padded; it means 10.1.2.3 (decimal).
  return text
    .split('.')
    .map((o) => String(Number(o)))
    .join('.');
}

const groups = new Uint16Array(8);

/** IPv6 text (any RFC 4291 form, with an optional `%zone`) → RFC 5952 text; undefined if invalid. */
function canonicalIpv6(s: string, start: number, end: number): string | undefined {
  const pct = s.indexOf('%', start);
  if (pct >= 0 && pct < end) end = pct;
  let n = 0; // groups written
  let gap = -1; // index in groups where `::` was
  let i = start;
  if (end - start < 2) return undefined;
  if (s.charCodeAt(i) === 58) {
    if (s.charCodeAt(i + 1) !== 58) return undefined;
    gap = 0;
    i += 2;
    if (i === end) {
      groups.fill(0);
      return '::';
    }
  }
  while (i < end) {
    // One group, or a trailing dotted quad.
    let j = i;
    let v = 0;
    while (j < end) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      v = v * 16 + d;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46) {
      const v4 = canonicalIpv4(s, i, end);
      if (v4 === undefined || n > 6) return undefined;
      const parts = v4.split('.');
      groups[n++] = (Number(parts[0]) << 8) | Number(parts[1]);
      groups[n++] = (Number(parts[2]) << 8) | Number(parts[3]);
      i = end;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return undefined;
    groups[n++] = v;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < end && s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = n;
      i++;
    } else if (i === end) {
      return undefined;
    }
  }
  if (gap >= 0) {
    if (n === 8) return undefined;
    const tail = n - gap;
    for (let k = 0; k < tail; k++) groups[7 - k] = groups[n - 1 - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  } else if (n !== 8) {
    return undefined;
  }
  return formatIpv6(groups);
}

/** RFC 5952 §4: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatIpv6(g: Uint16Array): string {
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (g[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && g[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === bestStart) {
      out += k === 0 ? '::' : ':';
      k += bestLen - 1;
      continue;
    }
    out += g[k]!.toString(16);
    if (k < 7) out += ':';
  }
  return out;
}

/**
 * Canonical text of an IPv4 or IPv6 address in `s[start, end)` (whole string by default):
 * dotted quad, or RFC 5952 for IPv6 (the kernel prints IPv6 fully expanded; firewalls vary;
 * brackets around an IPv6 address and a `%zone` are dropped). Undefined when the text is not an
 * address (a host name, `-`, garbage).
 */
export function canonicalIp(s: string, start = 0, end = s.length): string | undefined {
  if (s.charCodeAt(start) === 91 /* [ */ && s.charCodeAt(end - 1) === 93 /* ] */) {
    start++;
    end--;
  }
  // A dotted quad has its first dot within four characters.
  const c1 = s.charCodeAt(start + 1);
  if (c1 === 46 || s.charCodeAt(start + 2) === 46 || s.charCodeAt(start + 3) === 46) {
    if (c1 !== 58 && s.charCodeAt(start + 2) !== 58 && s.charCodeAt(start + 3) !== 58) return canonicalIpv4(s, start, end);
  }
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return end - start === 39 ? expandedIpv6(s, start) : canonicalIpv6(s, start, end);
    if (c === 46) return canonicalIpv4(s, start, end);
  }
  return undefined;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The kernel prints IPv6 addresses in full (`2001:0db8:0000:...`, 8 groups of 4 digits): read
 * that shape by position, which is the common case of a netfilter line; anything else takes the
 * general parser.
 */
function expandedIpv6(s: string, start: number): string | undefined {
  for (let g = 0; g < 8; g++) {
    const at = start + g * 5;
    if (g < 7 && s.charCodeAt(at + 4) !== 58) return canonicalIpv6(s, start, start + 39);
    const a = hexDigit(s.charCodeAt(at));
    const b = hexDigit(s.charCodeAt(at + 1));
    const c = hexDigit(s.charCodeAt(at + 2));
    const d = hexDigit(s.charCodeAt(at + 3));
    if ((a | b | c | d) < 0) return canonicalIpv6(s, start, start + 39);
    groups[g] = (a << 12) | (b << 8) | (c << 4) | d;
  }
  return formatIpv6(groups);
}

/** True for a host name as devices print one in place of an address (ASA `names`). */
export function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95;
    if (!ok) return false;
  }
  return true;
}

/** ICMP types that start an exchange (RFC 792 echo/timestamp/information/address mask, RFC 1256 router solicitation). */
const ICMP4_REQUESTS = new Set([8, 10, 13, 15, 17]);
/** ICMPv6 types that start an exchange: echo request 128, MLD queries/reports 130/131/143, RS 133, NS 135, node info 139. */
const ICMP6_REQUESTS = new Set([128, 130, 131, 133, 135, 139, 143]);

/**
 * The attempt/late rule of the issue: a TCP packet with SYN and without ACK, or a line without
 * flags, is an attempt; other TCP packets (ACK/PSH/FIN/RST, SYN-ACK) are late; the first UDP or
 * other-protocol packet is an attempt (a log line cannot say it is not the first); ICMP requests
 * (echo, timestamp...) are attempts, ICMP replies and errors are late.
 */
export function packetKind(proto: number, tcpFlags: number | undefined, icmpType: number | undefined): Observation['kind'] {
  if (proto === 6) {
    if (tcpFlags === undefined) return 'attempt';
    return (tcpFlags & TCP_SYN) !== 0 && (tcpFlags & TCP_ACK) === 0 ? 'attempt' : 'late';
  }
  if (icmpType !== undefined) {
    if (proto === 1) return ICMP4_REQUESTS.has(icmpType) ? 'attempt' : 'late';
    if (proto === 58) return ICMP6_REQUESTS.has(icmpType) ? 'attempt' : 'late';
  }
  return 'attempt';
}

/** The last date converted: log lines come in date order, so one entry catches nearly all. */
let lastDateKey = -1;
let lastDays = 0;

/** Days since the epoch of a civil date (Howard Hinnant's algorithm); no Date object. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const key = year * 512 + month * 32 + day;
  if (key === lastDateKey) return lastDays;
  lastDays = civilDays(year, month, day);
  lastDateKey = key;
  return lastDays;
}

function civilDays(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** `Jan`..`Dec` (any case) at `s[i]` → 1..12; 0 if not a month. */
export function monthAt(s: string, i: number): number {
  const a = s.charCodeAt(i) | 0x20;
  const b = s.charCodeAt(i + 1) | 0x20;
  const c = s.charCodeAt(i + 2) | 0x20;
  switch (a) {
    case 0x6a: // j
      if (b === 0x61 && c === 0x6e) return 1;
      if (b === 0x75 && c === 0x6e) return 6;
      if (b === 0x75 && c === 0x6c) return 7;
      return 0;
    case 0x66: // f
      return b === 0x65 && c === 0x62 ? 2 : 0;
    case 0x6d: // m
      if (b === 0x61 && c === 0x72) return 3;
      if (b === 0x61 && c === 0x79) return 5;
      return 0;
    case 0x61: // a
      if (b === 0x70 && c === 0x72) return 4;
      if (b === 0x75 && c === 0x67) return 8;
      return 0;
    case 0x73: // s
      return b === 0x65 && c === 0x70 ? 9 : 0;
    case 0x6f: // o
      return b === 0x63 && c === 0x74 ? 10 : 0;
    case 0x6e: // n
      return b === 0x6f && c === 0x76 ? 11 : 0;
    case 0x64: // d
      return b === 0x65 && c === 0x63 ? 12 : 0;
    default:
      return 0;
  }
}

/** Reads `n` decimal digits at `s[i]`; -1 if any is not a digit. */
export function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(i + k) - 48;
    // Past the end of `s` charCodeAt is NaN, which fails `d < 0 || d > 9`: test the range positively.
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses an RFC 3339 / ISO 8601 date-time at `s[i]`: `YYYY-MM-DD[T ]hh:mm:ss[.frac][Z|±hh:mm|±hhmm]`.
 * A time without a zone is local: `utcOffsetMinutes` is subtracted. Writes seconds and nanoseconds
 * into `out` and returns the index after the timestamp, or -1.
 */
export function parseIsoTime(s: string, i: number, utcOffsetMinutes: number, out: { sec: number; nsec: number }): number {
  const year = digitsAt(s, i, 4);
  if (year < 0 || s.charCodeAt(i + 4) !== 45) return -1;
  const month = digitsAt(s, i + 5, 2);
  if (month < 1 || month > 12 || s.charCodeAt(i + 7) !== 45) return -1;
  const day = digitsAt(s, i + 8, 2);
  const t = s.charCodeAt(i + 10);
  if (day < 1 || day > 31 || (t !== 84 && t !== 32 && t !== 116)) return -1;
  const hh = digitsAt(s, i + 11, 2);
  const mm = digitsAt(s, i + 14, 2);
  const ss = digitsAt(s, i + 17, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || s.charCodeAt(i + 13) !== 58 || s.charCodeAt(i + 16) !== 58) return -1;
  const j = parseFractionAndZone(s, i + 19, utcOffsetMinutes, out);
  if (j < 0) return -1;
  out.sec += daysFromCivil(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss;
  return j;
}

/**
 * The part of an RFC 3339 time after the seconds: `[.frac][Z|±hh:mm|±hhmm|±hh]`. Sets `out.nsec`
 * and `out.sec` to minus the zone offset in seconds (the caller adds the local seconds). Returns
 * the index after it, or -1.
 */
export function parseFractionAndZone(s: string, j: number, utcOffsetMinutes: number, out: { sec: number; nsec: number }): number {
  let nsec = 0;
  if (s.charCodeAt(j) === 46 || s.charCodeAt(j) === 44) {
    j++;
    let scale = 100_000_000;
    const f0 = j;
    while (j < s.length) {
      const d = s.charCodeAt(j) - 48;
      if (d < 0 || d > 9) break;
      nsec += d * scale;
      scale = Math.floor(scale / 10);
      j++;
    }
    if (j === f0) return -1;
  }
  let offsetMin = utcOffsetMinutes;
  const z = s.charCodeAt(j);
  if (z === 90 || z === 122) {
    offsetMin = 0;
    j++;
  } else if (z === 43 || z === 45) {
    const oh = digitsAt(s, j + 1, 2);
    if (oh < 0) return -1;
    let om: number;
    if (s.charCodeAt(j + 3) === 58) {
      om = digitsAt(s, j + 4, 2);
      if (om < 0) return -1;
      j += 6;
    } else {
      om = digitsAt(s, j + 3, 2);
      if (om < 0) {
        om = 0;
        j += 3;
      } else {
        j += 5;
      }
    }
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  }
  out.sec = -offsetMin * 60;
  out.nsec = nsec;
  return j;
}

/** True for canonical IPv6 text (used to tell ICMP from ICMPv6 where a log names both `icmp`). */
export function isIpv6(ip: string): boolean {
  return ip.includes(':');
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

/** Flag letters (`S`, `SA`, `FPA`, `AR`, Zeek/Windows style) → bit set; unknown letters are ignored. */
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

export interface SecNsec {
  sec: number;
  nsec: number;
}

/** Up to nine fraction digits → nanoseconds (`"857497"` → 857497000); more are cut. */
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

/**
 * A whole string that is an RFC 3339 / ISO 8601 date-time (`parseIsoTime`) → UTC seconds +
 * nanoseconds: `2019-11-06T16:41:38.394575419Z`, `2021-01-27T01:28:11.488362+0100` (Suricata),
 * `+01:00`. Without a zone the time is local and `utcOffsetMinutes` (east of UTC) is applied.
 */
export function parseDateTime(text: string, utcOffsetMinutes = 0): SecNsec | undefined {
  const out: SecNsec = { sec: 0, nsec: 0 };
  return parseIsoTime(text, 0, utcOffsetMinutes, out) === text.length ? out : undefined;
}
