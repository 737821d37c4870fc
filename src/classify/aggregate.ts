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

/**
 * Distinct values up to COUNTED_PER_SERVICE, in first-seen order. Most services see one client,
 * one server and one port: a single value is held without a Set (three Sets per service were a
 * third of a service's memory), and the Set is made at the second distinct value.
 */
export interface BoundedSetData<T> {
  values: T[];
  saturated: boolean;
}

class BoundedSet<T> {
  private one: T | undefined = undefined;
  private set: Set<T> | undefined = undefined;
  saturated = false;

  /** The values (a new Set when only one is held). */
  get items(): ReadonlySet<T> {
    return this.set ?? new Set(this.one === undefined ? [] : [this.one]);
  }

  /** The values in first-seen order. */
  values(): T[] {
    if (this.set !== undefined) return [...this.set];
    return this.one === undefined ? [] : [this.one];
  }

  /** Adds the values of a set filled by later flows, as if those flows had come after this set's. */
  mergeFrom(later: BoundedSet<T>): void {
    for (const v of later.values()) this.add(v);
    if (later.saturated) this.saturated = true;
  }

  toData(): BoundedSetData<T> {
    return { values: this.values(), saturated: this.saturated };
  }

  static fromData<T>(data: BoundedSetData<T>): BoundedSet<T> {
    const s = new BoundedSet<T>();
    for (const v of data.values) s.add(v);
    s.saturated = data.saturated;
    return s;
  }

  add(v: T): void {
    const set = this.set;
    if (set === undefined) {
      if (this.one === undefined) this.one = v;
      else if (this.one !== v) {
        this.set = new Set([this.one, v]);
        this.one = undefined;
      }
      return;
    }
    if (set.has(v)) return;
    if (set.size >= COUNTED_PER_SERVICE) {
      this.saturated = true;
      return;
    }
    set.add(v);
  }
}

/** Findings by weight: FINDING_WEIGHT is each one's index here. */
const FINDINGS: readonly Finding[] = ['ok', 'info', 'deprecated-in-use', 'undocumented', 'exposure', 'broken-requirement'];
const OUTCOME_INDEX = new Map<Outcome, number>(OUTCOMES.map((o, i) => [o, i]));

function countsMap<K>(keys: readonly K[], counts: readonly number[]): Map<K, number> {
  const m = new Map<K, number>();
  keys.forEach((k, i) => {
    const n = counts[i] ?? 0;
    if (n > 0) m.set(k, n);
  });
  return m;
}

/**
 * One copy of each reason text: verdicts build their reason per flow, and the same few hundred
 * texts (a rule, its source, what blocked it) recur across services and their examples. Bounded:
 * past INTERNED_MAX texts, new ones are kept as they come. Looked up by a hash of the length and
 * about twenty sampled characters, then compared whole (equal texts compare as one memory
 * comparison): hashing every character of a 300-character reason per flow cost as much as the
 * rest of the aggregation.
 */
const interned = new Map<number, string[]>();
let internedCount = 0;
const INTERNED_MAX = 65_536;
const INTERN_BUCKET_MAX = 8;

function intern(text: string): string {
  const n = text.length;
  const step = n > 32 ? n >>> 4 : 1;
  let h = n;
  for (let i = 0; i < n; i += step) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  if (n > 0) h = (Math.imul(h, 31) + text.charCodeAt(n - 1)) | 0;
  const bucket = interned.get(h);
  if (bucket !== undefined) {
    for (const known of bucket) if (known === text) return known;
    if (internedCount < INTERNED_MAX && bucket.length < INTERN_BUCKET_MAX) {
      bucket.push(text);
      internedCount++;
    }
    return text;
  }
  if (internedCount < INTERNED_MAX) {
    interned.set(h, [text]);
    internedCount++;
  }
  return text;
}

type Denial = { source: string; rule: string | null; flows: number };
type DeniedBy = Map<string, Denial>;
/** What `deniedBy` reads for a service no firewall denied (most of them): no Map per service. */
const NO_DENIALS: ReadonlyMap<string, { source: string; rule: string | null; flows: number }> = new Map();

/** A service accumulator as plain data (structured-clone safe). */
export interface ServiceData {
  identity: ServiceIdentity;
  proto: string;
  clientAddresses: BoundedSetData<string>;
  serverAddresses: BoundedSetData<string>;
  finding: Finding;
  severity: Severity;
  status: DocStatus;
  rules: string[];
  wrongDirection: string | null;
  confidence: ServiceAccumulator['confidence'];
  reason: string;
  flows: number;
  findingCounts: number[];
  outcomeCounts: number[];
  allowed: number;
  blocked: number;
  packets: number;
  bytesToServer: number;
  bytesToClient: number;
  first: string;
  last: string;
  ports: BoundedSetData<number>;
  denials: Array<[string, Denial]>;
  examples: ExampleFlow[];
  order: number;
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
  /** Counts per finding and per outcome, indexed like FINDINGS and OUTCOMES (two Maps per service cost more than the service). */
  private readonly findingCounts: number[] = new Array<number>(FINDINGS.length).fill(0);
  private readonly outcomeCounts: number[] = new Array<number>(OUTCOMES.length).fill(0);
  allowed = 0;
  blocked = 0;
  packets = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  first = '';
  last = '';
  readonly ports = new BoundedSet<number>();
  private ownDenials: DeniedBy | undefined = undefined;
  examples: ExampleFlow[] = [];
  /** First-seen order, for stable output of equal services (renumbered when a merge adopts the service). */
  order: number;

  constructor(identity: ServiceIdentity, proto: string, order: number, ends?: { client: BoundedSet<string>; server: BoundedSet<string> }) {
    this.key = identity.key;
    this.identity = identity;
    this.proto = proto;
    this.client = { identity: identity.client, addresses: ends?.client ?? new BoundedSet() };
    this.server = { identity: identity.server, addresses: ends?.server ?? new BoundedSet() };
    this.order = order;
  }

  /**
   * Adds a service accumulated over later flows (a later input's), as if those flows had come
   * after this one's: counts add, times widen, bounded sets fill in order, and the finding, its
   * reason and examples are the first ones of the worse finding. Exact, except that a denying
   * rule the later part did not list (past its first DENY_RULES_PER_SERVICE) is not counted.
   */
  mergeFrom(later: ServiceAccumulator): void {
    const adopt = this.flows === 0 || FINDING_WEIGHT[later.finding] > FINDING_WEIGHT[this.finding];
    const same = !adopt && later.finding === this.finding;
    this.flows += later.flows;
    for (let i = 0; i < this.findingCounts.length; i++) this.findingCounts[i] = (this.findingCounts[i] ?? 0) + (later.findingCounts[i] ?? 0);
    for (let i = 0; i < this.outcomeCounts.length; i++) this.outcomeCounts[i] = (this.outcomeCounts[i] ?? 0) + (later.outcomeCounts[i] ?? 0);
    this.allowed += later.allowed;
    this.blocked += later.blocked;
    this.packets += later.packets;
    this.bytesToServer += later.bytesToServer;
    this.bytesToClient += later.bytesToClient;
    if (later.first !== '' && (this.first === '' || later.first < this.first)) this.first = later.first;
    if (later.last !== '' && (this.last === '' || later.last > this.last)) this.last = later.last;
    this.client.addresses.mergeFrom(later.client.addresses);
    this.server.addresses.mergeFrom(later.server.addresses);
    this.ports.mergeFrom(later.ports);
    if (later.ownDenials !== undefined) {
      const own = (this.ownDenials ??= new Map());
      for (const [k, e] of later.ownDenials) {
        const mine = own.get(k);
        if (mine !== undefined) mine.flows += e.flows;
        else if (own.size < DENY_RULES_PER_SERVICE) own.set(k, { source: e.source, rule: e.rule, flows: e.flows });
      }
    }
    if (adopt) {
      this.finding = later.finding;
      this.severity = later.severity;
      this.status = later.status;
      this.rules = later.rules;
      this.reason = later.reason;
      this.wrongDirection = later.wrongDirection;
      this.confidence = later.confidence;
      this.examples = later.examples.slice(0, EXAMPLES_PER_SERVICE);
    } else if (same) {
      for (const e of later.examples) {
        if (this.examples.length >= EXAMPLES_PER_SERVICE) break;
        this.examples.push(e);
      }
    }
  }

  /** Plain data (for a worker thread's result); `fromData` makes the accumulator again. */
  toData(): ServiceData {
    return {
      identity: this.identity,
      proto: this.proto,
      clientAddresses: this.client.addresses.toData(),
      serverAddresses: this.server.addresses.toData(),
      finding: this.finding,
      severity: this.severity,
      status: this.status,
      rules: this.rules,
      wrongDirection: this.wrongDirection,
      confidence: this.confidence,
      reason: this.reason,
      flows: this.flows,
      findingCounts: this.findingCounts,
      outcomeCounts: this.outcomeCounts,
      allowed: this.allowed,
      blocked: this.blocked,
      packets: this.packets,
      bytesToServer: this.bytesToServer,
      bytesToClient: this.bytesToClient,
      first: this.first,
      last: this.last,
      ports: this.ports.toData(),
      denials: this.ownDenials === undefined ? [] : [...this.ownDenials.entries()],
      examples: this.examples,
      order: this.order,
    };
  }

  /** The accumulator of `toData`, at first-seen position `order` (default: the one it had). */
  static fromData(d: ServiceData, order = d.order): ServiceAccumulator {
    const acc = new ServiceAccumulator(d.identity, d.proto, order, {
      client: BoundedSet.fromData(d.clientAddresses),
      server: BoundedSet.fromData(d.serverAddresses),
    });
    acc.finding = d.finding;
    acc.severity = d.severity;
    acc.status = d.status;
    acc.rules = d.rules;
    acc.wrongDirection = d.wrongDirection;
    acc.confidence = d.confidence;
    acc.reason = intern(d.reason);
    acc.flows = d.flows;
    d.findingCounts.forEach((n, i) => (acc.findingCounts[i] = n));
    d.outcomeCounts.forEach((n, i) => (acc.outcomeCounts[i] = n));
    acc.allowed = d.allowed;
    acc.blocked = d.blocked;
    acc.packets = d.packets;
    acc.bytesToServer = d.bytesToServer;
    acc.bytesToClient = d.bytesToClient;
    acc.first = d.first;
    acc.last = d.last;
    acc.ports.mergeFrom(BoundedSet.fromData(d.ports));
    if (d.denials.length > 0) acc.ownDenials = new Map(d.denials.map(([k, e]) => [k, { source: e.source, rule: e.rule, flows: e.flows }]));
    acc.examples = d.examples.map((e) => ({ ...e, reason: e.reason === acc.reason ? acc.reason : intern(e.reason) }));
    return acc;
  }

  /** Flows per finding that occurred (a new Map, in FINDINGS order). */
  get flowsByFinding(): Map<Finding, number> {
    return countsMap(FINDINGS, this.findingCounts);
  }

  /** Flows per outcome that occurred (a new Map, in OUTCOMES order). */
  get outcomes(): Map<Outcome, number> {
    return countsMap(OUTCOMES, this.outcomeCounts);
  }

  /** The firewall rules that denied this service's flows, by `source\0rule` (at most DENY_RULES_PER_SERVICE). */
  get deniedBy(): ReadonlyMap<string, { source: string; rule: string | null; flows: number }> {
    return this.ownDenials ?? NO_DENIALS;
  }

  add(v: Verdict): void {
    const f = v.flow;
    this.flows++;
    const fi = FINDING_WEIGHT[f.finding];
    const oi = OUTCOME_INDEX.get(f.outcome) ?? 0;
    this.findingCounts[fi] = (this.findingCounts[fi] ?? 0) + 1;
    this.outcomeCounts[oi] = (this.outcomeCounts[oi] ?? 0) + 1;
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
      const own = (this.ownDenials ??= new Map());
      const e = own.get(k);
      if (e !== undefined) e.flows++;
      else if (own.size < DENY_RULES_PER_SERVICE) own.set(k, { source: f.firewall.source, rule, flows: 1 });
    }
    const worse = this.flows === 1 || FINDING_WEIGHT[f.finding] > FINDING_WEIGHT[this.finding];
    if (worse) {
      this.finding = f.finding;
      this.severity = f.severity;
      this.status = f.status;
      this.rules = f.rules;
      this.reason = intern(f.reason);
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
        reason: f.reason === this.reason ? this.reason : intern(f.reason),
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

  /** Adds a timeline of later flows: both at the wider bin width, then as wide as the whole span needs. */
  merge(later: TimelineAccumulator): void {
    while (this.binMillis < later.binMillis) this.widen();
    const factor = this.binMillis / later.binMillis;
    for (const [idx, counts] of later.bins) {
      const n = Math.floor(idx / factor);
      let bin = this.bins.get(n);
      if (bin === undefined) this.bins.set(n, (bin = new Map()));
      for (const [f, c] of counts) bin.set(f, (bin.get(f) ?? 0) + c);
    }
    // Bin widths are powers of two of a second from the epoch, so widening is exact: the result
    // is the width one timeline over every flow would have reached.
    while (this.bins.size > TIMELINE_MAX_BINS || this.fullSpan() > TIMELINE_MAX_BINS) this.widen();
  }

  toData(): TimelineData {
    const bins = [...this.bins.entries()].sort((x, y) => x[0] - y[0]);
    // In a canonical order: bins by time, counts by finding weight (readers look them up by key).
    return { binMillis: this.binMillis, bins: bins.map(([idx, counts]) => [idx, [...counts.entries()].sort((x, y) => FINDING_WEIGHT[x[0]] - FINDING_WEIGHT[y[0]])]) };
  }

  static fromData(d: TimelineData): TimelineAccumulator {
    const t = new TimelineAccumulator();
    t.binMillis = d.binMillis;
    for (const [idx, counts] of d.bins) t.bins.set(idx, new Map(counts));
    return t;
  }

  private fullSpan(): number {
    if (this.bins.size === 0) return 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const k of this.bins.keys()) {
      if (k < lo) lo = k;
      if (k > hi) hi = k;
    }
    return hi - lo + 1;
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

export interface TimelineData {
  binMillis: number;
  bins: Array<[number, Array<[Finding, number]>]>;
}

/** An aggregation as plain data (structured-clone safe): a worker thread's result. */
export interface AggregatorData {
  maxServices: number;
  services: ServiceData[];
  ruleFlows: Array<[string, number]>;
  timeline: TimelineData;
  totals: {
    flows: number;
    packets: number;
    bytes: number;
    first: string | null;
    last: string | null;
    byFinding: Array<[Finding, number]>;
    bySeverity: Array<[Severity, number]>;
    byStatus: Array<[DocStatus, number]>;
    byReachability: Array<[Reachability, number]>;
  };
  folded: number;
  worst: Severity;
}

function addCounts<K>(into: Map<K, number>, from: ReadonlyMap<K, number>): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}

/** The row that services past the cap fold into, one per finding. */
function overflowIdentity(finding: Finding): ServiceIdentity {
  const label: EndIdentity = { label: OVERFLOW_LABEL, kind: 'address', product: null, role: null };
  return { key: `${OVERFLOW_LABEL} ${finding}`, client: label, server: label, port: null, keyRule: null };
}

const OVERFLOW_LABEL = '(more services)';

function isOverflow(acc: ServiceAccumulator): boolean {
  return acc.identity.client.label === OVERFLOW_LABEL && acc.key === `${OVERFLOW_LABEL} ${acc.finding}`;
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
        identity = overflowIdentity(f.finding);
        acc = this.services.get(identity.key);
      }
      if (acc === undefined) {
        acc = new ServiceAccumulator(identity, f.proto, this.services.size);
        this.services.set(identity.key, acc);
      }
    }
    acc.add(v);
  }

  /**
   * Adds the aggregation of later flows (the next input's, aggregated on its own, perhaps on
   * another thread), as if they had come after this one's; `later` is spent (its services are
   * taken over, not copied). Inputs merged in input order give the
   * same report whichever thread aggregated each. It equals one aggregation over all the flows
   * except past the bounds: a later service that no longer fits under `maxServices` folds into
   * the overflow row of its own finding as a whole (one aggregation folds flow by flow), and
   * denying rules of a service are counted as ServiceAccumulator.mergeFrom says.
   */
  merge(later: Aggregator): void {
    const t = this.totals;
    const u = later.totals;
    t.flows += u.flows;
    t.packets += u.packets;
    t.bytes += u.bytes;
    if (u.first !== null && (t.first === null || u.first < t.first)) t.first = u.first;
    if (u.last !== null && (t.last === null || u.last > t.last)) t.last = u.last;
    addCounts(t.byFinding, u.byFinding);
    addCounts(t.bySeverity, u.bySeverity);
    addCounts(t.byStatus, u.byStatus);
    addCounts(t.byReachability, u.byReachability);
    if (SEVERITY_ORDER[later.worst] > SEVERITY_ORDER[this.worst]) this.worst = later.worst;
    addCounts(this.ruleFlows, later.ruleFlows);
    this.timeline.merge(later.timeline);
    this.folded += later.folded;
    for (const acc of later.services.values()) {
      const mine = this.services.get(acc.key);
      if (mine !== undefined) {
        mine.mergeFrom(acc);
      } else if (this.services.size < this.maxServices || isOverflow(acc)) {
        // Adopted as it is: `later` is spent by the merge.
        acc.order = this.services.size;
        this.services.set(acc.key, acc);
      } else {
        this.folded += acc.flows;
        const identity = overflowIdentity(acc.finding);
        let row = this.services.get(identity.key);
        if (row === undefined) {
          row = new ServiceAccumulator(identity, acc.proto, this.services.size);
          this.services.set(identity.key, row);
        }
        row.mergeFrom(acc);
      }
    }
  }

  toData(): AggregatorData {
    const t = this.totals;
    return {
      maxServices: this.maxServices,
      services: [...this.services.values()].map((a) => a.toData()),
      ruleFlows: [...this.ruleFlows.entries()],
      timeline: this.timeline.toData(),
      totals: {
        flows: t.flows,
        packets: t.packets,
        bytes: t.bytes,
        first: t.first,
        last: t.last,
        byFinding: [...t.byFinding.entries()],
        bySeverity: [...t.bySeverity.entries()],
        byStatus: [...t.byStatus.entries()],
        byReachability: [...t.byReachability.entries()],
      },
      folded: this.folded,
      worst: this.worst,
    };
  }

  static fromData(d: AggregatorData): Aggregator {
    const a = new Aggregator(d.maxServices);
    for (const s of d.services) a.services.set(s.identity.key, ServiceAccumulator.fromData(s));
    for (const [id, n] of d.ruleFlows) a.ruleFlows.set(id, n);
    a.timeline.merge(TimelineAccumulator.fromData(d.timeline));
    const t = a.totals;
    t.flows = d.totals.flows;
    t.packets = d.totals.packets;
    t.bytes = d.totals.bytes;
    t.first = d.totals.first;
    t.last = d.totals.last;
    addCounts(t.byFinding, new Map(d.totals.byFinding));
    addCounts(t.bySeverity, new Map(d.totals.bySeverity));
    addCounts(t.byStatus, new Map(d.totals.byStatus));
    addCounts(t.byReachability, new Map(d.totals.byReachability));
    a.folded = d.folded;
    a.worst = d.worst;
    return a;
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
