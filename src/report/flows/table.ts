/**
 * `flows --format table`: an aligned text table for a terminal, sorted like the JSON output.
 * Every text that came from an input (addresses are numbers turned to text; rule names, interface
 * names and FTP replies are not) goes through `terminalSafe`.
 */
import type { Flow } from '../../model.js';
import { terminalSafe } from '../escape.js';
import { groupDigits } from '../format.js';
import { compareFlows, endpointText, hasPorts } from './record.js';

const HEADERS = ['ID', 'PROTO', 'CLIENT', '', 'SERVER', 'OUTCOME', 'PKTS C/S', 'BYTES C/S', 'FIRST (UTC)', 'DURATION', 'HISTORY', 'NOTES'] as const;
/** Columns aligned right (numbers). */
const RIGHT = new Set([6, 7, 9]);

function seconds(rfc3339: string): number {
  // Up to the seconds: a corrupt capture timestamp past year 9999 is written with an expanded
  // year (`+586515-06-26T13:47:52...`), so cut after the time, not at a fixed width.
  const t = rfc3339.indexOf('T');
  const whole = Date.parse(`${rfc3339.slice(0, t < 0 ? 19 : t + 9)}Z`) / 1000;
  const frac = /\.(\d+)Z$/.exec(rfc3339)?.[1] ?? '0';
  return whole + Number(`0.${frac}`);
}

/** `0.012s`, `5.4s`, `2m03s`, `1h02m`. */
export function durationText(first: string, last: string): string {
  const d = Math.max(0, seconds(last) - seconds(first));
  if (!Number.isFinite(d)) return '?';
  if (d < 10) return `${d.toFixed(3)}s`;
  if (d < 60) return `${d.toFixed(1)}s`;
  if (d < 3600) return `${Math.floor(d / 60)}m${String(Math.floor(d % 60)).padStart(2, '0')}s`;
  return `${Math.floor(d / 3600)}h${String(Math.floor((d % 3600) / 60)).padStart(2, '0')}m`;
}

/** The NOTES cell: firewall verdict, joined ICMP error, ICMP type, application mark, VLAN. */
export function flowNotes(f: Flow): string {
  const notes: string[] = [];
  const w = f.firewall;
  if (w !== undefined) {
    let s = `${w.source} ${w.action}`;
    if (w.rule !== undefined) s += ` rule ${w.rule}`;
    const where = [w.direction, w.interface].filter((x) => x !== undefined).join(' ');
    if (where !== '') s += ` (${where})`;
    if (w.count > 1) s += ` x${w.count}`;
    if (w.lateOnly === true) s += ' late only';
    notes.push(s);
  }
  const e = f.icmpError;
  if (e !== undefined) notes.push(`icmp ${e.type}/${e.code} from ${e.from}${(e.packets ?? 1) > 1 ? ` x${e.packets ?? 1}` : ''}`);
  if (f.icmp !== undefined) notes.push(`type ${f.icmp.type}/${f.icmp.code}`);
  const a = f.app;
  if (a !== undefined) {
    if (a.kind === 'ftp-data') notes.push(`ftp-data ${a.mode} from ${a.control}`);
    else if (a.kind === 'rpc') notes.push(`rpc ${a.programName ?? String(a.program)} v${a.version} from ${a.control}`);
    else if (a.kind === 'tftp-data') notes.push(`tftp-data from ${a.control}`);
    else notes.push(a.kind);
  }
  if (f.vlan !== undefined) notes.push(`vlan ${f.vlan}`);
  return terminalSafe(notes.join('; '));
}

export function renderFlowsTable(flows: readonly Flow[]): string {
  if (flows.length === 0) return 'no flows\n';
  const rows: string[][] = [[...HEADERS]];
  for (const f of [...flows].sort(compareFlows)) {
    const ports = hasPorts(f.proto);
    rows.push([
      f.id,
      f.proto,
      endpointText(f.client.ip, f.client.port, ports),
      f.directionInferred ? '~>' : '->',
      endpointText(f.server.ip, f.server.port, ports),
      f.outcome,
      `${groupDigits(f.packets.client)}/${groupDigits(f.packets.server)}`,
      `${groupDigits(f.bytes.client)}/${groupDigits(f.bytes.server)}`,
      f.first.slice(0, 10) + ' ' + f.first.slice(11, 23),
      durationText(f.first, f.last),
      terminalSafe(f.history),
      flowNotes(f),
    ]);
  }
  const widths = HEADERS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  let out = '';
  for (const r of rows) {
    const cells = r.map((c, i) => (RIGHT.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)));
    out += `${cells.join('  ').trimEnd()}\n`;
  }
  out += '\n~> : direction inferred from ports (no handshake seen)\n';
  return out;
}
