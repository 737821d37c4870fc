/**
 * Compares observations with the expected parses that come with the corpus samples (another
 * project's test expectations, ECS field names): `*.expected-flows.jsonl` beside a sample, and
 * logstash-patterns-core's `expected-asserted-ecs.tsv`. Differences that are deliberate are listed,
 * with their reason, in `fixtures/logs/<format>/corpus-differences.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalIp, protoNumber } from '../../src/ingest/logs/fields.js';
import type { Observation } from '../../src/model.js';
import { fixturesDir } from './log-helpers.js';

/** One expected line, reduced to the fields compared. */
export interface Expected {
  line: number;
  src?: string;
  srcPort?: number;
  dst?: string;
  dstPort?: number;
  proto?: number;
  action?: 'allowed' | 'denied';
}

export interface Difference {
  file: string;
  line: number;
  field: string;
  ours: string;
  theirs: string;
}

export interface AllowedDifference {
  file: string;
  line: number;
  field: string;
  reason: string;
}

const ECS_TRANSPORT: Readonly<Record<string, number>> = { 'ipv6-icmp': 58, icmp: 1, tcp: 6, udp: 17, esp: 50, ah: 51, gre: 47 };

function ecsProto(transport: unknown, iana: unknown): number | undefined {
  if (typeof iana === 'string' && /^\d+$/.test(iana)) return Number(iana);
  if (typeof transport === 'string' && transport !== '') {
    const t = transport.toLowerCase();
    const n = ECS_TRANSPORT[t] ?? protoNumber(t);
    return n >= 0 ? n : undefined;
  }
  return undefined;
}

function ecsAction(eventType: unknown, eventAction: unknown): 'allowed' | 'denied' | undefined {
  if (Array.isArray(eventType)) {
    if (eventType.includes('denied')) return 'denied';
    if (eventType.includes('allowed')) return 'allowed';
  }
  if (typeof eventAction === 'string') {
    const a = eventAction.toLowerCase();
    if (/^(drop|deny|denied|reject|block)/.test(a)) return 'denied';
    if (/^(accept|allow|permit|pass)/.test(a)) return 'allowed';
  }
  return undefined;
}

function addr(v: unknown): string | undefined {
  if (typeof v !== 'string' || v === '' || v === '-') return undefined;
  return canonicalIp(v) ?? v;
}

function port(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** Expected lines from an `*.expected-flows.jsonl` (ECS fields). */
export function readExpectedFlows(path: string): Expected[] {
  const out: Expected[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    const r = JSON.parse(text) as Record<string, unknown>;
    const e: Expected = { line: Number(r['line']) };
    const s = addr(r['source.ip']);
    if (s !== undefined) e.src = s;
    const d = addr(r['destination.ip']);
    if (d !== undefined) e.dst = d;
    const sp = port(r['source.port']);
    if (sp !== undefined) e.srcPort = sp;
    const dp = port(r['destination.port']);
    if (dp !== undefined) e.dstPort = dp;
    const p = ecsProto(r['network.transport'], r['network.iana_number']);
    if (p !== undefined) e.proto = p;
    const a = ecsAction(r['event.type'], r['event.action']);
    if (a !== undefined) e.action = a;
    out.push(e);
  }
  return out;
}

/** Rows of logstash-patterns-core's expected-asserted-ecs.tsv for one sample file (`match` rows only). */
export function readExpectedTsv(path: string, sampleFile: string): Expected[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines[0]!.split('\t');
  const col = (name: string): number => header.indexOf(name);
  const out: Expected[] = [];
  for (const text of lines.slice(1)) {
    if (text.trim() === '') continue;
    const f = text.split('\t');
    if (f[col('file')] !== sampleFile || f[col('expect')] !== 'match') continue;
    const e: Expected = { line: Number(f[col('line')]) };
    const s = addr(f[col('source.ip')]);
    if (s !== undefined) e.src = s;
    const d = addr(f[col('destination.ip')]);
    if (d !== undefined) e.dst = d;
    const sp = port(f[col('source.port')]);
    if (sp !== undefined) e.srcPort = sp;
    const dp = port(f[col('destination.port')]);
    if (dp !== undefined) e.dstPort = dp;
    const p = ecsProto(f[col('transport')], f[col('iana_number')]);
    if (p !== undefined) e.proto = p;
    out.push(e);
  }
  return out;
}

/** Expected lines that name at least one endpoint address: the lines that carry a flow. */
export function carriesFlow(e: Expected): boolean {
  return e.src !== undefined || e.dst !== undefined;
}

/** Field-by-field differences between the expected lines and the observations (first observation of each line). */
export function compare(file: string, expected: readonly Expected[], observations: readonly Observation[]): Difference[] {
  const byLine = new Map<number, Observation>();
  for (const o of observations) if (o.evidence.line !== undefined && !byLine.has(o.evidence.line)) byLine.set(o.evidence.line, o);
  const diffs: Difference[] = [];
  for (const e of expected) {
    if (!carriesFlow(e)) continue;
    const o = byLine.get(e.line);
    if (o === undefined) {
      diffs.push({ file, line: e.line, field: 'observation', ours: 'none', theirs: 'a flow' });
      continue;
    }
    const check = (field: string, ours: unknown, theirs: unknown): void => {
      if (theirs !== undefined && ours !== theirs) diffs.push({ file, line: e.line, field, ours: String(ours), theirs: String(theirs) });
    };
    check('source.ip', o.src, e.src);
    check('destination.ip', o.dst, e.dst);
    const icmp = o.proto === 1 || o.proto === 58;
    if (!icmp) {
      check('source.port', o.srcPort, e.srcPort);
      check('destination.port', o.dstPort, e.dstPort);
    }
    check('network.transport', o.proto, e.proto);
    check('action', o.action, e.action);
  }
  return diffs;
}

/** The allow-list of deliberate differences of a format (empty when there is none). */
export function allowedDifferences(format: string): AllowedDifference[] {
  const path = join(fixturesDir, format, 'corpus-differences.json');
  if (!existsSync(path)) return [];
  return JSON.parse(readFileSync(path, 'utf8')) as AllowedDifference[];
}

/** Differences not in the allow-list, and allow-list entries that no longer differ. */
export function unexplained(diffs: readonly Difference[], allowed: readonly AllowedDifference[], files: readonly string[]): { unexpected: Difference[]; stale: AllowedDifference[] } {
  const key = (d: { file: string; line: number; field: string }): string => `${d.file}:${d.line}:${d.field}`;
  const allowedKeys = new Set(allowed.map(key));
  const diffKeys = new Set(diffs.map(key));
  return {
    unexpected: diffs.filter((d) => !allowedKeys.has(key(d))),
    stale: allowed.filter((a) => files.includes(a.file) && !diffKeys.has(key(a))),
  };
}
