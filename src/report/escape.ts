/**
 * Making input-controlled text safe for each sink. Everything a report shows may come from the
 * network (FTP replies, log prefixes, host names, file names), so every renderer passes strings
 * through one of these:
 * - terminal: ANSI/VT escape sequences (ECMA-48 §5.4 CSI, §8.3.89 OSC) and C0/C1 control
 *   characters are removed, as are Unicode bidirectional overrides (CVE-2021-42574, "Trojan Source");
 * - HTML: the five characters of the HTML spec's "escaping a string" plus the quote (OWASP XSS rule #1);
 * - CSV: RFC 4180 quoting, and cells starting with `=`, `+`, `-`, `@`, tab or carriage return are
 *   prefixed with `'` so spreadsheets do not run them as formulas (OWASP "CSV Injection");
 * - Markdown: table pipes, backticks and HTML-significant characters are escaped, newlines removed.
 */

/* eslint-disable no-control-regex -- finding control characters and escape sequences is what this file is for */
// ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ESC ] P X ^ _ ... BEL or ST), two-byte escapes.
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[ -/]*[0-~]?)/g;
// 8-bit CSI (0x9b) sequences, then any remaining C0 (but tab/newline handled by the caller), DEL and C1 controls.
const C1_CSI = /\u009b[0-?]*[ -/]*[@-~]?/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

/** Text safe to print on a terminal: no escape sequences, no control characters (newlines and tabs become spaces). */
export function terminalSafe(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(C1_CSI, '').replace(/[\t\r\n]/g, ' ').replace(CONTROL, '').replace(BIDI, '');
}

/** Text safe in an HTML text node or a quoted attribute. Control characters are dropped first. */
export function htmlEscape(text: string): string {
  return terminalSafe(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV cell (RFC 4180), with spreadsheet formula starts neutralised. Numbers pass as they are. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value.replace(ESCAPE_SEQUENCE, '').replace(C1_CSI, '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(BIDI, '');
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Text safe in a Markdown table cell (GitHub-flavoured): no pipes, no raw HTML, no code spans, one line. */
export function markdownCell(text: string): string {
  return terminalSafe(text)
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/([*_[\]])/g, '\\$1');
}
