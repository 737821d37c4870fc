/**
 * Helpers for the log-format tests: read a file (or a string) through `readLog`, and print
 * observations in a fixed key order for golden files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AnomalyLog } from '../../src/anomalies.js';
import type { AnomalySummary, Observation } from '../../src/model.js';
import { openInput } from '../../src/ingest/open.js';
import type { LogOptions } from '../../src/ingest/logs/format.js';
import { readLog } from '../../src/ingest/logs/read.js';
import type { LogStats, ReadLogOptions } from '../../src/ingest/logs/read.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(repoRoot, 'fixtures', 'logs');
export const corpusDir = resolve(process.env.PORTOLAN_CORPUS ?? join(repoRoot, '..', 'shared', 'corpus'));
export const corpusLogs = join(corpusDir, 'logs');
export const haveCorpus = existsSync(corpusLogs);

export const BASE_OPTIONS: LogOptions = { prefixActions: [], assumeYear: 2024, utcOffsetMinutes: 0 };

export interface ReadResult {
  observations: Observation[];
  stats: LogStats;
  anomalies: AnomalySummary[];
}

/** Reads a file with `readLog`; the evidence file name is the path relative to the repository. */
export async function readLogFile(path: string, options: Partial<ReadLogOptions> = {}): Promise<ReadResult> {
  const input = await openInput(path);
  const name = path.startsWith(repoRoot) ? relative(repoRoot, path) : path;
  const named = { ...input, name };
  const observations: Observation[] = [];
  const anomalies = new AnomalyLog();
  try {
    const stats = await readLog(named, { ...BASE_OPTIONS, ...options }, (o) => observations.push(o), anomalies);
    return { observations, stats, anomalies: anomalies.summary() };
  } finally {
    input.close();
  }
}

/** Writes `text` to a fresh temporary file and reads it. */
export async function readLogText(text: string | Buffer, options: Partial<ReadLogOptions> = {}, fileName = 'input.log'): Promise<ReadResult & { path: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-logs-'));
  const path = join(dir, fileName);
  writeFileSync(path, text);
  const r = await readLogFile(path, options);
  return { ...r, path };
}

/** Options of a fixture case from its sidecar `<case>.options.json`, if any. */
export function caseOptions(logPath: string): Partial<ReadLogOptions> {
  const side = logPath.replace(/\.log$/, '.options.json');
  if (!existsSync(side)) return {};
  const raw: unknown = JSON.parse(readFileSync(side, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${side}: not an object`);
  return raw as Partial<ReadLogOptions>;
}

/** Observation fields in the order of `src/model.ts`; anything else after, sorted. */
const KEY_ORDER = [
  'tsSec',
  'tsNsec',
  'proto',
  'src',
  'srcPort',
  'dst',
  'dstPort',
  'action',
  'kind',
  'initiatorKnown',
  'tcpFlags',
  'icmpType',
  'icmpCode',
  'quoted',
  'packets',
  'bytes',
  'endSec',
  'endNsec',
  'rule',
  'direction',
  'interface',
  'endReason',
  'connId',
  'format',
  'evidence',
];

function ordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(ordered);
  if (typeof value !== 'object' || value === null) return value;
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec);
  const known = KEY_ORDER.filter((k) => k in rec);
  const rest = keys.filter((k) => !KEY_ORDER.includes(k)).sort();
  const out: Record<string, unknown> = {};
  for (const k of [...known, ...rest]) out[k] = ordered(rec[k]);
  return out;
}

/** One observation per line, keys in a fixed order. */
export function toJsonl(observations: readonly Observation[]): string {
  return observations.map((o) => JSON.stringify(ordered(o))).join('\n') + (observations.length > 0 ? '\n' : '');
}

/** Stats and anomalies as stable, reviewable JSON. */
export function statsJson(r: ReadResult): string {
  return JSON.stringify({ stats: r.stats, anomalies: r.anomalies }, null, 2) + '\n';
}
