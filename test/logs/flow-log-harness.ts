/**
 * Runs one log format over a text and renders what it gave as deterministic JSON lines, for the
 * golden fixtures of the cloud, host and flow-log formats (fixtures/logs/<format>/<case>.*).
 * Each result is one line: an observation (keys in the order of `Observation` in model.ts),
 * `{"line":N,"skip":reason}` or `{"line":N,"bad":code,"message":...}`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Observation } from '../../src/model.js';
import type { DocumentFormat, LineFormat, LogFormat, LogOptions } from '../../src/ingest/logs/format.js';
import { DEFAULT_LOG_OPTIONS } from '../../src/ingest/logs/format.js';
import { AnomalyLog } from '../../src/anomalies.js';
import { openInput } from '../../src/ingest/open.js';
import type { LogStats } from '../../src/ingest/logs/read.js';
import { readLog } from '../../src/ingest/logs/read.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const corpusRoot = resolve(process.env['PORTOLAN_CORPUS'] ?? join(repoRoot, '..', 'shared', 'corpus'));
export const hasCorpus = existsSync(join(corpusRoot, 'logs'));

/** Fixed options for fixtures: no dependence on the current year or the machine's zone. */
export const FIXTURE_OPTIONS: LogOptions = { ...DEFAULT_LOG_OPTIONS, assumeYear: 2024, utcOffsetMinutes: 0 };

const OBSERVATION_KEYS: readonly (keyof Observation)[] = [
  'tsSec', 'tsNsec', 'proto', 'src', 'srcPort', 'dst', 'dstPort', 'action', 'kind', 'initiatorKnown', 'tcpFlags',
  'icmpType', 'icmpCode', 'quoted', 'packets', 'bytes', 'endSec', 'endNsec', 'rule', 'direction', 'interface',
  'connId', 'connState', 'format', 'evidence',
];

/** An observation with its keys in a fixed order (nested objects too). */
export function orderObservation(o: Observation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const known = new Set<string>(OBSERVATION_KEYS);
  for (const k of OBSERVATION_KEYS) {
    const v = o[k];
    if (v === undefined) continue;
    if (k === 'packets' || k === 'bytes') {
      const c = v as { out?: number; back?: number; total?: number };
      const n: Record<string, number> = {};
      if (c.out !== undefined) n['out'] = c.out;
      if (c.back !== undefined) n['back'] = c.back;
      if (c.total !== undefined) n['total'] = c.total;
      out[k] = n;
    } else if (k === 'evidence') {
      const e = v as Observation['evidence'];
      const n: Record<string, unknown> = { file: e.file };
      if (e.line !== undefined) n['line'] = e.line;
      if (e.offset !== undefined) n['offset'] = e.offset;
      out[k] = n;
    } else out[k] = v;
  }
  for (const k of Object.keys(o)) if (!known.has(k)) out[k] = (o as unknown as Record<string, unknown>)[k];
  return out;
}

export interface RunResult {
  observations: Observation[];
  skips: Array<{ line: number; reason: string }>;
  /** `where`: the line (line formats), or what a document format names: `<line>` or `<line> (<JSON path>)`. */
  bad: Array<{ where: string; code: string; message: string }>;
  /** Every result in order, one JSON text each. */
  rendered: string[];
}

/** Runs a line format over `text` (split at LF, CR stripped), as the reader would with a forced format. */
export function runLineFormat(format: LineFormat, text: string, file: string, options: LogOptions = FIXTURE_OPTIONS): RunResult {
  const parse = format.createParser({ file, options });
  const res: RunResult = { observations: [], skips: [], bad: [], rendered: [] };
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const r = parse(line, { file, line: lineNo, options });
    const list = Array.isArray(r) ? r : 'skip' in r || 'error' in r ? [] : [r];
    if (!Array.isArray(r) && 'skip' in r) {
      res.skips.push({ line: lineNo, reason: r.skip });
      res.rendered.push(JSON.stringify({ line: lineNo, skip: r.skip }));
    } else if (!Array.isArray(r) && 'error' in r) {
      res.bad.push({ where: String(lineNo), code: r.code, message: r.error });
      res.rendered.push(JSON.stringify({ line: lineNo, bad: r.code, message: r.error }));
    }
    for (const o of list) {
      res.observations.push(o);
      res.rendered.push(JSON.stringify(orderObservation(o)));
    }
  });
  return res;
}

/** Feeds `data` to a document format in chunks of `chunkBytes` (small chunks exercise the streaming). */
export async function runDocumentFormat(
  format: DocumentFormat,
  data: Buffer,
  file: string,
  chunkBytes = 7,
  options: LogOptions = FIXTURE_OPTIONS,
): Promise<RunResult> {
  const res: RunResult = { observations: [], skips: [], bad: [], rendered: [] };
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let i = 0; i < data.length; i += chunkBytes) yield data.subarray(i, i + chunkBytes);
  }
  await format.readDocument(
    chunks(),
    { file, options },
    (o) => {
      res.observations.push(o);
      res.rendered.push(JSON.stringify(orderObservation(o)));
    },
    (code, message, where) => {
      res.bad.push({ where, code, message });
      res.rendered.push(JSON.stringify({ where, bad: code, message }));
    },
  );
  return res;
}

export async function runFormat(format: LogFormat, data: Buffer, file: string, options: LogOptions = FIXTURE_OPTIONS): Promise<RunResult> {
  return format.kind === 'lines' ? runLineFormat(format, data.toString('utf8'), file, options) : runDocumentFormat(format, data, file, 7, options);
}

/** The golden cases of one format: `<case>.<ext>` inputs beside `<case>.expected.jsonl` (and an optional `<case>.options.json`). */
export function fixtureCases(format: string): Array<{ name: string; input: string; expected: string; options: LogOptions }> {
  const dir = join(repoRoot, 'fixtures', 'logs', format);
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).sort();
  const cases: Array<{ name: string; input: string; expected: string; options: LogOptions }> = [];
  for (const f of files) {
    if (f.endsWith('.expected.jsonl') || f.endsWith('.options.json')) continue;
    const name = f.replace(/\.[^.]+$/, '');
    const optionsFile = join(dir, `${name}.options.json`);
    const extra = existsSync(optionsFile) ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as Partial<LogOptions>) : {};
    cases.push({ name, input: join(dir, f), expected: join(dir, `${name}.expected.jsonl`), options: { ...FIXTURE_OPTIONS, ...extra } });
  }
  return cases;
}

/** The path printed in fixtures' evidence: relative to the repository, so goldens do not depend on the checkout. */
export function fixtureFileName(input: string): string {
  return input.slice(repoRoot.length + 1);
}

/** Reads a file through the real reader (`openInput` + `readLog`, sniffing unless `forceFormat`). */
export async function readWithReader(
  path: string,
  options: LogOptions = FIXTURE_OPTIONS,
  forceFormat?: string,
): Promise<{ stats: LogStats; observations: Observation[]; anomalies: AnomalyLog }> {
  const input = await openInput(path);
  const anomalies = new AnomalyLog();
  const observations: Observation[] = [];
  try {
    const stats = await readLog(input, { ...options, ...(forceFormat === undefined ? {} : { forceFormat }) }, (o) => observations.push(o), anomalies);
    return { stats, observations, anomalies };
  } finally {
    input.close();
  }
}
