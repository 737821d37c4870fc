/**
 * Builds the JSON report (report/types.ts) from an aggregation: orders services for the command,
 * computes catalog coverage and counts, and fixes every object's field order. Pure: no I/O, no
 * clock; the same aggregation always gives the same report.
 */
import type { Catalog, Params } from '../catalog/types.js';
import type { AnomalySummary, ProtoName } from '../model.js';
import { OUTCOMES } from '../model.js';
import type { DocStatus, Finding, Reachability, Severity } from '../classify/types.js';
import { SEVERITY_ORDER } from '../classify/types.js';
import type { Inventory } from '../inventory/inventory.js';
import type { Aggregator, ServiceAccumulator } from '../classify/aggregate.js';
import { LISTED_PER_SERVICE } from '../classify/aggregate.js';
import { isoMillis } from '../classify/text.js';
import { DOC_STATUSES, FINDING_ORDER, REACHABILITIES, REPORT_SCHEMA_VERSION, SEVERITIES } from './types.js';
import type {
  FindingEntry,
  FlowCounts,
  LimitHit,
  ProductCoverage,
  Report,
  ReportCommand,
  ReportInput,
  ReportOrdering,
  RoleCoverage,
  ServiceEnd,
  ServiceRow,
  Timeline,
} from './types.js';

export interface BuildReportOptions {
  command: ReportCommand;
  toolVersion: string;
  inputs: ReportInput[];
  catalog: Catalog;
  /** Products loaded from `--catalog` files, by product id → path as given; every other product is `built-in`. */
  productSources?: Record<string, string>;
  inventory: Inventory | null;
  params: Params;
  aggregator: Aggregator;
  anomalies: AnomalySummary[];
  /** Limits hit elsewhere (flow table, expectations) to list beside the report's own. */
  limits?: LimitHit[];
}

const FINDING_INDEX = new Map(FINDING_ORDER.map((f, i) => [f, i]));

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Analyze order: severity, finding, flows (most first), key. */
export function compareBySeverity(a: Pick<ServiceRow, 'severity' | 'finding' | 'flows' | 'key'>, b: Pick<ServiceRow, 'severity' | 'finding' | 'flows' | 'key'>): number {
  return (
    SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] ||
    FINDING_INDEX.get(a.finding)! - FINDING_INDEX.get(b.finding)! ||
    b.flows - a.flows ||
    cmpStr(a.key, b.key)
  );
}

/** Audit section of a service: 0 broken requirements, 1 exposures, 2 undocumented allowed traffic, 3 the rest. */
export function auditSection(row: Pick<ServiceRow, 'finding' | 'allowed'>): number {
  if (row.finding === 'broken-requirement') return 0;
  if (row.finding === 'exposure') return 1;
  if (row.finding === 'undocumented' && row.allowed > 0) return 2;
  return 3;
}

export const AUDIT_SECTION_TITLES: readonly string[] = [
  'Broken requirements: documented flows the firewall blocks',
  'Exposures: traffic the documents say to block, allowed',
  'Undocumented traffic allowed',
  'Everything else',
];

/** Audit order: section, then (broken requirements) most blocked flows first, then analyze order. */
export function compareForAudit(a: ServiceRow, b: ServiceRow): number {
  const sa = auditSection(a);
  const sb = auditSection(b);
  if (sa !== sb) return sa - sb;
  if (sa === 0 && a.blocked !== b.blocked) return b.blocked - a.blocked;
  return compareBySeverity(a, b);
}

/**
 * What blocked a service's flows, for a firewall review: the firewall rules that denied them, then
 * the other ways flows were blocked (RST, no reply, ICMP errors) with their counts.
 */
export function blockedBy(s: Pick<ServiceRow, 'deniedBy' | 'outcomes'>): Array<{ what: string; rule: string | null; flows: number }> {
  const out: Array<{ what: string; rule: string | null; flows: number }> = s.deniedBy.map((d) => ({ what: `${d.source} rule`, rule: d.rule, flows: d.flows }));
  for (const o of ['rejected', 'unanswered', 'icmp-prohibited', 'icmp-unreachable'] as const) {
    const n = s.outcomes[o];
    if (n !== undefined && n > 0) out.push({ what: o, rule: null, flows: n });
  }
  const denied = s.outcomes.denied ?? 0;
  const attributed = s.deniedBy.reduce((a, d) => a + d.flows, 0);
  if (denied > attributed) out.push({ what: 'denied', rule: null, flows: denied - attributed });
  return out;
}

function countsRecord<K extends string>(keys: readonly K[], counts: Map<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = counts.get(k) ?? 0;
  return out;
}

function partialRecord<K extends string>(keys: readonly K[], counts: Map<K, number>): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) {
    const n = counts.get(k);
    if (n !== undefined && n > 0) out[k] = n;
  }
  return out;
}

function serviceEnd(acc: ServiceAccumulator, side: 'client' | 'server'): ServiceEnd {
  const identity = acc.identity[side];
  const all = acc.addresses(side);
  if (all.length > 1) all.sort(compareAddresses);
  return {
    label: identity.label,
    kind: identity.kind,
    product: identity.product,
    role: identity.role,
    addresses: all.length > LISTED_PER_SERVICE ? all.slice(0, LISTED_PER_SERVICE) : all,
    addressCount: acc.addressCount(side),
  };
}

/** IPv4 before IPv6, numerically within each. */
function compareAddresses(a: string, b: string): number {
  const a6 = a.includes(':');
  const b6 = b.includes(':');
  if (a6 !== b6) return a6 ? 1 : -1;
  if (!a6) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < 4; i++) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  }
  return cmpStr(a, b);
}

/** The report row of a service (a new object, made when the report is written or built). */
export function serviceRow(acc: ServiceAccumulator): ServiceRow {
  const ports = acc.portValues();
  if (ports.length > 1) ports.sort((x, y) => x - y);
  const deniedBy = acc.deniedBy.size === 0 ? [] : [...acc.deniedBy.values()].sort((x, y) => y.flows - x.flows || cmpStr(x.source, y.source) || cmpStr(x.rule ?? '', y.rule ?? ''));
  const identity = acc.identity;
  return {
    key: acc.key,
    client: serviceEnd(acc, 'client'),
    server: serviceEnd(acc, 'server'),
    proto: acc.proto as ProtoName,
    port: identity.port,
    keyRule: identity.keyRule,
    finding: acc.finding,
    severity: acc.severity,
    status: acc.status,
    reachability: acc.reachability(),
    rules: [...acc.rules],
    wrongDirection: acc.wrongDirection,
    confidence: acc.confidence,
    reason: acc.reason,
    flows: acc.flows,
    flowsByFinding: partialRecord(FINDING_ORDER, acc.flowsByFinding),
    outcomes: partialRecord(OUTCOMES, acc.outcomes),
    allowed: acc.allowed,
    blocked: acc.blocked,
    packets: acc.packets,
    bytes: acc.bytesToServer + acc.bytesToClient,
    bytesToServer: acc.bytesToServer,
    bytesToClient: acc.bytesToClient,
    first: acc.first,
    last: acc.last,
    serverPorts: { count: acc.portCount(), ports: ports.length > LISTED_PER_SERVICE ? ports.slice(0, LISTED_PER_SERVICE) : ports },
    deniedBy: deniedBy.map((d) => ({ source: d.source, rule: d.rule, flows: d.flows })),
    examples: acc.examples.map((e) => ({
      flow: e.flow,
      client: e.client,
      server: e.server,
      first: e.first,
      outcome: e.outcome,
      finding: e.finding,
      evidence: e.evidence.line !== undefined || e.evidence.offset !== undefined ? { ...e.evidence } : { file: e.evidence.file },
      reason: e.reason,
    })),
  };
}

function coverage(catalog: Catalog, inventory: Inventory | null, ruleFlows: Map<string, number>): ProductCoverage[] {
  const include = new Set<string>(inventory?.products() ?? []);
  for (const id of ruleFlows.keys()) include.add(id.slice(0, id.indexOf('/')));
  const out: ProductCoverage[] = [];
  for (const p of [...catalog.products].sort((a, b) => cmpStr(a.id, b.id))) {
    if (!include.has(p.id)) continue;
    const pairs = new Map<string, RoleCoverage>();
    let seenCount = 0;
    for (const r of p.rules) {
      const k = `${r.from}\u0000${r.to}`;
      let row = pairs.get(k);
      if (row === undefined) pairs.set(k, (row = { from: r.from, to: r.to, seen: [], neverSeen: [] }));
      const n = ruleFlows.get(`${p.id}/${r.id}`) ?? 0;
      if (n > 0) {
        row.seen.push({ rule: r.id, flows: n });
        seenCount++;
      } else {
        row.neverSeen.push(r.id);
      }
    }
    const roles = [...pairs.values()].sort((a, b) => cmpStr(a.from, b.from) || cmpStr(a.to, b.to));
    for (const r of roles) {
      r.seen.sort((a, b) => cmpStr(a.rule, b.rule));
      r.neverSeen.sort(cmpStr);
    }
    out.push({ product: p.id, name: p.name, rules: p.rules.length, rulesSeen: seenCount, roles });
  }
  return out;
}

function timeline(agg: Aggregator): Timeline {
  return {
    binSeconds: agg.timeline.binMillis / 1000,
    bins: agg.timeline.entries().map((b) => ({ start: isoMillis(b.startMillis), flows: partialRecord(FINDING_ORDER, b.counts) })),
  };
}

export function orderingOf(command: ReportCommand): ReportOrdering {
  return command === 'audit' ? 'firewall-review' : 'severity';
}

/** The finding entry of a service whose finding is not `ok`. */
export function findingEntry(s: ServiceAccumulator): FindingEntry {
  return { key: s.key, finding: s.finding, severity: s.severity, reachability: s.reachability(), flows: s.flows, first: s.first, last: s.last, reason: s.reason };
}

/** Flows and blocked flows are kept exactly below this in the sort keys (2^44, about 1.8e13). */
const COUNT_SPAN = 2 ** 44;

/** compareBySeverity as one number (smaller first): severity, finding, then flows (most first). */
function severityRank(acc: ServiceAccumulator): number {
  return ((SEVERITY_ORDER.high - SEVERITY_ORDER[acc.severity]) * 8 + FINDING_INDEX.get(acc.finding)!) * COUNT_SPAN + (COUNT_SPAN - 1 - Math.min(acc.flows, COUNT_SPAN - 1));
}

/** compareForAudit's section and blocked flows as one number (smaller first). */
function auditRank(acc: ServiceAccumulator): number {
  const section = auditSection({ finding: acc.finding, allowed: acc.allowed });
  return section * COUNT_SPAN + (section === 0 ? COUNT_SPAN - 1 - Math.min(acc.blocked, COUNT_SPAN - 1) : 0);
}

/**
 * The services in the report's order: the order of compareBySeverity (analyze) or
 * compareForAudit (audit) on their rows, by numbers computed once per service and then the key
 * (keys are distinct), without making the rows.
 */
export function orderServices(services: Iterable<ServiceAccumulator>, ordering: ReportOrdering): ServiceAccumulator[] {
  const accs = [...services];
  const n = accs.length;
  const rank = new Float64Array(n);
  const section = new Float64Array(n);
  const keys: string[] = new Array<string>(n);
  const audit = ordering === 'firewall-review';
  for (let i = 0; i < n; i++) {
    const acc = accs[i]!;
    rank[i] = severityRank(acc);
    if (audit) section[i] = auditRank(acc);
    keys[i] = acc.key;
  }
  const index: number[] = new Array<number>(n);
  for (let i = 0; i < n; i++) index[i] = i;
  index.sort((a, b) => section[a]! - section[b]! || rank[a]! - rank[b]! || (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  return index.map((i) => accs[i]!);
}

/**
 * A report whose services are not made yet: `report` is complete except for `findings` and
 * `services`, which are empty arrays in their places; `services` lists the service accumulators
 * in the report's order, and `findings` how many of them have a finding. The JSON writer
 * (json.ts) writes each row as it makes it, so the rows of a run never exist all at once.
 */
export interface ReportPlan {
  report: Report;
  services: readonly ServiceAccumulator[];
  findings: number;
}

/** The report, complete: every service row made. */
export function buildReport(o: BuildReportOptions): Report {
  const plan = planReport(o);
  const services = plan.services.map(serviceRow);
  plan.report.services = services;
  plan.report.findings = plan.services.filter((s) => s.finding !== 'ok').map(findingEntry);
  return plan.report;
}

/** The report without its rows (see ReportPlan). */
export function planReport(o: BuildReportOptions): ReportPlan {
  const agg = o.aggregator;
  const ordering = orderingOf(o.command);
  const services = orderServices(agg.services.values(), ordering);
  let findingCount = 0;
  for (const s of services) if (s.finding !== 'ok') findingCount++;

  const t = agg.totals;
  const flowCounts: FlowCounts = {
    byFinding: countsRecord<Finding>(FINDING_ORDER, t.byFinding),
    bySeverity: countsRecord<Severity>(SEVERITIES, t.bySeverity),
    byStatus: countsRecord<DocStatus>(DOC_STATUSES, t.byStatus),
    byReachability: countsRecord<Reachability>(REACHABILITIES, t.byReachability),
  };
  const svcFinding = new Map<Finding, number>();
  const svcSeverity = new Map<Severity, number>();
  for (const s of services) {
    svcFinding.set(s.finding, (svcFinding.get(s.finding) ?? 0) + 1);
    svcSeverity.set(s.severity, (svcSeverity.get(s.severity) ?? 0) + 1);
  }

  const limits: LimitHit[] = [...(o.limits ?? [])];
  if (agg.folded > 0) {
    limits.push({
      limit: 'max-services',
      value: agg.maxServices,
      message: `more than ${agg.maxServices} distinct services: ${agg.folded} flows of later services were folded into "(more services) <finding>" rows`,
    });
  }

  const params: Record<string, number> = {};
  for (const k of Object.keys(o.params).sort()) params[k] = o.params[k]!;

  const productsSorted = [...o.catalog.products].sort((a, b) => cmpStr(a.id, b.id));
  const report: Report = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'portolan', version: o.toolVersion },
    command: o.command,
    ordering,
    generatedFrom: { inputs: o.inputs, first: t.first, last: t.last },
    catalog: {
      hash: o.catalog.hash,
      products: productsSorted.map((p) => ({
        id: p.id,
        name: p.name,
        rules: p.rules.length,
        source: o.productSources?.[p.id] ?? 'built-in',
        documents: [...new Set(p.documents.map((d) => d.document))].sort(),
      })),
    },
    inventory: o.inventory === null ? null : { file: o.inventory.file, entries: o.inventory.hosts.length, roles: o.inventory.roleCounts() },
    params,
    totals: { flows: t.flows, packets: t.packets, bytes: t.bytes, services: services.length },
    counts: {
      flows: flowCounts,
      services: { byFinding: countsRecord<Finding>(FINDING_ORDER, svcFinding), bySeverity: countsRecord<Severity>(SEVERITIES, svcSeverity) },
    },
    findings: [],
    services: [],
    coverage: coverage(o.catalog, o.inventory, agg.ruleFlows),
    timeline: timeline(agg),
    anomalies: o.anomalies,
    limits,
  };
  return { report, services, findings: findingCount };
}
