/**
 * Drift: what changed between two saved reports (report/types.ts), and a service's presence
 * across a folder of dated reports. docs/drift.md documents every field of the JSON output.
 *
 * Field order in these interfaces is the field order of the JSON output (objects are built in
 * this order), so the same two reports always give byte-identical drift output.
 */
import type { ProtoName } from '../model.js';
import type { DocStatus, Finding, Severity } from '../classify/types.js';
import type {
  LimitHit,
  ReportCommand,
  ReportInput,
  ReportOrdering,
  ReportTotals,
  ServiceReachability,
  ServiceRow,
} from '../report/types.js';

/** Version of the drift JSON output (not of the reports it reads). */
export const DRIFT_SCHEMA_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// What the reader keeps of one report: the header and one slim record per service.
// ---------------------------------------------------------------------------------------------

/** The fields of a service row that drift compares and shows. */
export interface ServiceSummary {
  key: string;
  /** Labels of the two ends as they appear in the key. */
  client: string;
  server: string;
  proto: ProtoName;
  port: number | null;
  keyRule: string | null;
  finding: Finding;
  severity: Severity;
  status: DocStatus;
  reachability: ServiceReachability;
  rules: string[];
  reason: string;
  flows: number;
  allowed: number;
  blocked: number;
  packets: number;
  bytes: number;
  first: string;
  last: string;
  /** `source "rule"` texts of the firewall rules that denied flows, most denials first (at most 3). */
  deniedBy: string[];
}

/** One input of a report, as much as drift shows. */
export interface RunInput {
  name: string;
  format: string;
  kind: ReportInput['kind'];
  flows: number;
  /** The damage message when reading the input stopped early or met damage; else null. */
  damage: string | null;
}

export interface RunProduct {
  id: string;
  name: string;
  rules: number;
  source: string;
}

/** A report as drift reads it: the header fields, catalog coverage, and every service by key. */
export interface LoadedReport {
  /** The file as named on the command line (`<stdin>` for `-`). */
  file: string;
  /** The schemaVersion written in the file (the reader upgrades older versions to the current one). */
  schemaVersion: number;
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
  /** Flows per documented rule (`product/rule`) that traffic used. */
  rulesSeen: Map<string, number>;
  /** Rules (`product/rule`) of the report's catalog that no flow used. */
  rulesNeverSeen: Set<string>;
  limits: LimitHit[];
  /** Anomalies counted while reading the report's inputs. */
  anomalies: number;
  services: Map<string, ServiceSummary>;
}

// ---------------------------------------------------------------------------------------------
// Comparing two reports.
// ---------------------------------------------------------------------------------------------

/** Drift items have their own severity; `none` is never used (an unchanged service is no item). */
export type DriftSeverity = Exclude<Severity, 'none'>;

export const DRIFT_SEVERITIES: readonly DriftSeverity[] = ['high', 'medium', 'low', 'info'];

/**
 * What changed. The order of this list is the order of the sections every format shows.
 * - `new-service`: a key in NEW only;
 * - `newly-blocked`: reachability moved towards blocked (allowed → mixed → blocked);
 * - `unblocked`: reachability moved towards allowed (blocked → mixed → allowed);
 * - `finding-changed`: same reachability, different finding (a catalog or inventory update, ...);
 * - `volume-changed`: flows or bytes changed by the volume threshold factor or more, either way;
 * - `vanished-service`: a key in OLD only;
 * - `rule-no-longer-seen` / `rule-newly-seen`: catalog coverage, per documented rule.
 */
export type DriftKind =
  | 'new-service'
  | 'newly-blocked'
  | 'unblocked'
  | 'finding-changed'
  | 'volume-changed'
  | 'vanished-service'
  | 'rule-no-longer-seen'
  | 'rule-newly-seen';

export const DRIFT_KINDS: readonly DriftKind[] = [
  'new-service',
  'newly-blocked',
  'unblocked',
  'finding-changed',
  'volume-changed',
  'vanished-service',
  'rule-no-longer-seen',
  'rule-newly-seen',
];

/** A service as it was in one of the two runs. */
export interface ServiceState {
  finding: Finding;
  severity: Severity;
  status: DocStatus;
  reachability: ServiceReachability;
  flows: number;
  allowed: number;
  blocked: number;
  bytes: number;
  first: string;
  last: string;
  rules: string[];
  reason: string;
  deniedBy: string[];
}

export interface VolumeChange {
  /** NEW ÷ OLD; null when either side is 0 (no ratio). */
  flowsFactor: number | null;
  bytesFactor: number | null;
  direction: 'up' | 'down';
}

export interface ServiceDrift {
  kind: Exclude<DriftKind, 'rule-no-longer-seen' | 'rule-newly-seen'>;
  severity: DriftSeverity;
  key: string;
  /** One line in words. */
  summary: string;
  old: ServiceState | null;
  new: ServiceState | null;
  /** Set on `volume-changed` items; null on the others. */
  volume: VolumeChange | null;
}

export interface RuleDrift {
  kind: 'rule-no-longer-seen' | 'rule-newly-seen';
  severity: DriftSeverity;
  /** `product/rule`. */
  key: string;
  summary: string;
  /** Flows the rule documented in each run (0 when none). */
  oldFlows: number;
  newFlows: number;
  /** False when the rule is missing from that run's catalog altogether (not merely unused). */
  inOldCatalog: boolean;
  inNewCatalog: boolean;
}

export type DriftItem = ServiceDrift | RuleDrift;

export function isRuleDrift(i: DriftItem): i is RuleDrift {
  return i.kind === 'rule-no-longer-seen' || i.kind === 'rule-newly-seen';
}

/** One of the two runs, summarised for the drift header. */
export interface RunSummary {
  file: string;
  schemaVersion: number;
  toolVersion: string;
  command: ReportCommand;
  inputs: RunInput[];
  first: string | null;
  last: string | null;
  flows: number;
  services: number;
  catalogHash: string;
  products: RunProduct[];
  inventory: { file: string; entries: number } | null;
  params: Record<string, number>;
  limits: LimitHit[];
  anomalies: number;
}

export interface CatalogChange {
  changed: boolean;
  oldHash: string;
  newHash: string;
  /** Product ids. */
  productsAdded: string[];
  productsRemoved: string[];
  /** Products in both whose rule count or source differs. */
  productsChanged: string[];
}

export interface DriftCounts {
  byKind: Record<DriftKind, number>;
  bySeverity: Record<DriftSeverity, number>;
  services: { old: number; new: number; common: number; unchanged: number };
}

export interface DriftResult {
  kind: 'portolan-drift';
  schemaVersion: typeof DRIFT_SCHEMA_VERSION;
  volumeThreshold: number;
  old: RunSummary;
  new: RunSummary;
  catalog: CatalogChange;
  inventoryChanged: boolean;
  paramsChanged: boolean;
  /** Things to know before reading the items (catalog changed, different commands, ...), most important first. */
  notes: string[];
  counts: DriftCounts;
  /** In DRIFT_KINDS order, then by severity (worst first), then by key. */
  items: DriftItem[];
}

// ---------------------------------------------------------------------------------------------
// History: a folder of dated reports.
// ---------------------------------------------------------------------------------------------

export interface HistoryRun {
  /** 1-based position in date order. */
  run: number;
  file: string;
  /** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (UTC for report times); null when nothing dated the report. */
  date: string | null;
  /** Where the date came from: the file name, the report's earliest flow, or nothing (file name order). */
  dateSource: 'file-name' | 'report' | 'none';
  command: ReportCommand;
  flows: number;
  services: number;
  catalogHash: string;
  /** True when this run's catalog hash differs from the run before it. */
  catalogChanged: boolean;
  /** Services per worst finding. */
  byFinding: Record<Finding, number>;
}

export interface HistoryChange {
  run: number;
  from: Finding;
  to: Finding;
}

export interface HistoryService {
  key: string;
  /** One entry per run: the service's finding in that run, or null when it was not seen. */
  timeline: Array<Finding | null>;
  /** Runs (1-based) of the first and last sighting. */
  firstRun: number;
  lastRun: number;
  /** The finding in the last run that saw it. */
  finding: Finding;
  severity: Severity;
  /** Runs where its finding changed from the previous sighting. */
  changes: HistoryChange[];
}

export interface HistoryResult {
  kind: 'portolan-drift-history';
  schemaVersion: typeof DRIFT_SCHEMA_VERSION;
  /** The folder as named on the command line. */
  folder: string;
  runs: HistoryRun[];
  /** Worst latest finding first, then by key. */
  services: HistoryService[];
  /** Drift between the last two runs (what `--fail-on` looks at); null with fewer than two runs. */
  latest: { old: string; new: string; counts: DriftCounts; worst: DriftSeverity | null } | null;
}

/** The fields of `ServiceRow` the reader needs; a compile-time check that they still exist. */
export type ServiceRowFieldsRead = Pick<
  ServiceRow,
  | 'key'
  | 'client'
  | 'server'
  | 'proto'
  | 'port'
  | 'keyRule'
  | 'finding'
  | 'severity'
  | 'status'
  | 'reachability'
  | 'rules'
  | 'reason'
  | 'flows'
  | 'allowed'
  | 'blocked'
  | 'packets'
  | 'bytes'
  | 'first'
  | 'last'
  | 'deniedBy'
>;
