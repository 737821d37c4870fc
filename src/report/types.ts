/**
 * The JSON report: what `analyze --format json` and `audit --format json` write, what every other
 * renderer draws from, and what `drift` compares. docs/report-schema.md documents every field.
 *
 * Field order in these interfaces is the field order of the JSON output (the builder creates
 * objects in this order), so two reports of the same input are byte-identical and diff cleanly.
 * Nothing in a report depends on the wall clock or on the machine it was made on.
 *
 * Compatibility: `schemaVersion` changes only when a field is removed, renamed or changes meaning.
 * New optional fields may appear within a version; readers must ignore fields they do not know.
 */
import type { AnomalySummary, Evidence, Outcome, ProtoName } from '../model.js';
import type { DocStatus, Finding, Reachability, Severity } from '../classify/types.js';

export const REPORT_SCHEMA_VERSION = 1 as const;

/** Every finding, in the order reports list them (worst first). */
export const FINDING_ORDER: readonly Finding[] = [
  'broken-requirement',
  'exposure',
  'undocumented',
  'deprecated-in-use',
  'info',
  'ok',
];

export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low', 'info', 'none'];
export const DOC_STATUSES: readonly DocStatus[] = ['documented', 'dynamic', 'should-block', 'not-used', 'undocumented'];
export const REACHABILITIES: readonly Reachability[] = ['allowed', 'blocked'];

export type ReportCommand = 'analyze' | 'audit';

/**
 * How `services` and `findings` are ordered:
 * - `severity` (analyze): by severity, then finding, then flows (most first), then key;
 * - `firewall-review` (audit): broken requirements, exposures, undocumented allowed traffic, then the rest by severity.
 */
export type ReportOrdering = 'severity' | 'firewall-review';

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  tool: { name: 'portolan'; version: string };
  command: ReportCommand;
  ordering: ReportOrdering;
  generatedFrom: ReportSources;
  catalog: ReportCatalog;
  /** Null when no inventory was given (every match is then by port alone). */
  inventory: ReportInventory | null;
  /** Values given with `--param name=value`, by name (sorted). */
  params: Record<string, number>;
  totals: ReportTotals;
  counts: ReportCounts;
  /** Services whose finding is not `ok`, in the report's ordering: the short list a person reads first. */
  findings: FindingEntry[];
  /** Every service, in the report's ordering. */
  services: ServiceRow[];
  /** Catalog coverage: which documented rules traffic used, and which never appeared. */
  coverage: ProductCoverage[];
  /** Flows over time (by first-seen), by finding. */
  timeline: Timeline;
  /** Input anomalies (damaged records, unreadable lines), counted per code with a few examples. */
  anomalies: AnomalySummary[];
  /** Limits that were reached while building the report (service rows folded, ...). */
  limits: LimitHit[];
}

export interface ReportSources {
  inputs: ReportInput[];
  /** Earliest first-seen over all flows (RFC 3339 UTC, nanoseconds), null when there were no flows. */
  first: string | null;
  /** Latest last-seen over all flows. */
  last: string | null;
}

export interface ReportInput {
  /** The input as named on the command line (`<stdin>` for `-`). */
  name: string;
  /** `pcap`, `pcapng`, or a log format's registry name (`iptables`, `cisco-asa`, ...); empty when unreadable. */
  format: string;
  kind: 'capture' | 'log' | 'unreadable';
  /** Bytes read (captures: decompressed; logs: from the file). */
  bytes: number;
  /** Packets (captures) or lines (logs) read. */
  records: number;
  /** Flows this input contributed. */
  flows: number;
  /** Log lines that should have described traffic and could not be read (0 for captures; see `anomalies`). */
  badLines: number;
  /** Null when the input was read to its end without damage. */
  damage: InputDamage | null;
}

export interface InputDamage {
  /** True when reading stopped early (the rest of the input was unreadable): the run exits 2. */
  fatal: boolean;
  message: string;
  /** Where the damage starts: byte offset (captures) or line (logs). */
  offset?: number;
  line?: number;
}

export interface ReportCatalog {
  /** sha256 over the canonical JSON of every product (changes whenever any rule changes). */
  hash: string;
  products: ReportProduct[];
}

export interface ReportProduct {
  id: string;
  name: string;
  /** Number of rules. */
  rules: number;
  /** `built-in`, or the `--catalog` path the product was loaded from. */
  source: string;
  /** Seed documents the product's rules cite. */
  documents: string[];
}

export interface ReportInventory {
  /** The inventory path as given. */
  file: string;
  /** Number of entries (addresses and prefixes). */
  entries: number;
  /** Entries per product role, sorted by product then role. */
  roles: Array<{ product: string; role: string; entries: number }>;
}

export interface ReportTotals {
  flows: number;
  packets: number;
  bytes: number;
  services: number;
}

export interface FlowCounts {
  byFinding: Record<Finding, number>;
  bySeverity: Record<Severity, number>;
  byStatus: Record<DocStatus, number>;
  byReachability: Record<Reachability, number>;
}

export interface ReportCounts {
  /** Every classified flow counted once. */
  flows: FlowCounts;
  /** Every service row counted once, under its worst finding. */
  services: { byFinding: Record<Finding, number>; bySeverity: Record<Severity, number> };
}

export interface FindingEntry {
  key: string;
  finding: Finding;
  severity: Severity;
  reachability: ServiceReachability;
  flows: number;
  first: string;
  last: string;
  reason: string;
}

/** `mixed` when a service has both allowed and blocked flows (e.g. a firewall change during the capture). */
export type ServiceReachability = Reachability | 'mixed';

/**
 * One service: every flow with the same key, aggregated.
 *
 * The key is `<client> → <server> <proto>/<port>` or `<client> → <server> <proto> <product>/<rule>`:
 * - `<client>` / `<server>`: the role the matching rule names (`hcu200`), else the inventory host's
 *   name, else the address (IPv6 in brackets);
 * - `/<port>` when the server port is fixed (a single port or a list); the rule id when the rule's
 *   ports vary per flow (ranges, formulas, FTP data, RPC dynamic, ephemeral);
 * - `ftp-data`, `rpc-dynamic` or `tftp-data` in place of the port for announced data flows with no
 *   documenting rule, `icmp type N` for ICMP, the protocol name alone for other IP protocols.
 * Keys are stable across runs over the same network and catalog: `drift` matches services by key.
 */
export interface ServiceRow {
  key: string;
  client: ServiceEnd;
  server: ServiceEnd;
  proto: ProtoName;
  /** The server port when the key names a port; null when it names a rule or the protocol has no ports. */
  port: number | null;
  /** `product/rule` when the key names a rule; null otherwise. */
  keyRule: string | null;
  /** The worst finding among the service's flows. */
  finding: Finding;
  severity: Severity;
  /** The status of the flows that gave the worst finding. */
  status: DocStatus;
  reachability: ServiceReachability;
  /** `product/rule` ids that documented the flows, best first. */
  rules: string[];
  /** `product/rule` whose direction these flows reverse (the listener's role opened the connection); else null. */
  wrongDirection: string | null;
  /** How the best rule matched: `exact`, `announced`, `fallback`, `port-only`; null when no rule did. */
  confidence: 'exact' | 'port-only' | 'fallback' | 'announced' | null;
  /** The reason of the first flow that gave the worst finding. */
  reason: string;
  flows: number;
  /** Flows per finding (only findings that occurred, in FINDING_ORDER). */
  flowsByFinding: Partial<Record<Finding, number>>;
  /** Flows per outcome (only outcomes that occurred, in OUTCOMES order). */
  outcomes: Partial<Record<Outcome, number>>;
  allowed: number;
  blocked: number;
  packets: number;
  /** Bytes both ways; `bytesToServer` + `bytesToClient`. */
  bytes: number;
  bytesToServer: number;
  bytesToClient: number;
  first: string;
  last: string;
  /** Distinct server ports seen (at most 16 kept, sorted) and how many there were. */
  serverPorts: { count: number; ports: number[] };
  /** Firewall rules or policies that denied flows of this service, most denials first (at most 16). */
  deniedBy: DenyRule[];
  /** A few example flows (at most 3: the first ones seen with the worst finding). */
  examples: ServiceExample[];
}

export interface ServiceEnd {
  /** As it appears in the key. */
  label: string;
  /** What the label is: a catalog role, an inventory host name, or an address. */
  kind: 'role' | 'host' | 'address';
  /** Set when `kind` is `role`. */
  product: string | null;
  role: string | null;
  /** Distinct addresses seen on this side (at most 16 kept, sorted). */
  addresses: string[];
  addressCount: number;
}

export interface DenyRule {
  /** Log format (or `pflog`) that reported the denial. */
  source: string;
  /** Rule, policy or ACL as the firewall printed it; null when the log names none. */
  rule: string | null;
  /** Flows this rule denied. */
  flows: number;
}

export interface ServiceExample {
  /** Flow id within the run (`1.42`): the same id NDJSON output carries. */
  flow: string;
  /** `ip:port` (IPv6 in brackets). */
  client: string;
  server: string;
  first: string;
  outcome: Outcome;
  finding: Finding;
  evidence: Evidence;
  reason: string;
}

export interface ProductCoverage {
  product: string;
  name: string;
  rules: number;
  rulesSeen: number;
  /** One row per `from → to` role pair of the product's rules, sorted by from then to. */
  roles: RoleCoverage[];
}

export interface RoleCoverage {
  from: string;
  to: string;
  /** Rules with at least one flow, by rule id, with the number of flows they documented. */
  seen: Array<{ rule: string; flows: number }>;
  /** Rule ids no flow matched. */
  neverSeen: string[];
}

export interface Timeline {
  /** Width of each bin in seconds (grows by doubling so that there are at most 256 bins). */
  binSeconds: number;
  bins: TimelineBin[];
}

export interface TimelineBin {
  /** Start of the bin, RFC 3339 UTC. */
  start: string;
  /** Flows first seen in this bin, per finding (only findings that occurred). */
  flows: Partial<Record<Finding, number>>;
}

export interface LimitHit {
  /** Stable name of the limit (`max-services`). */
  limit: string;
  value: number;
  message: string;
}
