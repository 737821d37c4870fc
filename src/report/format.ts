/** Number, size and time formatting shared by the human-readable renderers (locale-independent, deterministic). */
import type { Finding, Severity } from '../classify/types.js';

/** `1,234,567`. */
export function groupDigits(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `532 B`, `1.2 kB`, `3.4 MB` (SI units, as tshark prints). */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]!}`;
}

/** `2024-05-01 12:03:05` from RFC 3339 (UTC kept, sub-seconds dropped) for compact tables. */
export function shortTime(rfc3339: string | null): string {
  if (rfc3339 === null || rfc3339 === '') return '-';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(rfc3339);
  return m === null ? rfc3339 : `${m[1]} ${m[2]}`;
}

export const FINDING_LABEL: Record<Finding, string> = {
  'broken-requirement': 'broken requirement',
  exposure: 'exposure',
  undocumented: 'undocumented',
  'deprecated-in-use': 'deprecated in use',
  info: 'info',
  ok: 'ok',
};

/** One-line meaning of each finding, for legends. */
export const FINDING_MEANING: Record<Finding, string> = {
  'broken-requirement': 'a documented, required flow is blocked',
  exposure: 'traffic a document says to block gets through',
  undocumented: 'traffic no document lists gets through',
  'deprecated-in-use': 'traffic documented as no longer used gets through',
  info: 'worth knowing, no action needed',
  ok: 'documented and behaving as documented',
};

/** Fixed colours per finding (HTML charts) and ANSI SGR codes (terminal). */
export const FINDING_COLOUR: Record<Finding, string> = {
  'broken-requirement': '#c62828',
  exposure: '#ad1457',
  undocumented: '#ef6c00',
  'deprecated-in-use': '#f9a825',
  info: '#1565c0',
  ok: '#2e7d32',
};

export const SEVERITY_SGR: Record<Severity, string> = {
  high: '\u001b[1;31m',
  medium: '\u001b[33m',
  low: '\u001b[36m',
  info: '\u001b[34m',
  none: '\u001b[32m',
};
export const SGR_RESET = '\u001b[0m';
