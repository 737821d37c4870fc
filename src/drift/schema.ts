/**
 * The report schema as drift reads it (report/types.ts, docs/report-schema.md): which fields it
 * needs, how it checks them, and how a report of an older `schemaVersion` is upgraded to the
 * current one before it is checked.
 *
 * Reports are read as plain JSON first (read.ts); this file is the one boundary where JSON
 * becomes typed records. Fields drift does not know are ignored (the report contract lets new
 * optional fields appear within a version).
 *
 * Adding schemaVersion N+1 to portolan means: one entry in `UPGRADES` that turns an N header and
 * an N service row into N+1 ones, and a `fixtures/drift/schema-vN.json` kept for good.
 */
import type { ProtoName } from '../model.js';
import type { DocStatus, Finding, Severity } from '../classify/types.js';
import { DOC_STATUSES, FINDING_ORDER, REPORT_SCHEMA_VERSION, SEVERITIES } from '../report/types.js';
import type { LimitHit, ReportCommand, ReportOrdering, ReportTotals, ServiceReachability } from '../report/types.js';
import type { RunInput, RunProduct, ServiceSummary } from './types.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export type JsonObject = { [key: string]: JsonValue };

/** A report's fields other than `services`, as read. */
export type RawHeader = JsonObject;

/** Turns a report of `from` into one of `from + 1`. Pure; may return its argument changed. */
export interface SchemaUpgrade {
  from: number;
  header(header: RawHeader): RawHeader;
  service(row: JsonObject): JsonObject;
}

/**
 * Upgrades in order: `UPGRADES[i].from === i + 1`. Empty while version 1 is the only one.
 * A test checks that every version from 1 to the current one has a fixture that still reads.
 */
export const UPGRADES: readonly SchemaUpgrade[] = [];

export const CURRENT_SCHEMA_VERSION: number = REPORT_SCHEMA_VERSION;

/** The upgrades a report of `version` goes through, oldest first. */
export function upgradesFrom(version: number): readonly SchemaUpgrade[] {
  return UPGRADES.slice(version - 1);
}

/** A report that does not satisfy the schema: `where` is a JSON path (`services[3].finding`). */
export class SchemaViolation extends Error {
  readonly where: string;
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'SchemaViolation';
    this.where = where;
  }
}

// ---------------------------------------------------------------------------------------------
// Field readers. Each names the path of the field in its complaint.
// ---------------------------------------------------------------------------------------------

function describe(v: JsonValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

export function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function object(o: JsonObject, field: string, at: string): JsonObject {
  const v = o[field];
  if (!isObject(v)) throw new SchemaViolation(join(at, field), v === undefined ? 'missing' : `expected an object, found ${describe(v)}`);
  return v;
}

function array(o: JsonObject, field: string, at: string): JsonValue[] {
  const v = o[field];
  if (!Array.isArray(v)) throw new SchemaViolation(join(at, field), v === undefined ? 'missing' : `expected an array, found ${describe(v)}`);
  return v;
}

function string(o: JsonObject, field: string, at: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw new SchemaViolation(join(at, field), v === undefined ? 'missing' : `expected a string, found ${describe(v)}`);
  return v;
}

function stringOr(o: JsonObject, field: string, at: string, fallback: string): string {
  return o[field] === undefined ? fallback : string(o, field, at);
}

function nullableString(o: JsonObject, field: string, at: string): string | null {
  const v = o[field];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new SchemaViolation(join(at, field), `expected a string or null, found ${describe(v)}`);
  return v;
}

function count(o: JsonObject, field: string, at: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new SchemaViolation(join(at, field), v === undefined ? 'missing' : `expected a count (a number ≥ 0), found ${describe(v)}`);
  }
  return v;
}

function countOr(o: JsonObject, field: string, at: string, fallback: number): number {
  return o[field] === undefined ? fallback : count(o, field, at);
}

function oneOf<T extends string>(o: JsonObject, field: string, at: string, allowed: readonly T[]): T {
  const v = o[field];
  if (typeof v === 'string') {
    for (const a of allowed) if (a === v) return a;
  }
  throw new SchemaViolation(
    join(at, field),
    v === undefined ? 'missing' : `${describe(v)} is not one of ${allowed.join(', ')}`,
  );
}

function join(at: string, field: string): string {
  return at.length === 0 ? field : `${at}.${field}`;
}

const REACH: readonly ServiceReachability[] = ['allowed', 'blocked', 'mixed'];
const COMMANDS: readonly ReportCommand[] = ['analyze', 'audit'];
const ORDERINGS: readonly ReportOrdering[] = ['severity', 'firewall-review'];
const PROTO = /^(?:tcp|udp|icmp|icmpv6|sctp|ip-\d{1,3})$/;

// ---------------------------------------------------------------------------------------------
// Service rows.
// ---------------------------------------------------------------------------------------------

function endLabel(row: JsonObject, field: 'client' | 'server', at: string): string {
  const v = row[field];
  if (v === undefined) return '';
  if (!isObject(v)) throw new SchemaViolation(join(at, field), `expected an object, found ${describe(v)}`);
  return string(v, 'label', join(at, field));
}

function deniedByTexts(row: JsonObject, at: string): string[] {
  const v = row['deniedBy'];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SchemaViolation(join(at, 'deniedBy'), `expected an array, found ${describe(v)}`);
  const out: string[] = [];
  for (let i = 0; i < v.length && out.length < 3; i++) {
    const d = v[i];
    const p = `${at}.deniedBy[${i}]`;
    if (!isObject(d)) throw new SchemaViolation(p, `expected an object, found ${describe(d)}`);
    const source = string(d, 'source', p);
    const rule = nullableString(d, 'rule', p);
    out.push(rule === null ? source : `${source} "${rule}"`);
  }
  return out;
}

function stringList(o: JsonObject, field: string, at: string): string[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new SchemaViolation(join(at, field), `expected an array, found ${describe(v)}`);
  return v.map((s, i) => {
    if (typeof s !== 'string') throw new SchemaViolation(`${join(at, field)}[${i}]`, `expected a string, found ${describe(s)}`);
    return s;
  });
}

/**
 * Checks one service row of the current schema and keeps what drift uses. Required: `key`,
 * `proto`, `finding`, `severity`, `status`, `reachability`, `flows`, `bytes`, `first`, `last`;
 * the rest is shown when present.
 */
export function toServiceSummary(row: JsonValue, at: string): ServiceSummary {
  if (!isObject(row)) throw new SchemaViolation(at, `expected a service object, found ${describe(row)}`);
  const key = string(row, 'key', at);
  if (key.length === 0) throw new SchemaViolation(join(at, 'key'), 'is empty');
  const proto = string(row, 'proto', at);
  if (!PROTO.test(proto)) throw new SchemaViolation(join(at, 'proto'), `${describe(proto)} is not a protocol name`);
  const port = row['port'];
  if (port !== undefined && port !== null && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new SchemaViolation(join(at, 'port'), `expected a port number or null, found ${describe(port)}`);
  }
  const finding: Finding = oneOf(row, 'finding', at, FINDING_ORDER);
  const severity: Severity = oneOf(row, 'severity', at, SEVERITIES);
  const status: DocStatus = oneOf(row, 'status', at, DOC_STATUSES);
  const reachability = oneOf(row, 'reachability', at, REACH);
  const flows = count(row, 'flows', at);
  return {
    key,
    client: endLabel(row, 'client', at),
    server: endLabel(row, 'server', at),
    // The PROTO pattern above is exactly ProtoName's shape.
    proto: proto as ProtoName,
    port: typeof port === 'number' ? port : null,
    keyRule: nullableString(row, 'keyRule', at),
    finding,
    severity,
    status,
    reachability,
    rules: stringList(row, 'rules', at),
    reason: stringOr(row, 'reason', at, ''),
    flows,
    allowed: countOr(row, 'allowed', at, reachability === 'allowed' ? flows : 0),
    blocked: countOr(row, 'blocked', at, reachability === 'blocked' ? flows : 0),
    packets: countOr(row, 'packets', at, 0),
    bytes: count(row, 'bytes', at),
    first: string(row, 'first', at),
    last: string(row, 'last', at),
    deniedBy: deniedByTexts(row, at),
  };
}

// ---------------------------------------------------------------------------------------------
// The header (every top-level field but `services`).
// ---------------------------------------------------------------------------------------------

export interface CheckedHeader {
  toolVersion: string;
  command: ReportCommand;
  ordering: ReportOrdering;
  inputs: RunInput[];
  first: string | null;
  last: string | null;
  catalogHash: string;
  products: RunProduct[];
  inventory: { file: string; entries: number } | null;
  params: Record<string, number>;
  totals: ReportTotals;
  rulesSeen: Map<string, number>;
  rulesNeverSeen: Set<string>;
  limits: LimitHit[];
  anomalies: number;
}

function inputsOf(gen: JsonObject): RunInput[] {
  return array(gen, 'inputs', 'generatedFrom').map((v, i) => {
    const at = `generatedFrom.inputs[${i}]`;
    if (!isObject(v)) throw new SchemaViolation(at, `expected an object, found ${describe(v)}`);
    const dmg = v['damage'];
    let damage: string | null = null;
    if (isObject(dmg)) damage = string(dmg, 'message', `${at}.damage`);
    else if (dmg !== null && dmg !== undefined) throw new SchemaViolation(`${at}.damage`, `expected an object or null, found ${describe(dmg)}`);
    return {
      name: string(v, 'name', at),
      format: stringOr(v, 'format', at, ''),
      kind: v['kind'] === undefined ? 'capture' : oneOf(v, 'kind', at, ['capture', 'log', 'unreadable'] as const),
      flows: countOr(v, 'flows', at, 0),
      damage,
    };
  });
}

function coverageOf(header: RawHeader): { seen: Map<string, number>; never: Set<string> } {
  const seen = new Map<string, number>();
  const never = new Set<string>();
  array(header, 'coverage', '').forEach((p, i) => {
    const at = `coverage[${i}]`;
    if (!isObject(p)) throw new SchemaViolation(at, `expected an object, found ${describe(p)}`);
    const product = string(p, 'product', at);
    array(p, 'roles', at).forEach((r, j) => {
      const rat = `${at}.roles[${j}]`;
      if (!isObject(r)) throw new SchemaViolation(rat, `expected an object, found ${describe(r)}`);
      array(r, 'seen', rat).forEach((s, k) => {
        const sat = `${rat}.seen[${k}]`;
        if (!isObject(s)) throw new SchemaViolation(sat, `expected an object, found ${describe(s)}`);
        const id = `${product}/${string(s, 'rule', sat)}`;
        seen.set(id, (seen.get(id) ?? 0) + count(s, 'flows', sat));
      });
      for (const id of stringList(r, 'neverSeen', rat)) never.add(`${product}/${id}`);
    });
  });
  for (const id of seen.keys()) never.delete(id);
  return { seen, never };
}

/** Checks the header of a report of the current schema (`schemaVersion` and `tool.name` are checked by the reader). */
export function checkHeader(header: RawHeader): CheckedHeader {
  const tool = object(header, 'tool', '');
  const command = oneOf(header, 'command', '', COMMANDS);
  const ordering = header['ordering'] === undefined ? (command === 'audit' ? 'firewall-review' : 'severity') : oneOf(header, 'ordering', '', ORDERINGS);
  const gen = object(header, 'generatedFrom', '');
  const catalog = object(header, 'catalog', '');
  const products = array(catalog, 'products', 'catalog').map((p, i): RunProduct => {
    const at = `catalog.products[${i}]`;
    if (!isObject(p)) throw new SchemaViolation(at, `expected an object, found ${describe(p)}`);
    return { id: string(p, 'id', at), name: stringOr(p, 'name', at, ''), rules: countOr(p, 'rules', at, 0), source: stringOr(p, 'source', at, '') };
  });
  const inv = header['inventory'];
  let inventory: CheckedHeader['inventory'] = null;
  if (isObject(inv)) inventory = { file: string(inv, 'file', 'inventory'), entries: countOr(inv, 'entries', 'inventory', 0) };
  else if (inv !== null && inv !== undefined) throw new SchemaViolation('inventory', `expected an object or null, found ${describe(inv)}`);
  const entries: Array<[string, number]> = [];
  const rawParams = header['params'];
  if (isObject(rawParams)) {
    for (const name of Object.keys(rawParams).sort()) {
      const v = rawParams[name];
      if (typeof v !== 'number') throw new SchemaViolation(`params.${name}`, `expected a number, found ${describe(v)}`);
      entries.push([name, v]);
    }
  } else if (rawParams !== undefined) throw new SchemaViolation('params', `expected an object, found ${describe(rawParams)}`);
  // fromEntries defines own properties: a parameter named `__proto__` stays a parameter.
  const params: Record<string, number> = Object.fromEntries(entries);
  const totalsObj = object(header, 'totals', '');
  const totals: ReportTotals = {
    flows: count(totalsObj, 'flows', 'totals'),
    packets: countOr(totalsObj, 'packets', 'totals', 0),
    bytes: countOr(totalsObj, 'bytes', 'totals', 0),
    services: countOr(totalsObj, 'services', 'totals', 0),
  };
  const { seen, never } = coverageOf(header);
  const limits: LimitHit[] = [];
  const rawLimits = header['limits'];
  if (Array.isArray(rawLimits)) {
    rawLimits.forEach((l, i) => {
      const at = `limits[${i}]`;
      if (!isObject(l)) throw new SchemaViolation(at, `expected an object, found ${describe(l)}`);
      limits.push({ limit: string(l, 'limit', at), value: countOr(l, 'value', at, 0), message: stringOr(l, 'message', at, '') });
    });
  }
  let anomalies = 0;
  const rawAnomalies = header['anomalies'];
  if (Array.isArray(rawAnomalies)) {
    for (const a of rawAnomalies) if (isObject(a) && typeof a['count'] === 'number') anomalies += a['count'];
  }
  return {
    toolVersion: stringOr(tool, 'version', 'tool', ''),
    command,
    ordering,
    inputs: inputsOf(gen),
    first: nullableString(gen, 'first', 'generatedFrom'),
    last: nullableString(gen, 'last', 'generatedFrom'),
    catalogHash: string(catalog, 'hash', 'catalog'),
    products,
    inventory,
    params,
    totals,
    rulesSeen: seen,
    rulesNeverSeen: never,
    limits,
    anomalies,
  };
}
