/**
 * Aggregates classified flows by service key: counts, bytes, first/last seen, outcomes, the
 * firewall rules that denied them and a few example flows; plus per-rule flow counts (catalog
 * coverage), totals and a timeline. Memory grows with distinct service keys (capped), never with
 * the number of flows: every per-service set is bounded.
 */
import type { Outcome } from '../model.js';
import { OUTCOMES } from '../model.js';
import type { DocStatus, Finding, Reachability, Severity } from './types.js';
import { SEVERITY_ORDER } from './types.js';
import type { EndIdentity, ServiceIdentity, Verdict } from './classify.js';
import { endpointText, isoMillis, timeMillis } from './text.js';

export const DEFAULT_MAX_SERVICES = 100_000;
export const EXAMPLES_PER_SERVICE = 3;
/** Addresses and ports listed per service. */
export const LISTED_PER_SERVICE = 16;
/** Distinct addresses and ports counted per service (counts stop there). */
export const COUNTED_PER_SERVICE = 1024;
const DENY_RULES_PER_SERVICE = 16;
const TIMELINE_MAX_BINS = 256;

/** Order in which findings are worse (higher = worse), used to pick a service's finding. */
export const FINDING_WEIGHT: Record<Finding, number> = {
  ok: 0,
  info: 1,
  'deprecated-in-use': 2,
  undocumented: 3,
  exposure: 4,
  'broken-requirement': 5,
};

export interface ExampleFlow {
  flow: string;
  client: string;
  server: string;
  first: string;
  outcome: Outcome;
  finding: Finding;
  evidence: Verdict['flow']['evidence'];
  reason: string;
}

class BoundedSet<T> {
  readonly items = new Set<T>();
  saturated = false;
  add(v: T): void {
    if (this.items.has(v)) return;
    if (this.items.size >= COUNTED_PER_SERVICE) {
      this.saturated = true;
      return;
    }
    this.items.add(v);
  }
}

export interface ServiceEndAccumulator {
  identity: EndIdentity;
  addresses: BoundedSet<string>;
}

export class ServiceAccumulator {
  readonly key: string;
  readonly identity: ServiceIdentity;
  readonly proto: string;
  readonly client: ServiceEndAccumulator;
  readonly server: ServiceEndAccumulator;
  finding: Finding = 'ok';
  severity: Severity = 'none';
  status: DocStatus = 'undocumented';
  rules: string[] = [];
  wrongDirection: string | null = null;
  confidence: 'exact' | 'port-only' | 'fallback' | 'announced' | null = null;
  reason = '';
  flows = 0;
  readonly flowsByFinding = new Map<Finding, number>();
  readonly outcomes = new Map<Outcome, number>();
  allowed = 0;
  blocked = 0;
  packets = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  first = '';
  last = '';
  readonly ports = new BoundedSet<number>();
  readonly deniedBy = new Map<string, { source: string; rule: string | null; flows: number }>();
  examples: ExampleFlow[] = [];
  /** First-seen order, for stable output of equal services. */
  readonly order: number;

  constructor(identity: ServiceIdentity, proto: string, order: number) {
    this.key = identity.key;
    this.identity = identity;
    this.proto = proto;
    this.client = { identity: identity.client, addresses: new BoundedSet() };
    this.server = { identity: identity.server, addresses: new BoundedSet() };
    this.order = order;
  }

  add(v: Verdict): void {
    const f = v.flow;
    this.flows++;
    this.flowsByFinding.set(f.finding, (this.flowsByFinding.get(f.finding) ?? 0) + 1);
    this.outcomes.set(f.outcome, (this.outcomes.get(f.outcome) ?? 0) + 1);
    if (f.reachability === 'blocked') this.blocked++;
    else this.allowed++;
    this.packets += f.packets.client + f.packets.server;
    this.bytesToServer += f.bytes.client;
    this.bytesToClient += f.bytes.server;
    if (this.first === '' || f.first < this.first) this.first = f.first;
    if (this.last === '' || f.last > this.last) this.last = f.last;
    this.client.addresses.add(f.client.ip);
    this.server.addresses.add(f.server.ip);
    if (f.server.port !== 0 || f.proto === 'tcp' || f.proto === 'udp') this.ports.add(f.server.port);
    if (f.reachability === 'blocked' && f.outcome === 'denied' && f.firewall !== undefined) {
      const rule = f.firewall.rule !== undefined && f.firewall.rule.length > 0 ? f.firewall.rule : null;
      const k = `${f.firewall.source}\u0000${rule ?? ''}`;
      const e = this.deniedBy.get(k);
      if (e !== undefined) e.flows++;
      else if (this.deniedBy.size < DENY_RULES_PER_SERVICE) this.deniedBy.set(k, { source: f.firewall.source, rule, flows: 1 });
    }
    const worse = this.flows === 1 || FINDING_WEIGHT[f.finding] > FINDING_WEIGHT[this.finding];
    if (worse) {
      this.finding = f.finding;
      this.severity = f.severity;
      this.status = f.status;
      this.rules = f.rules;
      this.reason = f.reason;
      this.wrongDirection = f.wrongDirection ?? null;
      this.confidence = f.confidence ?? null;
      this.examples = [];
    }
    if (f.finding === this.finding && this.examples.length < EXAMPLES_PER_SERVICE) {
      this.examples.push({
        flow: f.id,
        client: endpointText(f.client),
        server: endpointText(f.server),
        first: f.first,
        outcome: f.outcome,
        finding: f.finding,
        evidence: f.evidence,
        reason: f.reason,
      });
    }
  }

  reachability(): Reachability | 'mixed' {
    if (this.blocked > 0 && this.allowed > 0) return 'mixed';
    return this.blocked > 0 ? 'blocked' : 'allowed';
  }
}

/**
 * Flows over time by finding. Bins start one second wide and double (merging neighbours) whenever
 * more than TIMELINE_MAX_BINS would be needed, so memory stays fixed for any time span.
 */
export class TimelineAccumulator {
  binMillis = 1000;
  private readonly bins = new Map<number, Map<Finding, number>>();

  add(firstMillis: number, finding: Finding): void {
    if (!Number.isFinite(firstMillis)) return;
    let idx = Math.floor(firstMillis / this.binMillis);
    let bin = this.bins.get(idx);
    if (bin === undefined) {
      while (this.bins.size >= TIMELINE_MAX_BINS || this.span(idx) > TIMELINE_MAX_BINS) {
        this.widen();
        idx = Math.floor(firstMillis / this.binMillis);
        if (this.bins.has(idx)) break;
      }
      bin = this.bins.get(idx);
      if (bin === undefined) this.bins.set(idx, (bin = new Map()));
    }
    bin.set(finding, (bin.get(finding) ?? 0) + 1);
  }

  private span(idx: number): number {
    let lo = idx;
    let hi = idx;
    for (const k of this.bins.keys()) {
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    return hi - lo + 1;
  }

  private widen(): void {
    const old = [...this.bins.entries()];
    this.bins.clear();
    this.binMillis *= 2;
    for (const [idx, counts] of old) {
      const n = Math.floor(idx / 2);
      let bin = this.bins.get(n);
      if (bin === undefined) this.bins.set(n, (bin = new Map()));
      for (const [f, c] of counts) bin.set(f, (bin.get(f) ?? 0) + c);
    }
  }

  /** Bins in time order, with every empty bin between the first and the last filled in. */
  entries(): Array<{ startMillis: number; counts: Map<Finding, number> }> {
    if (this.bins.size === 0) return [];
    const keys = [...this.bins.keys()].sort((a, b) => a - b);
    const out: Array<{ startMillis: number; counts: Map<Finding, number> }> = [];
    for (let k = keys[0]!; k <= keys[keys.length - 1]!; k++) {
      out.push({ startMillis: k * this.binMillis, counts: this.bins.get(k) ?? new Map() });
    }
    return out;
  }
}

export interface AggregateTotals {
  flows: number;
  packets: number;
  bytes: number;
  first: string | null;
  last: string | null;
  byFinding: Map<Finding, number>;
  bySeverity: Map<Severity, number>;
  byStatus: Map<DocStatus, number>;
  byReachability: Map<Reachability, number>;
}

export class Aggregator {
  readonly services = new Map<string, ServiceAccumulator>();
  readonly ruleFlows = new Map<string, number>();
  readonly timeline = new TimelineAccumulator();
  readonly totals: AggregateTotals = {
    flows: 0,
    packets: 0,
    bytes: 0,
    first: null,
    last: null,
    byFinding: new Map(),
    bySeverity: new Map(),
    byStatus: new Map(),
    byReachability: new Map(),
  };
  readonly maxServices: number;
  /** Flows folded into overflow rows once `maxServices` distinct keys existed. */
  folded = 0;
  /** Worst severity seen over all flows. */
  worst: Severity = 'none';

  constructor(maxServices = DEFAULT_MAX_SERVICES) {
    this.maxServices = maxServices;
  }

  add(v: Verdict): void {
    const f = v.flow;
    const t = this.totals;
    t.flows++;
    t.packets += f.packets.client + f.packets.server;
    t.bytes += f.bytes.client + f.bytes.server;
    if (t.first === null || f.first < t.first) t.first = f.first;
    if (t.last === null || f.last > t.last) t.last = f.last;
    t.byFinding.set(f.finding, (t.byFinding.get(f.finding) ?? 0) + 1);
    t.bySeverity.set(f.severity, (t.bySeverity.get(f.severity) ?? 0) + 1);
    t.byStatus.set(f.status, (t.byStatus.get(f.status) ?? 0) + 1);
    t.byReachability.set(f.reachability, (t.byReachability.get(f.reachability) ?? 0) + 1);
    if (SEVERITY_ORDER[f.severity] > SEVERITY_ORDER[this.worst]) this.worst = f.severity;
    for (const id of v.documentedBy) this.ruleFlows.set(id, (this.ruleFlows.get(id) ?? 0) + 1);
    this.timeline.add(timeMillis(f.first), f.finding);

    let acc = this.services.get(v.service.key);
    if (acc === undefined) {
      let identity = v.service;
      if (this.services.size >= this.maxServices) {
        // Past the cap, new services fold into one row per finding (a report line says so).
        this.folded++;
        const label: EndIdentity = { label: '(more services)', kind: 'address', product: null, role: null };
        identity = { key: `(more services) ${f.finding}`, client: label, server: label, port: null, keyRule: null };
        acc = this.services.get(identity.key);
      }
      if (acc === undefined) {
        acc = new ServiceAccumulator(identity, f.proto, this.services.size);
        this.services.set(identity.key, acc);
      }
    }
    acc.add(v);
  }

  /** Distinct outcomes of a service in the shared OUTCOMES order. */
  static outcomesInOrder(acc: ServiceAccumulator): Partial<Record<Outcome, number>> {
    const out: Partial<Record<Outcome, number>> = {};
    for (const o of OUTCOMES) {
      const n = acc.outcomes.get(o);
      if (n !== undefined) out[o] = n;
    }
    return out;
  }

  static isoBinStart(ms: number): string {
    return isoMillis(ms);
  }
}
