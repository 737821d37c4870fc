/**
 * Compares two reports by service key (DESIGN.md "Drift"): new and vanished services,
 * reachability and finding changes, volume changes past a factor, catalog coverage per rule,
 * and the context that explains them (catalog, inventory, parameters, commands, time ranges).
 *
 * Every drift item gets a severity of its own; the table of rules is `severityOf*` below and
 * docs/drift.md. Pure: values in, values out.
 */
import { SEVERITY_ORDER } from '../classify/types.js';
import { FINDING_LABEL, groupDigits, humanBytes, shortTime } from '../report/format.js';
import type { ServiceReachability } from '../report/types.js';
import { DRIFT_SCHEMA_VERSION } from './types.js';
import type {
  CatalogChange,
  DriftCounts,
  DriftItem,
  DriftKind,
  DriftResult,
  DriftSeverity,
  LoadedReport,
  RuleDrift,
  RunSummary,
  ServiceDrift,
  ServiceState,
  ServiceSummary,
  VolumeChange,
} from './types.js';

export const DEFAULT_VOLUME_THRESHOLD = 10;

export interface CompareOptions {
  /** A volume change is reported when flows or bytes grow or shrink by this factor or more (> 1). */
  volumeThreshold?: number;
}

const REACH_RANK: Record<ServiceReachability, number> = { allowed: 0, mixed: 1, blocked: 2 };
const KIND_RANK: Record<DriftKind, number> = {
  'new-service': 0,
  'newly-blocked': 1,
  unblocked: 2,
  'finding-changed': 3,
  'volume-changed': 4,
  'vanished-service': 5,
  'rule-no-longer-seen': 6,
  'rule-newly-seen': 7,
};
const DRIFT_RANK: Record<DriftSeverity, number> = { high: 4, medium: 3, low: 2, info: 1 };

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Section order, then worst first, then key. */
export function compareItems(a: DriftItem, b: DriftItem): number {
  return KIND_RANK[a.kind] - KIND_RANK[b.kind] || DRIFT_RANK[b.severity] - DRIFT_RANK[a.severity] || cmpStr(a.key, b.key);
}

/** True when `s` is at or above `floor`. */
export function atOrAbove(s: DriftSeverity, floor: DriftSeverity): boolean {
  return DRIFT_RANK[s] >= DRIFT_RANK[floor];
}

/** The worst severity among items, or null when there are none. */
export function worstSeverity(items: readonly DriftItem[]): DriftSeverity | null {
  let worst: DriftSeverity | null = null;
  for (const i of items) if (worst === null || DRIFT_RANK[i.severity] > DRIFT_RANK[worst]) worst = i.severity;
  return worst;
}

// ---------------------------------------------------------------------------------------------
// Severity of each kind of change.
// ---------------------------------------------------------------------------------------------

function documented(s: ServiceSummary): boolean {
  return s.status === 'documented' || s.status === 'dynamic';
}

/** A service seen for the first time: as bad as what it is. */
export function severityOfNew(s: ServiceSummary): DriftSeverity {
  switch (s.finding) {
    case 'broken-requirement':
    case 'exposure':
      return 'high';
    case 'undocumented':
    case 'deprecated-in-use':
      return 'medium';
    case 'info':
      return 'low';
    case 'ok':
      return 'info';
  }
}

/** A service no longer seen: documented traffic that stopped is worth a look; the rest is news. */
export function severityOfVanished(s: ServiceSummary): DriftSeverity {
  return documented(s) && s.reachability !== 'blocked' ? 'low' : 'info';
}

/** More of a service is blocked than before: high when that breaks a documented requirement. */
export function severityOfNewlyBlocked(now: ServiceSummary): DriftSeverity {
  if (now.finding === 'broken-requirement') return 'high';
  return documented(now) ? 'low' : 'info';
}

/** Less of a service is blocked than before: high when what got through is an exposure. */
export function severityOfUnblocked(now: ServiceSummary): DriftSeverity {
  switch (now.finding) {
    case 'exposure':
      return 'high';
    case 'undocumented':
    case 'deprecated-in-use':
      return 'medium';
    case 'broken-requirement': // blocked → mixed: still broken, but less
    case 'info':
    case 'ok':
      return 'info';
  }
}

/** Same reachability, another finding: worse takes the new finding's severity; better is news. */
export function severityOfFindingChange(was: ServiceSummary, now: ServiceSummary): DriftSeverity {
  const a = SEVERITY_ORDER[was.severity];
  const b = SEVERITY_ORDER[now.severity];
  if (b > a) return now.severity === 'none' ? 'info' : now.severity;
  return b === a ? 'low' : 'info';
}

/** More or less traffic: more of something bad is medium; any other volume change is low. */
export function severityOfVolume(now: ServiceSummary, direction: 'up' | 'down'): DriftSeverity {
  if (direction === 'up' && SEVERITY_ORDER[now.severity] >= SEVERITY_ORDER.medium) return 'medium';
  return 'low';
}

// ---------------------------------------------------------------------------------------------
// Words.
// ---------------------------------------------------------------------------------------------

function findingWords(s: ServiceSummary | ServiceState): string {
  return FINDING_LABEL[s.finding];
}

function reachWords(r: ServiceReachability, s: ServiceSummary | ServiceState): string {
  return r === 'mixed' ? `mixed (${groupDigits(s.blocked)} of ${groupDigits(s.flows)} blocked)` : r;
}

function flowsWords(n: number): string {
  return `${groupDigits(n)} flow${n === 1 ? '' : 's'}`;
}

/** `3 flows, 1.2 kB`; the bytes only when known (firewall logs often give none). */
function volumeWords(s: ServiceSummary): string {
  return s.bytes > 0 ? `${flowsWords(s.flows)}, ${humanBytes(s.bytes)}` : flowsWords(s.flows);
}

function deniedWords(s: ServiceSummary): string {
  return s.deniedBy.length > 0 ? `; denied by ${s.deniedBy.join(', ')}` : '';
}

function rulesWords(s: ServiceSummary): string {
  return s.rules.length > 0 ? ` (${s.rules.slice(0, 3).join(', ')}${s.rules.length > 3 ? ', …' : ''})` : '';
}

/** `×12.5`, `÷20`: a factor as a person reads it. */
export function factorWords(f: number): string {
  const v = f >= 1 ? f : 1 / f;
  const text = v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(2).replace(/\.?0+$/, '');
  return `${f >= 1 ? '×' : '÷'}${text}`;
}

function stateOf(s: ServiceSummary): ServiceState {
  return {
    finding: s.finding,
    severity: s.severity,
    status: s.status,
    reachability: s.reachability,
    flows: s.flows,
    allowed: s.allowed,
    blocked: s.blocked,
    bytes: s.bytes,
    first: s.first,
    last: s.last,
    rules: s.rules,
    reason: s.reason,
    deniedBy: s.deniedBy,
  };
}

function serviceItem(
  kind: ServiceDrift['kind'],
  severity: DriftSeverity,
  key: string,
  summary: string,
  was: ServiceSummary | undefined,
  now: ServiceSummary | undefined,
  volume: VolumeChange | null = null,
): ServiceDrift {
  return {
    kind,
    severity,
    key,
    summary,
    old: was === undefined ? null : stateOf(was),
    new: now === undefined ? null : stateOf(now),
    volume,
  };
}

// ---------------------------------------------------------------------------------------------
// Per-service changes.
// ---------------------------------------------------------------------------------------------

function newService(now: ServiceSummary): ServiceDrift {
  const summary = `new ${findingWords(now)} service${rulesWords(now)}, ${reachWords(now.reachability, now)}: ${volumeWords(now)}${deniedWords(now)}`;
  return serviceItem('new-service', severityOfNew(now), now.key, summary, undefined, now);
}

function vanishedService(was: ServiceSummary): ServiceDrift {
  const summary = `no longer seen: was ${findingWords(was)}, ${reachWords(was.reachability, was)}, ${volumeWords(was)}, last seen ${shortTime(was.last)}`;
  return serviceItem('vanished-service', severityOfVanished(was), was.key, summary, was, undefined);
}

function stateChange(was: ServiceSummary, now: ServiceSummary): ServiceDrift | null {
  const dr = REACH_RANK[now.reachability] - REACH_RANK[was.reachability];
  const findingText =
    was.finding === now.finding ? findingWords(now) : `${findingWords(was)} → ${findingWords(now)}`;
  if (dr > 0) {
    const what = now.finding === 'broken-requirement' ? 'a documented requirement is now blocked' : 'now blocked';
    const summary = `${reachWords(was.reachability, was)} → ${reachWords(now.reachability, now)}: ${what}${rulesWords(now)}; ${findingText}${deniedWords(now)}`;
    return serviceItem('newly-blocked', severityOfNewlyBlocked(now), now.key, summary, was, now);
  }
  if (dr < 0) {
    const what = now.finding === 'exposure' ? 'traffic a document says to block now gets through' : 'now gets through';
    const summary = `${reachWords(was.reachability, was)} → ${reachWords(now.reachability, now)}: ${what}${rulesWords(now)}; ${findingText}`;
    return serviceItem('unblocked', severityOfUnblocked(now), now.key, summary, was, now);
  }
  if (was.finding !== now.finding) {
    let why = '';
    if (was.status !== now.status) why = `; status ${was.status} → ${now.status}`;
    if (now.rules.length > 0 && was.rules.join() !== now.rules.join()) why += `; now documented by ${now.rules.slice(0, 3).join(', ')}`;
    else if (now.rules.length === 0 && was.rules.length > 0) why += `; no rule documents it any more (was ${was.rules.slice(0, 3).join(', ')})`;
    const summary = `${findingText}, ${reachWords(now.reachability, now)}${why}`;
    return serviceItem('finding-changed', severityOfFindingChange(was, now), now.key, summary, was, now);
  }
  return null;
}

function factor(a: number, b: number): number | null {
  return a > 0 && b > 0 ? b / a : null;
}

function volumeChange(was: ServiceSummary, now: ServiceSummary, threshold: number): ServiceDrift | null {
  const ff = factor(was.flows, now.flows);
  const bf = factor(was.bytes, now.bytes);
  const past = (f: number | null): boolean => f !== null && (f >= threshold || f <= 1 / threshold);
  if (!past(ff) && !past(bf)) return null;
  // The direction of the larger change decides when flows and bytes disagree.
  const mag = (f: number | null): number => (f === null ? 0 : Math.abs(Math.log(f)));
  const lead = (mag(ff) >= mag(bf) ? ff : bf) ?? 1;
  const direction = lead >= 1 ? 'up' : 'down';
  const parts: string[] = [];
  if (ff !== null && ff !== 1) parts.push(`flows ${factorWords(ff)} (${groupDigits(was.flows)} → ${groupDigits(now.flows)})`);
  if (bf !== null && bf !== 1) parts.push(`bytes ${factorWords(bf)} (${humanBytes(was.bytes)} → ${humanBytes(now.bytes)})`);
  const summary = `${parts.join(', ')}; ${findingWords(now)}, ${reachWords(now.reachability, now)}`;
  return serviceItem('volume-changed', severityOfVolume(now, direction), now.key, summary, was, now, {
    flowsFactor: ff,
    bytesFactor: bf,
    direction,
  });
}

// ---------------------------------------------------------------------------------------------
// Catalog coverage per rule.
// ---------------------------------------------------------------------------------------------

function ruleItems(a: LoadedReport, b: LoadedReport): RuleDrift[] {
  const out: RuleDrift[] = [];
  const inCatalog = (r: LoadedReport, id: string): boolean => r.rulesSeen.has(id) || r.rulesNeverSeen.has(id);
  for (const [id, flows] of a.rulesSeen) {
    if (b.rulesSeen.has(id)) continue;
    const inNew = inCatalog(b, id);
    out.push({
      kind: 'rule-no-longer-seen',
      severity: inNew ? 'low' : 'info',
      key: id,
      summary: inNew
        ? `documented rule used by ${flowsWords(flows)} before, by none now`
        : `documented rule used by ${flowsWords(flows)} before; no longer in the catalog`,
      oldFlows: flows,
      newFlows: 0,
      inOldCatalog: true,
      inNewCatalog: inNew,
    });
  }
  for (const [id, flows] of b.rulesSeen) {
    if (a.rulesSeen.has(id)) continue;
    const inOld = inCatalog(a, id);
    out.push({
      kind: 'rule-newly-seen',
      severity: 'info',
      key: id,
      summary: inOld ? `documented rule unused before, now used by ${flowsWords(flows)}` : `rule new in the catalog, used by ${flowsWords(flows)}`,
      oldFlows: 0,
      newFlows: flows,
      inOldCatalog: inOld,
      inNewCatalog: true,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Context.
// ---------------------------------------------------------------------------------------------

export function runSummary(r: LoadedReport): RunSummary {
  return {
    file: r.file,
    schemaVersion: r.schemaVersion,
    toolVersion: r.toolVersion,
    command: r.command,
    inputs: r.inputs,
    first: r.first,
    last: r.last,
    flows: r.totals.flows,
    services: r.services.size,
    catalogHash: r.catalogHash,
    products: r.products,
    inventory: r.inventory,
    params: r.params,
    limits: r.limits,
    anomalies: r.anomalies,
  };
}

function catalogChange(a: LoadedReport, b: LoadedReport): CatalogChange {
  const pa = new Map(a.products.map((p) => [p.id, p]));
  const pb = new Map(b.products.map((p) => [p.id, p]));
  const added = [...pb.keys()].filter((id) => !pa.has(id)).sort(cmpStr);
  const removed = [...pa.keys()].filter((id) => !pb.has(id)).sort(cmpStr);
  const changed = [...pa.keys()]
    .filter((id) => {
      const x = pa.get(id);
      const y = pb.get(id);
      return x !== undefined && y !== undefined && (x.rules !== y.rules || x.source !== y.source);
    })
    .sort(cmpStr);
  return {
    changed: a.catalogHash !== b.catalogHash || added.length + removed.length + changed.length > 0,
    oldHash: a.catalogHash,
    newHash: b.catalogHash,
    productsAdded: added,
    productsRemoved: removed,
    productsChanged: changed,
  };
}

function sameInventory(a: LoadedReport, b: LoadedReport): boolean {
  if (a.inventory === null || b.inventory === null) return a.inventory === b.inventory;
  return a.inventory.file === b.inventory.file && a.inventory.entries === b.inventory.entries;
}

function sameParams(a: Record<string, number>, b: Record<string, number>): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => b[k] === a[k]);
}

function spanMillis(r: LoadedReport): number | null {
  if (r.first === null || r.last === null) return null;
  const a = Date.parse(r.first.replace(/(\.\d{3})\d+/, '$1'));
  const b = Date.parse(r.last.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isFinite(a) && Number.isFinite(b) ? Math.max(0, b - a) : null;
}

function durationWords(ms: number): string {
  const s = ms / 1000;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} days`;
}

function notesFor(a: LoadedReport, b: LoadedReport, cat: CatalogChange, inventoryChanged: boolean, paramsChanged: boolean): string[] {
  const notes: string[] = [];
  if (cat.changed) {
    const parts: string[] = [];
    if (cat.productsAdded.length > 0) parts.push(`added ${cat.productsAdded.join(', ')}`);
    if (cat.productsRemoved.length > 0) parts.push(`removed ${cat.productsRemoved.join(', ')}`);
    if (cat.productsChanged.length > 0) parts.push(`changed ${cat.productsChanged.join(', ')}`);
    notes.push(
      `The catalog changed between the runs (sha256 ${a.catalogHash.slice(0, 12)} → ${b.catalogHash.slice(0, 12)}${parts.length > 0 ? `; products ${parts.join('; ')}` : ''}): a catalog change alone can shift verdicts.`,
    );
  }
  if (inventoryChanged) {
    const w = (r: LoadedReport): string => (r.inventory === null ? 'none' : `${r.inventory.file} (${r.inventory.entries} entries)`);
    notes.push(`The inventory changed (${w(a)} → ${w(b)}): service keys name inventory roles and hosts, so a service can vanish under one name and appear under another.`);
  }
  if (paramsChanged) {
    const w = (p: Record<string, number>): string => {
      const e = Object.entries(p);
      return e.length === 0 ? 'none' : e.map(([k, v]) => `${k}=${v}`).join(', ');
    };
    notes.push(`Parameters changed (${w(a.params)} → ${w(b.params)}): formula rules can match other ports.`);
  }
  if (a.command !== b.command) {
    notes.push(`OLD was written by \`${a.command}\` and NEW by \`${b.command}\`: the services are compared by key all the same.`);
  }
  const sa = spanMillis(a);
  const sb = spanMillis(b);
  if (sa !== null && sb !== null && sa > 0 && sb > 0 && (sa / sb >= 2 || sb / sa >= 2)) {
    notes.push(`OLD covers ${durationWords(sa)} of traffic and NEW ${durationWords(sb)}: volume changes partly reflect the different spans.`);
  }
  if (a.first !== null && b.first !== null && b.last !== null && a.last !== null && b.first < a.last && a.first < b.last) {
    notes.push('The two runs cover overlapping times: they may have read some of the same traffic.');
  }
  for (const [label, r] of [['OLD', a], ['NEW', b]] as const) {
    for (const l of r.limits) notes.push(`${label} reached the limit ${l.limit} (${l.value}): ${l.message}`);
    const damaged = r.inputs.filter((i) => i.damage !== null);
    if (damaged.length > 0) {
      notes.push(`${label} had damaged input${damaged.length === 1 ? '' : 's'}: ${damaged.map((i) => `${i.name} (${i.damage ?? ''})`).join('; ')}.`);
    }
  }
  return notes;
}

export function zeroCounts(): DriftCounts {
  return {
    byKind: {
      'new-service': 0,
      'newly-blocked': 0,
      unblocked: 0,
      'finding-changed': 0,
      'volume-changed': 0,
      'vanished-service': 0,
      'rule-no-longer-seen': 0,
      'rule-newly-seen': 0,
    },
    bySeverity: { high: 0, medium: 0, low: 0, info: 0 },
    services: { old: 0, new: 0, common: 0, unchanged: 0 },
  };
}

/** Compares OLD with NEW. */
export function compareReports(a: LoadedReport, b: LoadedReport, options: CompareOptions = {}): DriftResult {
  const threshold = options.volumeThreshold ?? DEFAULT_VOLUME_THRESHOLD;
  if (!(threshold > 1) || !Number.isFinite(threshold)) throw new RangeError(`volume threshold must be a number > 1, not ${threshold}`);
  const items: DriftItem[] = [];
  const counts = zeroCounts();
  counts.services.old = a.services.size;
  counts.services.new = b.services.size;
  for (const [key, now] of b.services) {
    const was = a.services.get(key);
    if (was === undefined) {
      items.push(newService(now));
      continue;
    }
    counts.services.common++;
    const change = stateChange(was, now);
    const volume = volumeChange(was, now, threshold);
    if (change !== null) items.push(change);
    if (volume !== null) items.push(volume);
    if (change === null && volume === null) counts.services.unchanged++;
  }
  for (const [key, was] of a.services) if (!b.services.has(key)) items.push(vanishedService(was));
  items.push(...ruleItems(a, b));
  items.sort(compareItems);
  for (const i of items) {
    counts.byKind[i.kind]++;
    counts.bySeverity[i.severity]++;
  }
  const catalog = catalogChange(a, b);
  const inventoryChanged = !sameInventory(a, b);
  const paramsChanged = !sameParams(a.params, b.params);
  return {
    kind: 'portolan-drift',
    schemaVersion: DRIFT_SCHEMA_VERSION,
    volumeThreshold: threshold,
    old: runSummary(a),
    new: runSummary(b),
    catalog,
    inventoryChanged,
    paramsChanged,
    notes: notesFor(a, b, catalog, inventoryChanged, paramsChanged),
    counts,
    items,
  };
}
