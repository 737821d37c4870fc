// Logs conformance: portolan's log reader against the expected parses that other projects' test
// suites give for the sample logs in $corpus/logs (see $corpus/MANIFEST.md and docs/conformance.md).
//
// Expected parses:
//   <dir>/<log>.expected-flows.jsonl  one JSON object per input line (`line`), ECS fields of the
//                                     expected document: source.ip/port, destination.ip/port,
//                                     network.transport or network.iana_number, event.action/type/outcome
//   logstash-patterns-core/expected-asserted-ecs.tsv
//                                     per sample line: the values the upstream spec asserts ("-" = not asserted)
// For every line that carries a flow (an expected source or destination address), the reader's
// observations of that line must agree on addresses, ports, protocol and action (each where the
// expectation states it). A line may instead be listed, with its reason, in logs-allow.json:
//   accept "reversed": portolan puts the initiator first where the expectation keeps the printed
//                      order; the endpoints must then match swapped (still checked)
//   accept "no-flow":  portolan reads no flow from the line (checked: it must give none)
// Logs without an expected parse are read too and reported (lines, observations, bad lines).
//
// Imports the built library: run `npm run build` first.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', '..', 'dist');

async function loadLibrary() {
  const need = ['ingest/open.js', 'ingest/logs/read.js', 'ingest/logs/fields.js', 'anomalies.js'];
  for (const n of need) if (!existsSync(join(dist, n))) return { missing: n };
  const imp = (n) => import(pathToFileURL(join(dist, n)).href);
  const [open, read, fields, anomalies] = await Promise.all(need.map(imp));
  return { openInput: open.openInput, readLog: read.readLog, canonicalIp: fields.canonicalIp, protoNumber: fields.protoNumber, AnomalyLog: anomalies.AnomalyLog };
}

const OPTIONS = { prefixActions: [], assumeYear: 2018, utcOffsetMinutes: 0 };

/** Reads one log with sniffing, as `portolan analyze` would; observations grouped by line. */
async function readOne(lib, path) {
  const input = await lib.openInput(path);
  const anomalies = new lib.AnomalyLog();
  const byLine = new Map();
  const notAddresses = [];
  let observations = 0;
  try {
    const stats = await lib.readLog(input, OPTIONS, (o) => {
      observations++;
      // Endpoint.ip is canonical address text by contract; note any other value.
      for (const ip of [o.src, o.dst]) if (lib.canonicalIp(ip) !== ip) notAddresses.push(`line ${o.evidence?.line ?? '?'}: "${ip}"`);
      const line = o.evidence?.line;
      if (line === undefined) return;
      let list = byLine.get(line);
      if (list === undefined) byLine.set(line, (list = []));
      list.push(o);
    }, anomalies);
    return { stats, byLine, observations, notAddresses, error: undefined };
  } catch (e) {
    return { stats: undefined, byLine, observations, notAddresses, error: e instanceof Error ? e.message : String(e) };
  } finally {
    input.close();
  }
}

const DENY_RE = /(^|[^a-z])(drop|deny|denied|reject|block)/i;
const ALLOW_RE = /(^|[^a-z])(accept|allow|permit|pass)/i;

/** Expected action from ECS fields, or undefined when the expectation does not state one. */
function expectedAction(doc) {
  const types = Array.isArray(doc['event.type']) ? doc['event.type'] : [];
  if (types.includes('denied')) return 'denied';
  if (types.includes('allowed')) return 'allowed';
  const action = doc['event.action'];
  if (typeof action === 'string') {
    if (DENY_RE.test(action)) return 'denied';
    if (ALLOW_RE.test(action)) return 'allowed';
  }
  return undefined;
}

function expectedProto(lib, transport, iana) {
  if (iana !== undefined && iana !== null && iana !== '' && iana !== '-') return Number(iana);
  if (typeof transport === 'string' && transport !== '' && transport !== '-') {
    const n = lib.protoNumber(transport);
    return n === undefined || n < 0 ? transport : n;
  }
  return undefined;
}

/** An expectation: only the fields it states. */
function makeExpectation(lib, e) {
  const out = {};
  const ip = (v) => (typeof v === 'string' && v !== '-' && v !== '' ? (lib.canonicalIp(v) ?? v) : undefined);
  const port = (v) => (v === undefined || v === null || v === '-' || v === '' ? undefined : Number(v));
  const s = ip(e.srcIp);
  const d = ip(e.dstIp);
  if (s !== undefined) out.src = s;
  if (d !== undefined) out.dst = d;
  const sp = port(e.srcPort);
  const dp = port(e.dstPort);
  if (sp !== undefined) out.srcPort = sp;
  if (dp !== undefined) out.dstPort = dp;
  const proto = expectedProto(lib, e.transport, e.iana);
  if (proto !== undefined) out.proto = proto;
  if (e.action !== undefined) out.action = e.action;
  return out;
}

function mismatches(exp, o, reversed) {
  const got = reversed ? { src: o.dst, srcPort: o.dstPort, dst: o.src, dstPort: o.srcPort, proto: o.proto, action: o.action } : o;
  const bad = [];
  for (const k of ['src', 'srcPort', 'dst', 'dstPort', 'proto', 'action']) {
    if (exp[k] !== undefined && exp[k] !== got[k]) bad.push(k);
  }
  return bad;
}

function describeExpectation(e) {
  const ep = (ip, port) => (ip === undefined ? '?' : ip.includes(':') ? `[${ip}]` : ip) + (port === undefined ? '' : `:${port}`);
  return `${e.proto ?? '?'} ${ep(e.src, e.srcPort)} → ${ep(e.dst, e.dstPort)}${e.action === undefined ? '' : ` ${e.action}`}`;
}

function describeObservation(o) {
  const ep = (ip, port) => (ip.includes(':') ? `[${ip}]` : ip) + `:${port}`;
  return `${o.proto} ${ep(o.src, o.srcPort)} → ${ep(o.dst, o.dstPort)} ${o.action} (${o.format})`;
}

/** Loads the allow-list: Map "<file>:<line>" → { accept, reason }. */
function loadAllowList(log) {
  const path = join(here, 'logs-allow.json');
  if (!existsSync(path)) return new Map();
  const doc = JSON.parse(readFileSync(path, 'utf8'));
  const map = new Map();
  for (const e of doc.entries ?? []) {
    if (typeof e.reason !== 'string' || e.reason.trim().length === 0) {
      log(`logs-allow.json: entry for ${e.file}:${e.line} has no reason; ignored`);
      continue;
    }
    if (e.accept !== 'reversed' && e.accept !== 'no-flow') {
      log(`logs-allow.json: entry for ${e.file}:${e.line} has accept "${e.accept}" (reversed or no-flow); ignored`);
      continue;
    }
    for (const line of Array.isArray(e.lines) ? e.lines : [e.line]) map.set(`${e.file}:${line}`, { accept: e.accept, reason: e.reason });
  }
  return map;
}

/** Expected parses found in the corpus: Map relative-log-path → Map line → expectation. */
function loadExpectations(lib, logsDir) {
  const byFile = new Map();
  for (const dir of readdirSync(logsDir).sort()) {
    const d = join(logsDir, dir);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d).sort()) {
      if (!f.endsWith('.expected-flows.jsonl')) continue;
      const logName = `${dir}/${f.slice(0, -'.expected-flows.jsonl'.length)}`;
      const lines = new Map();
      for (const text of readFileSync(join(d, f), 'utf8').split('\n')) {
        if (text.trim() === '') continue;
        const doc = JSON.parse(text);
        if (doc['source.ip'] === undefined && doc['destination.ip'] === undefined) continue; // no flow on this line
        lines.set(doc.line, makeExpectation(lib, {
          srcIp: doc['source.ip'], srcPort: doc['source.port'], dstIp: doc['destination.ip'], dstPort: doc['destination.port'],
          transport: doc['network.transport'], iana: doc['network.iana_number'], action: expectedAction(doc),
        }));
      }
      byFile.set(logName, lines);
    }
  }
  const tsv = join(logsDir, 'logstash-patterns-core', 'expected-asserted-ecs.tsv');
  if (existsSync(tsv)) {
    const rows = readFileSync(tsv, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const header = rows[0].split('\t');
    const col = (name) => header.indexOf(name);
    for (const row of rows.slice(1)) {
      const c = row.split('\t');
      if (c[col('expect')] !== 'match') continue; // the spec asserts the pattern does not match: no values
      const srcIp = c[col('source.ip')];
      const dstIp = c[col('destination.ip')];
      if (srcIp === '-' && dstIp === '-') continue; // nothing about a flow is asserted
      const logName = `logstash-patterns-core/${c[col('file')]}`;
      let lines = byFile.get(logName);
      if (lines === undefined) byFile.set(logName, (lines = new Map()));
      lines.set(Number(c[col('line')]), makeExpectation(lib, {
        srcIp, srcPort: c[col('source.port')], dstIp, dstPort: c[col('destination.port')], transport: c[col('transport')], iana: c[col('iana_number')],
      }));
    }
  }
  return byFile;
}

function countLines(path) {
  const text = readFileSync(path, 'utf8');
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

export async function run({ corpus, log }) {
  const logsDir = join(corpus, 'logs');
  if (!existsSync(logsDir)) {
    log(`logs: no ${logsDir}`);
    return false;
  }
  const lib = await loadLibrary();
  if (lib.missing !== undefined) {
    log(`logs: dist/${lib.missing} not found: run \`npm run build\` first`);
    return false;
  }
  const allow = loadAllowList(log);
  const used = new Set();
  const expectations = loadExpectations(lib, logsDir);
  let ok = true;
  let agreeTotal = 0;
  let checkedTotal = 0;

  log('logs: expected parses');
  for (const [logName, lines] of [...expectations].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const path = join(logsDir, logName);
    const r = await readOne(lib, path);
    let agree = 0;
    let allowed = 0;
    const notes = [];
    for (const [line, exp] of [...lines].sort((a, b) => a[0] - b[0])) {
      const key = `${logName}:${line}`;
      const entry = allow.get(key);
      const got = r.byLine.get(line) ?? [];
      const direct = got.find((o) => mismatches(exp, o, false).length === 0);
      if (direct !== undefined) {
        agree++;
        if (entry !== undefined) notes.push(`  line ${line}: agrees; allow-list entry (${entry.accept}) no longer needed`);
        continue;
      }
      if (entry !== undefined) {
        used.add(key);
        if (entry.accept === 'reversed' && got.some((o) => mismatches(exp, o, true).length === 0)) {
          agree++;
          allowed++;
          continue;
        }
        if (entry.accept === 'no-flow' && got.length === 0) {
          agree++;
          allowed++;
          continue;
        }
      }
      const first = got[0];
      const detail =
        first === undefined
          ? `no observation${r.error !== undefined ? ` (${r.error})` : ''}`
          : `${describeObservation(first)} [${mismatches(exp, first, false).join(', ')} differ]${got.length > 1 ? ` (+${got.length - 1} more)` : ''}`;
      notes.push(`  line ${line}: expected ${describeExpectation(exp)}; got ${detail}${entry !== undefined ? ` — allow-listed as ${entry.accept}, which does not hold` : ''}`);
    }
    const total = lines.size;
    agreeTotal += agree;
    checkedTotal += total;
    if (agree < total) ok = false;
    const fmt = r.stats?.format ?? 'not read';
    log(`${logName}: ${agree}/${total} lines agree${allowed > 0 ? ` (${allowed} by the allow-list)` : ''} [${fmt}]`);
    for (const n of notes) log(n);
    if (r.notAddresses.length > 0) log(`  note: endpoints that are not canonical addresses: ${r.notAddresses.join('; ')}`);
  }
  for (const key of allow.keys()) {
    const file = key.slice(0, key.lastIndexOf(':'));
    if (!expectations.has(file)) log(`  allow-list entry ${key}: no such expected line`);
  }

  log('logs: samples without an expected parse (informational)');
  for (const dir of readdirSync(logsDir).sort()) {
    const d = join(logsDir, dir);
    if (!statSync(d).isDirectory()) continue;
    for (const f of readdirSync(d).sort()) {
      if (f.endsWith('.jsonl') || f.endsWith('.tsv')) continue;
      const logName = `${dir}/${f}`;
      if (expectations.has(logName)) continue;
      const path = join(d, f);
      const r = await readOne(lib, path);
      if (r.error !== undefined) {
        log(`${logName}: ${countLines(path)} lines; not read: ${r.error.replace(path, relative(corpus, path))}`);
        continue;
      }
      const s = r.stats;
      if (r.notAddresses.length > 0) log(`  note: endpoints that are not canonical addresses: ${r.notAddresses.join('; ')}`);
      // Document formats are not framed into lines by the reader: count the file's lines here.
      const lines = s.lines > 0 ? s.lines : countLines(path);
      log(`${logName}: ${lines} lines read, ${r.observations} observations, ${s.badLines} bad lines, ${s.skipped} skipped [${s.format}]${s.badReasons.length > 0 ? ` bad: ${s.badReasons.map((b) => `${b.code}×${b.count} (lines ${b.lines.join(',')})`).join('; ')}` : ''}`);
    }
  }

  log(`logs: ${agreeTotal}/${checkedTotal} lines agree overall — ${ok ? 'pass' : 'FAIL'}`);
  return ok;
}
