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
 * one server and one port: a service holds a single value as it is (`Few`), and a BoundedSet is
 * made at the second distinct value (three sets per service were a third of a service's memory).
 */
export interface BoundedSetData<T> {
  values: T[];
  saturated: boolean;
}

class BoundedSet<T> {
  private readonly set = new Set<T>();
  saturated = false;

  /** The values. */
  get items(): ReadonlySet<T> {
    return this.set;
  }

  get size(): number {
    return this.set.size;
  }

  /** The values in first-seen order. */
  values(): T[] {
    return [...this.set];
  }

  add(v: T): void {
    const set = this.set;
    if (set.has(v)) return;
    if (set.size >= COUNTED_PER_SERVICE) {
      this.saturated = true;
      return;
    }
    set.add(typeof v === 'string' ? ownCopy(v) : v);
  }
}

/** No value yet, one value, or a set of them (see BoundedSet). */
type Few<T extends string | number> = T | BoundedSet<T> | undefined;

function fewAdd<T extends string | number>(few: Few<T>, v: T): T | BoundedSet<T> {
  if (few === v) return few;
  if (few === undefined) return typeof v === 'string' ? ownCopy(v) : v;
  if (few instanceof BoundedSet) {
    few.add(v);
    return few;
  }
  const s = new BoundedSet<T>();
  s.add(few);
  s.add(v);
  return s;
}

function fewValues<T extends string | number>(few: Few<T>): T[] {
  if (few === undefined) return [];
  return few instanceof BoundedSet ? few.values() : [few];
}

function fewSize<T extends string | number>(few: Few<T>): number {
  if (few === undefined) return 0;
  return few instanceof BoundedSet ? few.size : 1;
}

function fewToData<T extends string | number>(few: Few<T>): BoundedSetData<T> {
  return { values: fewValues(few), saturated: few instanceof BoundedSet && few.saturated };
}

/** Adds the values of a later part's set, as if its flows had come after these. */
function fewMerge<T extends string | number>(few: Few<T>, later: Few<T> | BoundedSetData<T>): Few<T> {
  let out = few;
  let saturated = false;
  let values: T[];
  if (later !== undefined && typeof later === 'object' && !(later instanceof BoundedSet)) {
    values = later.values;
    saturated = later.saturated;
  } else {
    values = fewValues(later);
    saturated = later instanceof BoundedSet && later.saturated;
  }
  for (const v of values) out = fewAdd(out, v);
  if (saturated) {
    // A saturated set is always a BoundedSet (it held COUNTED_PER_SERVICE values).
    if (!(out instanceof BoundedSet)) {
      const s = new BoundedSet<T>();
      if (out !== undefined) s.add(out);
      out = s;
    }
    out.saturated = true;
  }
  return out;
}

/** A read-only view of a Few, for the `addresses` of ServiceEndAccumulator. */
export interface DistinctValues<T> {
  /** The distinct values (at most COUNTED_PER_SERVICE). */
  readonly items: ReadonlySet<T>;
  /** True when more distinct values were seen than were counted. */
  readonly saturated: boolean;
}

function fewView<T extends string | number>(few: Few<T>): DistinctValues<T> {
  if (few instanceof BoundedSet) return few;
  return { items: new Set(few === undefined ? [] : [few]), saturated: false };
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

/**
 * One copy of each list of rule ids: a verdict makes its list per flow, and a service keeps the
 * list of its worst flow; the same few lists recur across services. Bounded like `intern`.
 */
const internedRules = new Map<string, string[]>();
const NO_RULES: string[] = [];

function internRules(rules: string[]): string[] {
  if (rules.length === 0) return NO_RULES;
  const k = rules.length === 1 ? (rules[0] ?? '') : rules.join('\u0000');
  const known = internedRules.get(k);
  if (known !== undefined) return known;
  if (internedRules.size < INTERNED_MAX) internedRules.set(k, rules);
  return rules;
}

/**
 * A text of its own, for texts a service keeps: a log line is a slice of the text of its whole
 * read block (ingest/logs/framing.ts), and V8 keeps a slice of 13 characters or more (an address
 * such as 192.168.100.200, a rule name) as a reference into that text, so one kept address
 * would keep its 4 MiB block alive. Shorter texts are always copies.
 */
function ownCopy<T extends string>(s: T): T {
  if (s.length < 13) return s;
  const copy: unknown = JSON.parse(JSON.stringify(s));
  return typeof copy === 'string' && copy === s ? (copy as T) : s;
}

/**
 * A text made by concatenation is a tree of pieces until something flattens it, and a flattened
 * one keeps its tree's root beside the flat copy: a service key kept that way cost about two
 * and a half times its characters. `normalize` returns a new flat string; a text whose
 * normalization differs (decomposed Unicode in a host name) is kept as it is.
 */
function flatText(s: string): string {
  if (s.length < 13) return s;
  const n = s.normalize();
  return n === s ? n : s;
}

type Denial = { source: string; rule: string | null; flows: number };
type DeniedBy = Map<string, Denial>;
function denialKey(source: string, rule: string | null): string {
  return `${source}\u0000${rule ?? ''}`;
}

/** An address side as its label alone (see ServiceAccumulator.clientEnd). */
function compactEnd(e: EndIdentity): EndIdentity | string {
  return e.kind === 'address' && e.product === null && e.role === null ? ownCopy(e.label) : e;
}

function fullEnd(e: EndIdentity | string): EndIdentity {
  return typeof e === 'string' ? { label: e, kind: 'address', product: null, role: null } : e;
}

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
  examples: ExampleData[];
  order: number;
}

/** An example flow as plain data. */
export interface ExampleData {
  flow: string;
  clientIp: string;
  clientPort: number;
  serverIp: string;
  serverPort: number;
  first: string;
  outcome: Outcome;
  evidence: Verdict['flow']['evidence'];
  reason: string;
}

export interface ServiceEndAccumulator {
  identity: EndIdentity;
  addresses: DistinctValues<string>;
}

/**
 * An example flow as a service keeps it: the flow's own values (its endpoint texts are made when
 * the report is), and its reason only when it differs from the service's.
 */
interface ExampleRecord extends Omit<ExampleData, 'reason'> {
  /** Null when it is the service's reason. */
  reason: string | null;
}

/** One example held as it is, several in an array (most services keep one). */
type Examples = ExampleRecord | ExampleRecord[] | undefined;

function examplesList(ex: Examples): readonly ExampleRecord[] {
  if (ex === undefined) return [];
  return Array.isArray(ex) ? ex : [ex];
}

function counts(n: number): number[] {
  return new Array<number>(n).fill(0);
}

/**
 * A service's totals. Compact, because a run without an inventory has about one service per flow:
 * single values are held without a set, counts by finding and outcome without an array while
 * only one occurred, one example without an array, and no copy of the texts it shares with the
 * flows (the flow's endpoint texts are made when the report is).
 */
export class ServiceAccumulator {
  readonly key: string;
  readonly proto: string;
  /** A side's identity, or its label alone when it is an address (most services, without an inventory). */
  private readonly clientEnd: EndIdentity | string;
  private readonly serverEnd: EndIdentity | string;
  private readonly port: number | null;
  private readonly keyRule: string | null;
  finding: Finding = 'ok';
  severity: Severity = 'none';
  status: DocStatus = 'undocumented';
  rules: string[] = NO_RULES;
  wrongDirection: string | null = null;
  confidence: 'exact' | 'port-only' | 'fallback' | 'announced' | null = null;
  reason = '';
  flows = 0;
  /** Finding and outcome index of every flow while there is one; counts (indexed like FINDINGS and OUTCOMES) once there are two. */
  private soleFinding = 0;
  private soleOutcome = 0;
  private findingCounts: number[] | undefined = undefined;
  private outcomeCounts: number[] | undefined = undefined;
  blocked = 0;
  packets = 0;
  bytesToServer = 0;
  bytesToClient = 0;
  first = '';
  last = '';
  private clients: Few<string> = undefined;
  private servers: Few<string> = undefined;
  private serverPorts: Few<number> = undefined;
  /** The firewall rules that denied flows: one held as it is, several by `source\0rule`. */
  private denials: Denial | DeniedBy | undefined = undefined;
  private ex: Examples = undefined;
  /** First-seen order, for stable output of equal services (renumbered when a merge adopts the service). */
  order: number;

  constructor(identity: ServiceIdentity, proto: string, order: number) {
    this.key = flatText(identity.key);
    this.clientEnd = compactEnd(identity.client);
    this.serverEnd = compactEnd(identity.server);
    this.port = identity.port;
    this.keyRule = identity.keyRule;
    this.proto = proto;
    this.order = order;
  }

  /** Flows not blocked (every flow is one or the other). */
  get allowed(): number {
    return this.flows - this.blocked;
  }

  /** What the service aggregates under (a new object). */
  get identity(): ServiceIdentity {
    return { key: this.key, client: fullEnd(this.clientEnd), server: fullEnd(this.serverEnd), port: this.port, keyRule: this.keyRule };
  }

  /** The client side: its identity and the distinct addresses seen (a view made on each call). */
  get client(): ServiceEndAccumulator {
    return { identity: fullEnd(this.clientEnd), addresses: fewView(this.clients) };
  }

  get server(): ServiceEndAccumulator {
    return { identity: fullEnd(this.serverEnd), addresses: fewView(this.servers) };
  }

  /** Distinct server ports (a view made on each call). */
  get ports(): DistinctValues<number> {
    return fewView(this.serverPorts);
  }

  /** Distinct client (or server) addresses in first-seen order, and how many were counted. */
  addresses(side: 'client' | 'server'): string[] {
    return fewValues(side === 'client' ? this.clients : this.servers);
  }

  addressCount(side: 'client' | 'server'): number {
    return fewSize(side === 'client' ? this.clients : this.servers);
  }

  /** Distinct server ports in first-seen order. */
  portValues(): number[] {
    return fewValues(this.serverPorts);
  }

  portCount(): number {
    return fewSize(this.serverPorts);
  }

  private findingCountArray(): number[] {
    if (this.findingCounts !== undefined) return this.findingCounts;
    const c = counts(FINDINGS.length);
    if (this.flows > 0) c[this.soleFinding] = this.flows;
    return c;
  }

  private outcomeCountArray(): number[] {
    if (this.outcomeCounts !== undefined) return this.outcomeCounts;
    const c = counts(OUTCOMES.length);
    if (this.flows > 0) c[this.soleOutcome] = this.flows;
    return c;
  }

  /** The example flows (new objects, in the order kept). */
  get examples(): ExampleFlow[] {
    return examplesList(this.ex).map((e) => ({
      flow: e.flow,
      client: endpointText({ ip: e.clientIp, port: e.clientPort }),
      server: endpointText({ ip: e.serverIp, port: e.serverPort }),
      first: e.first,
      outcome: e.outcome,
      finding: this.finding,
      evidence: e.evidence,
      reason: e.reason ?? this.reason,
    }));
  }

  private pushExample(e: ExampleRecord): void {
    const ex = this.ex;
    if (ex === undefined) this.ex = e;
    else if (Array.isArray(ex)) ex.push(e);
    else this.ex = [ex, e];
  }

  private exampleCount(): number {
    const ex = this.ex;
    return ex === undefined ? 0 : Array.isArray(ex) ? ex.length : 1;
  }

  /** Examples of another service with its reason (null when it is that service's), rebased on this one's. */
  private adoptExamples(list: readonly ExampleRecord[], reason: string): void {
    for (const e of list) {
      if (this.exampleCount() >= EXAMPLES_PER_SERVICE) break;
      const r = e.reason ?? reason;
      this.pushExample(r === this.reason && e.reason === null ? e : { ...e, reason: r === this.reason ? null : r });
    }
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
    const soleBoth = later.findingCounts === undefined && later.outcomeCounts === undefined;
    if (this.flows === 0 && soleBoth) {
      this.soleFinding = later.soleFinding;
      this.soleOutcome = later.soleOutcome;
    } else if (soleBoth && this.findingCounts === undefined && this.outcomeCounts === undefined && this.soleFinding === later.soleFinding && this.soleOutcome === later.soleOutcome) {
      // Still one finding and one outcome: nothing to count apart.
    } else if (later.flows > 0) {
      const f = this.findingCountArray().slice();
      const o = this.outcomeCountArray().slice();
      const lf = later.findingCountArray();
      const lo = later.outcomeCountArray();
      for (let i = 0; i < f.length; i++) f[i] = (f[i] ?? 0) + (lf[i] ?? 0);
      for (let i = 0; i < o.length; i++) o[i] = (o[i] ?? 0) + (lo[i] ?? 0);
      this.findingCounts = f;
      this.outcomeCounts = o;
    }
    this.flows += later.flows;
    this.blocked += later.blocked;
    this.packets += later.packets;
    this.bytesToServer += later.bytesToServer;
    this.bytesToClient += later.bytesToClient;
    if (later.first !== '' && (this.first === '' || later.first < this.first)) this.first = later.first;
    if (later.last !== '' && (this.last === '' || later.last > this.last)) this.last = later.last;
    this.clients = fewMerge(this.clients, later.clients);
    this.servers = fewMerge(this.servers, later.servers);
    this.serverPorts = fewMerge(this.serverPorts, later.serverPorts);
    for (const e of later.deniedBy.values()) this.addDenial(e.source, e.rule, e.flows);
    if (adopt) {
      this.finding = later.finding;
      this.severity = later.severity;
      this.status = later.status;
      this.rules = later.rules;
      this.reason = later.reason;
      this.wrongDirection = later.wrongDirection;
      this.confidence = later.confidence;
      this.ex = undefined;
      this.adoptExamples(examplesList(later.ex), later.reason);
    } else if (same) {
      this.adoptExamples(examplesList(later.ex), later.reason);
    }
  }

  /** Plain data (for a worker thread's result); `fromData` makes the accumulator again. */
  toData(): ServiceData {
    return {
      identity: this.identity,
      proto: this.proto,
      clientAddresses: fewToData(this.clients),
      serverAddresses: fewToData(this.servers),
      finding: this.finding,
      severity: this.severity,
      status: this.status,
      rules: this.rules,
      wrongDirection: this.wrongDirection,
      confidence: this.confidence,
      reason: this.reason,
      flows: this.flows,
      findingCounts: this.findingCountArray(),
      outcomeCounts: this.outcomeCountArray(),
      allowed: this.allowed,
      blocked: this.blocked,
      packets: this.packets,
      bytesToServer: this.bytesToServer,
      bytesToClient: this.bytesToClient,
      first: this.first,
      last: this.last,
      ports: fewToData(this.serverPorts),
      denials: [...this.deniedBy.entries()],
      examples: examplesList(this.ex).map((e) => ({ ...e, reason: e.reason ?? this.reason })),
      order: this.order,
    };
  }

  /** The accumulator of `toData`, at first-seen position `order` (default: the one it had). */
  static fromData(d: ServiceData, order = d.order): ServiceAccumulator {
    const acc = new ServiceAccumulator(d.identity, d.proto, order);
    acc.clients = fewMerge(undefined, d.clientAddresses);
    acc.servers = fewMerge(undefined, d.serverAddresses);
    acc.finding = d.finding;
    acc.severity = d.severity;
    acc.status = d.status;
    acc.rules = internRules(d.rules);
    acc.wrongDirection = d.wrongDirection;
    acc.confidence = d.confidence;
    acc.reason = intern(d.reason);
    acc.flows = d.flows;
    const nf = d.findingCounts.filter((n) => n > 0).length;
    const no = d.outcomeCounts.filter((n) => n > 0).length;
    if (nf <= 1 && no <= 1) {
      acc.soleFinding = Math.max(0, d.findingCounts.findIndex((n) => n > 0));
      acc.soleOutcome = Math.max(0, d.outcomeCounts.findIndex((n) => n > 0));
    } else {
      acc.findingCounts = FINDINGS.map((_, i) => d.findingCounts[i] ?? 0);
      acc.outcomeCounts = OUTCOMES.map((_, i) => d.outcomeCounts[i] ?? 0);
    }
    acc.blocked = d.blocked;
    acc.packets = d.packets;
    acc.bytesToServer = d.bytesToServer;
    acc.bytesToClient = d.bytesToClient;
    acc.first = d.first;
    acc.last = d.last;
    acc.serverPorts = fewMerge(undefined, d.ports);
    for (const [, e] of d.denials) acc.addDenial(e.source, e.rule, e.flows);
    for (const e of d.examples) acc.pushExample({ ...e, reason: e.reason === acc.reason ? null : intern(e.reason) });
    return acc;
  }

  /** Flows per finding that occurred (a new Map, in FINDINGS order). */
  get flowsByFinding(): Map<Finding, number> {
    return countsMap(FINDINGS, this.findingCountArray());
  }

  /** Flows per outcome that occurred (a new Map, in OUTCOMES order). */
  get outcomes(): Map<Outcome, number> {
    return countsMap(OUTCOMES, this.outcomeCountArray());
  }

  /** The firewall rules that denied this service's flows, by `source\0rule` (at most DENY_RULES_PER_SERVICE). */
  get deniedBy(): ReadonlyMap<string, { source: string; rule: string | null; flows: number }> {
    const d = this.denials;
    if (d === undefined) return NO_DENIALS;
    return d instanceof Map ? d : new Map([[denialKey(d.source, d.rule), d]]);
  }

  /** Counts `flows` denials by a rule (a rule past the first DENY_RULES_PER_SERVICE is not listed). */
  private addDenial(source: string, rule: string | null, flows: number): void {
    const d = this.denials;
    if (d === undefined) {
      this.denials = { source, rule: rule === null ? null : ownCopy(rule), flows };
      return;
    }
    if (!(d instanceof Map)) {
      if (d.source === source && d.rule === rule) {
        d.flows += flows;
        return;
      }
      this.denials = new Map([[denialKey(d.source, d.rule), d]]);
    }
    const own = this.denials;
    if (!(own instanceof Map)) return;
    const k = denialKey(source, rule);
    const e = own.get(k);
    if (e !== undefined) e.flows += flows;
    else if (own.size < DENY_RULES_PER_SERVICE) own.set(k, { source, rule: rule === null ? null : ownCopy(rule), flows });
  }

  add(v: Verdict): void {
    const f = v.flow;
    const fi = FINDING_WEIGHT[f.finding];
    const oi = OUTCOME_INDEX.get(f.outcome) ?? 0;
    if (this.findingCounts !== undefined) this.findingCounts[fi] = (this.findingCounts[fi] ?? 0) + 1;
    else if (this.flows === 0 || this.soleFinding === fi) this.soleFinding = fi;
    else {
      const c = counts(FINDINGS.length);
      c[this.soleFinding] = this.flows;
      c[fi] = 1;
      this.findingCounts = c;
    }
    if (this.outcomeCounts !== undefined) this.outcomeCounts[oi] = (this.outcomeCounts[oi] ?? 0) + 1;
    else if (this.flows === 0 || this.soleOutcome === oi) this.soleOutcome = oi;
    else {
      const c = counts(OUTCOMES.length);
      c[this.soleOutcome] = this.flows;
      c[oi] = 1;
      this.outcomeCounts = c;
    }
    this.flows++;
    if (f.reachability === 'blocked') this.blocked++;
    this.packets += f.packets.client + f.packets.server;
    this.bytesToServer += f.bytes.client;
    this.bytesToClient += f.bytes.server;
    if (this.first === '' || f.first < this.first) this.first = f.first;
    if (this.last === '' || f.last > this.last) this.last = f.last;
    this.clients = fewAdd(this.clients, f.client.ip);
    this.servers = fewAdd(this.servers, f.server.ip);
    if (f.server.port !== 0 || f.proto === 'tcp' || f.proto === 'udp') this.serverPorts = fewAdd(this.serverPorts, f.server.port);
    if (f.reachability === 'blocked' && f.outcome === 'denied' && f.firewall !== undefined) {
      this.addDenial(f.firewall.source, f.firewall.rule !== undefined && f.firewall.rule.length > 0 ? f.firewall.rule : null, 1);
    }
    const worse = this.flows === 1 || FINDING_WEIGHT[f.finding] > FINDING_WEIGHT[this.finding];
    if (worse) {
      this.finding = f.finding;
      this.severity = f.severity;
      this.status = f.status;
      this.rules = internRules(f.rules);
      this.reason = intern(f.reason);
      this.wrongDirection = f.wrongDirection ?? null;
      this.confidence = f.confidence ?? null;
      this.ex = undefined;
    }
    if (f.finding === this.finding && this.exampleCount() < EXAMPLES_PER_SERVICE) {
      this.pushExample({
        flow: f.id,
        // The copies the address sets hold when they are the same address (see ownCopy).
        clientIp: typeof this.clients === 'string' && this.clients === f.client.ip ? this.clients : ownCopy(f.client.ip),
        clientPort: f.client.port,
        serverIp: typeof this.servers === 'string' && this.servers === f.server.ip ? this.servers : ownCopy(f.server.ip),
        serverPort: f.server.port,
        first: f.first,
        outcome: f.outcome,
        evidence: f.evidence,
        reason: f.reason === this.reason ? null : intern(f.reason),
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
        this.services.set(acc.key, acc);
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
    for (const s of d.services) {
      const acc = ServiceAccumulator.fromData(s);
      a.services.set(acc.key, acc);
    }
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
