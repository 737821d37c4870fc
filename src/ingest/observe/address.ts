/**
 * Address text as control channels write it, turned into the canonical text flows use
 * (`Endpoint.ip`): dotted quad for IPv4, RFC 5952 for IPv6 (lower case, leading zeros dropped,
 * the longest run of two or more zero groups — the first when tied — as `::`, and
 * `::ffff:a.b.c.d` for IPv4-mapped addresses).
 *
 * Inputs come from the wire (FTP `PORT`/`EPRT`/`227`, RPC universal addresses), so every parser
 * returns `undefined` on anything malformed and never throws.
 */
import type { Endpoint } from '../../model.js';
import { formatIpv6 } from '../decode/address.js';

/** `h1,h2,h3,h4` numbers (each 0..255) → dotted quad. */
export function formatIPv4Parts(h1: number, h2: number, h3: number, h4: number): string {
  return `${h1}.${h2}.${h3}.${h4}`;
}

/** Dotted-quad text → the four numbers, or undefined. Leading zeros are accepted (`010` = 10). */
export function parseIPv4Text(text: string): [number, number, number, number] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/** IPv4 text → canonical dotted quad, or undefined. */
export function canonicalIPv4(text: string): string | undefined {
  const p = parseIPv4Text(text);
  return p === undefined ? undefined : formatIPv4Parts(p[0], p[1], p[2], p[3]);
}

/** IPv6 text (RFC 4291 section 2.2 forms, optional `%zone` dropped) → eight 16-bit groups, or undefined. */
export function parseIPv6Text(input: string): number[] | undefined {
  let text = input;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  if (text.length < 2 || text.length > 45) return undefined;
  const groups: number[] = [];
  let tail: number[] | undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseHalf = (half: string, allowV4: boolean): number[] | undefined => {
    if (half.length === 0) return [];
    const out: number[] = [];
    const items = half.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (allowV4 && i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4Text(item);
        if (v4 === undefined) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return undefined;
      out.push(parseInt(item, 16));
    }
    return out;
  };
  if (halves.length === 2) {
    const head = parseHalf(halves[0] ?? '', false);
    tail = parseHalf(halves[1] ?? '', true);
    if (head === undefined || tail === undefined) return undefined;
    if (head.length + tail.length > 7) return undefined;
    groups.push(...head);
    for (let i = head.length + tail.length; i < 8; i++) groups.push(0);
    groups.push(...tail);
  } else {
    const all = parseHalf(text, true);
    if (all === undefined || all.length !== 8) return undefined;
    groups.push(...all);
  }
  return groups.length === 8 ? groups : undefined;
}

/** Eight 16-bit groups → RFC 5952 text, written by the same code that names flow endpoints. */
export function formatIPv6Groups(g: readonly number[]): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    bytes[2 * i] = ((g[i] ?? 0) >> 8) & 255;
    bytes[2 * i + 1] = (g[i] ?? 0) & 255;
  }
  return formatIpv6(bytes, 0);
}

/** IPv6 text → RFC 5952 text, or undefined. */
export function canonicalIPv6(text: string): string | undefined {
  const g = parseIPv6Text(text);
  return g === undefined ? undefined : formatIPv6Groups(g);
}

/** True for the unspecified addresses `0.0.0.0` and `::`. */
export function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/** True when the text is an IPv6 address (canonical text always contains a colon). */
export function isIPv6(ip: string): boolean {
  return ip.includes(':');
}

/** `10.0.0.5:40112`, `[2001:db8::1]:21`. */
export function formatEndpoint(e: Endpoint): string {
  return isIPv6(e.ip) ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** The control flow as text: `10.0.0.5:40112 → 10.1.0.7:21`. */
export function formatFlowText(client: Endpoint, server: Endpoint): string {
  return `${formatEndpoint(client)} → ${formatEndpoint(server)}`;
}
