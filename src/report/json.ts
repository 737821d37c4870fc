/**
 * The whole report as JSON (report/types.ts, docs/report-schema.md): the input of `drift`.
 *
 * `renderJsonChunks` gives the same text in pieces (one per service, finding, ...), so a report of
 * a hundred thousand services is written without ever holding its whole text: one string of
 * several hundred megabytes, and its encoded copy, used to be the largest thing in memory.
 *
 * `renderPlanJsonChunks` writes the same text from a report whose rows are not made yet
 * (build.ts ReportPlan): each service row is made, written and dropped in turn, and written by a
 * writer that knows its fields (`serviceJson`), in their order, instead of by JSON.stringify with
 * indentation, which was the largest cost of writing a report. Both give the text of
 * `JSON.stringify(report, null, 2)` byte for byte (test/perf/json-writer.test.ts).
 */
import type { ServiceAccumulator } from '../classify/aggregate.js';
import { findingEntry, serviceRow } from './build.js';
import type { ReportPlan } from './build.js';
import type { FindingEntry, Report, ServiceEnd, ServiceRow } from './types.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The text of `renderJson(report)`, in order, in pieces. */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* valueChunks(report, '', 0);
  yield '\n';
}

/** Objects and arrays down to this depth (the report, its sections, their lists) are written member by member; deeper values (one service, one finding) are one JSON.stringify each. */
const DESCEND_DEPTH = 1;

function isPlainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (typeof v !== 'object' || v === null) return false;
  // Objects with toJSON (dates) are left to JSON.stringify, which calls it.
  return typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * `JSON.stringify(v, null, 2)` as it prints at `depth` (two spaces per level): `v` is stringified
 * inside `depth` nested arrays, which indents it exactly so, and the arrays' brackets are cut off
 * (a slice, not a copy; re-indenting the text afterwards cost a third of the rendering).
 */
function leaf(v: unknown, depth: number): string | undefined {
  if (depth === 0) return JSON.stringify(v, null, 2) as string | undefined;
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  let wrapped: unknown = v;
  for (let d = 0; d < depth; d++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // `[\n  [\n    ` ... `\n  ]\n]`: 2 + 2k characters open level k, 2 + 2(k - 1) close it.
  return text.slice(2 * depth + depth * (depth + 1), text.length - (2 * depth + depth * (depth - 1)));
}

function* valueChunks(v: unknown, indent: string, depth: number): Generator<string> {
  if (depth > DESCEND_DEPTH || !isPlainContainer(v)) {
    yield leaf(v, depth) ?? 'null';
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < v.length; i++) {
      yield inner;
      // As JSON.stringify: undefined, functions and symbols in an array print as null.
      yield* valueChunks(v[i], inner, depth + 1);
      yield i < v.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(v)) {
    const value = v[key];
    // As JSON.stringify: members whose value has no JSON text are left out.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    yield first ? `{\n${inner}${JSON.stringify(key)}: ` : `,\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* valueChunks(value, inner, depth + 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}

/** The text of `renderJson(buildReport(...))` for the report `plan` stands for, in pieces. */
export function* renderPlanJsonChunks(plan: ReportPlan): Generator<string> {
  const members = plan.report as unknown as Record<string, unknown>;
  let first = true;
  for (const key of Object.keys(members)) {
    const value = members[key];
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    yield first ? `{\n  ${JSON.stringify(key)}: ` : `,\n  ${JSON.stringify(key)}: `;
    first = false;
    if (key === 'services') yield* listChunks(plan.services, plan.services.length, planRowJson);
    else if (key === 'findings') yield* listChunks(plan.services.filter((s) => s.finding !== 'ok'), plan.findings, (acc) => findingJson(findingEntry(acc), '    '));
    else yield* valueChunks(value, '  ', 1);
  }
  yield first ? '{}' : '\n}';
  yield '\n';
}

/** A service's row, written and dropped (its rule list is the service's own shared copy, whose text is cached). */
function planRowJson(acc: ServiceAccumulator): string {
  const row = serviceRow(acc);
  row.rules = acc.rules;
  return serviceJson(row, '    ');
}

/** A top-level array of the report written element by element (elements at depth 2). */
function* listChunks(items: readonly ServiceAccumulator[], count: number, one: (acc: ServiceAccumulator) => string): Generator<string> {
  if (count === 0) {
    yield '[]';
    return;
  }
  yield '[\n';
  const last = items.length - 1;
  for (let i = 0; i <= last; i++) yield `    ${one(items[i]!)}${i < last ? ',\n' : '\n'}`;
  yield '  ]';
}

/** JSON text of a string, with the texts that recur (reasons, labels) quoted once. */
const quotedCache = new Map<string, string>();
const QUOTED_CACHE_MAX = 4096;

function quoted(s: string): string {
  let q = quotedCache.get(s);
  if (q === undefined) {
    q = JSON.stringify(s);
    if (quotedCache.size < QUOTED_CACHE_MAX) quotedCache.set(s, q);
  }
  return q;
}

/**
 * The JSON text of a service's rule list, once per list: services keep one shared copy of each
 * list (aggregate.ts), and without an inventory a list names every rule that fits the port.
 */
const ruleListCache = new WeakMap<readonly string[], string>();

function ruleList(list: readonly string[], indent: string): string {
  if (list.length === 0) return '[]';
  if (indent !== SERVICE_MEMBER_INDENT) return stringList(list, indent);
  let text = ruleListCache.get(list);
  if (text === undefined) ruleListCache.set(list, (text = stringList(list, indent)));
  return text;
}

/** Where a service's members are indented in the report (services are elements of a top-level list). */
const SERVICE_MEMBER_INDENT = '      ';

/**
 * The JSON text of a value of a fixed vocabulary (findings, severities, outcomes, ...): their
 * words are plain ASCII letters and hyphens, which JSON writes as they are.
 */
function word(s: string): string {
  return `"${s}"`;
}

function nullableText(s: string | null): string {
  return s === null ? 'null' : JSON.stringify(s);
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

function stringList(list: readonly string[], indent: string): string {
  if (list.length === 0) return '[]';
  const inner = `${indent}  `;
  let out = '[';
  for (let i = 0; i < list.length; i++) out += `${i === 0 ? '\n' : ',\n'}${inner}${JSON.stringify(list[i])}`;
  return `${out}\n${indent}]`;
}

function numberList(list: readonly number[], indent: string): string {
  if (list.length === 0) return '[]';
  const inner = `${indent}  `;
  let out = '[';
  for (let i = 0; i < list.length; i++) out += `${i === 0 ? '\n' : ',\n'}${inner}${num(list[i]!)}`;
  return `${out}\n${indent}]`;
}

/**
 * `JSON.stringify(v, null, 2)` as it prints at `indent`, for plain data (objects, arrays, strings,
 * numbers, booleans, null); anything else (toJSON, bigint) is left to JSON.stringify. Undefined
 * when `v` has no JSON text.
 */
function plainJson(v: unknown, indent: string): string | undefined {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return num(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object':
      break;
    default:
      return leaf(v, indent.length / 2);
  }
  if (!isPlainContainer(v)) return leaf(v, indent.length / 2);
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = '[';
    for (let i = 0; i < v.length; i++) out += `${i === 0 ? '\n' : ',\n'}${inner}${plainJson(v[i], inner) ?? 'null'}`;
    return `${out}\n${indent}]`;
  }
  let out = '';
  for (const key of Object.keys(v)) {
    const text = plainJson(v[key], inner);
    if (text === undefined) continue;
    out += `${out === '' ? '{\n' : ',\n'}${inner}${JSON.stringify(key)}: ${text}`;
  }
  return out === '' ? '{}' : `${out}\n${indent}}`;
}

function endJson(e: ServiceEnd, indent: string): string {
  const i = `${indent}  `;
  return (
    `{\n${i}"label": ${JSON.stringify(e.label)},\n${i}"kind": ${word(e.kind)},\n${i}"product": ${e.product === null ? 'null' : quoted(e.product)},\n` +
    `${i}"role": ${e.role === null ? 'null' : quoted(e.role)},\n${i}"addresses": ${stringList(e.addresses, i)},\n${i}"addressCount": ${num(e.addressCount)}\n${indent}}`
  );
}

/**
 * `JSON.stringify(row, null, 2)` as it prints at `indent`: the fields of ServiceRow in their order
 * (report/types.ts, the order build.ts makes them in).
 */
export function serviceJson(row: ServiceRow, indent: string): string {
  const i = `${indent}  `;
  const ii = `${i}  `;
  let denied = '[]';
  if (row.deniedBy.length > 0) {
    denied = '[';
    for (const d of row.deniedBy) {
      denied += `${denied === '[' ? '\n' : ',\n'}${ii}{\n${ii}  "source": ${quoted(d.source)},\n${ii}  "rule": ${d.rule === null ? 'null' : quoted(d.rule)},\n${ii}  "flows": ${num(d.flows)}\n${ii}}`;
    }
    denied += `\n${i}]`;
  }
  let examples = '[]';
  if (row.examples.length > 0) {
    examples = '[';
    const e3 = `${ii}  `;
    for (const e of row.examples) {
      examples +=
        `${examples === '[' ? '\n' : ',\n'}${ii}{\n${e3}"flow": ${JSON.stringify(e.flow)},\n${e3}"client": ${JSON.stringify(e.client)},\n${e3}"server": ${JSON.stringify(e.server)},\n` +
        `${e3}"first": ${JSON.stringify(e.first)},\n${e3}"outcome": ${word(e.outcome)},\n${e3}"finding": ${word(e.finding)},\n` +
        `${e3}"evidence": ${plainJson(e.evidence, e3) ?? 'null'},\n${e3}"reason": ${quoted(e.reason)}\n${ii}}`;
    }
    examples += `\n${i}]`;
  }
  return (
    `{\n${i}"key": ${JSON.stringify(row.key)},\n${i}"client": ${endJson(row.client, i)},\n${i}"server": ${endJson(row.server, i)},\n` +
    `${i}"proto": ${quoted(row.proto)},\n${i}"port": ${row.port === null ? 'null' : num(row.port)},\n${i}"keyRule": ${row.keyRule === null ? 'null' : quoted(row.keyRule)},\n` +
    `${i}"finding": ${word(row.finding)},\n${i}"severity": ${word(row.severity)},\n${i}"status": ${word(row.status)},\n${i}"reachability": ${word(row.reachability)},\n` +
    `${i}"rules": ${ruleList(row.rules, i)},\n${i}"wrongDirection": ${nullableText(row.wrongDirection)},\n${i}"confidence": ${row.confidence === null ? 'null' : word(row.confidence)},\n` +
    `${i}"reason": ${quoted(row.reason)},\n${i}"flows": ${num(row.flows)},\n${i}"flowsByFinding": ${plainJson(row.flowsByFinding, i) ?? 'null'},\n${i}"outcomes": ${plainJson(row.outcomes, i) ?? 'null'},\n` +
    `${i}"allowed": ${num(row.allowed)},\n${i}"blocked": ${num(row.blocked)},\n${i}"packets": ${num(row.packets)},\n${i}"bytes": ${num(row.bytes)},\n` +
    `${i}"bytesToServer": ${num(row.bytesToServer)},\n${i}"bytesToClient": ${num(row.bytesToClient)},\n${i}"first": ${JSON.stringify(row.first)},\n${i}"last": ${JSON.stringify(row.last)},\n` +
    `${i}"serverPorts": {\n${ii}"count": ${num(row.serverPorts.count)},\n${ii}"ports": ${numberList(row.serverPorts.ports, ii)}\n${i}},\n` +
    `${i}"deniedBy": ${denied},\n${i}"examples": ${examples}\n${indent}}`
  );
}

/** `JSON.stringify(entry, null, 2)` as it prints at `indent` (FindingEntry's fields in their order). */
export function findingJson(f: FindingEntry, indent: string): string {
  const i = `${indent}  `;
  return (
    `{\n${i}"key": ${JSON.stringify(f.key)},\n${i}"finding": ${word(f.finding)},\n${i}"severity": ${word(f.severity)},\n${i}"reachability": ${word(f.reachability)},\n` +
    `${i}"flows": ${num(f.flows)},\n${i}"first": ${JSON.stringify(f.first)},\n${i}"last": ${JSON.stringify(f.last)},\n${i}"reason": ${quoted(f.reason)}\n${indent}}`
  );
}
