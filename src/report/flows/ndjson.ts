/**
 * NDJSON (one JSON object per line, ndjson.org spec 1.0): flows streamed as the table emits them.
 *
 * A line is written straight from the flow, in the key order of `orderedFlow` (record.ts), with the
 * same bytes `JSON.stringify(orderedFlow(flow))` gives: on a capture with few packets per flow
 * this runs once every few packets, and copying the record into a second object and walking it
 * generically cost more than the flow table's own work per flow.
 */
import type { Flow } from '../../model.js';

/** JSON text of a string: quoted as is when it has nothing to escape (the usual case), else JSON.stringify. */
function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** JSON text of a number (JSON has no NaN or infinities: they print as null). */
function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** One flow as one line, newline included. */
export function renderFlowLine(f: Flow): string {
  const ev = f.evidence;
  let line =
    `{"id":${str(f.id)},"proto":${str(f.proto)},"client":{"ip":${str(f.client.ip)},"port":${num(f.client.port)}},` +
    `"server":{"ip":${str(f.server.ip)},"port":${num(f.server.port)}},"directionInferred":${f.directionInferred ? 'true' : 'false'},` +
    `"first":${str(f.first)},"last":${str(f.last)},"packets":{"client":${num(f.packets.client)},"server":${num(f.packets.server)}},` +
    `"bytes":{"client":${num(f.bytes.client)},"server":${num(f.bytes.server)}},"history":${str(f.history)},"outcome":${str(f.outcome)},` +
    `"evidence":{"file":${str(ev.file)}${ev.offset !== undefined ? `,"offset":${num(ev.offset)}` : ''}${ev.line !== undefined ? `,"line":${num(ev.line)}` : ''}}`;
  if (f.vlan !== undefined) line += `,"vlan":${num(f.vlan)}`;
  if (f.icmp !== undefined) line += `,"icmp":{"type":${num(f.icmp.type)},"code":${num(f.icmp.code)}}`;
  const e = f.icmpError;
  if (e !== undefined) {
    line += `,"icmpError":{"type":${num(e.type)},"code":${num(e.code)},"from":${str(e.from)}${e.packets !== undefined ? `,"packets":${num(e.packets)}` : ''}}`;
  }
  const w = f.firewall;
  if (w !== undefined) {
    line += `,"firewall":{"action":${str(w.action)}`;
    if (w.rule !== undefined) line += `,"rule":${str(w.rule)}`;
    if (w.direction !== undefined) line += `,"direction":${str(w.direction)}`;
    if (w.interface !== undefined) line += `,"interface":${str(w.interface)}`;
    line += `,"source":${str(w.source)},"count":${num(w.count)}`;
    if (w.lateOnly !== undefined) line += `,"lateOnly":${w.lateOnly ? 'true' : 'false'}`;
    line += '}';
  }
  // The app mark is printed as the observer built it (its own key order), as orderedFlow keeps it.
  if (f.app !== undefined) line += `,"app":${JSON.stringify(f.app)}`;
  return `${line}}\n`;
}

export function renderFlowsNdjson(flows: readonly Flow[]): string {
  let out = '';
  for (const f of flows) out += renderFlowLine(f);
  return out;
}
