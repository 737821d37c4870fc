/**
 * The words and symbols every drift renderer shares: section titles, the cells for a run's
 * state of a service, the run header lines, and the history timeline symbols. Plain text; each
 * renderer escapes for its own sink.
 */
import type { Finding } from '../../classify/types.js';
import { FINDING_LABEL, groupDigits, humanBytes, shortTime } from '../../report/format.js';
import type { DriftItem, DriftKind, DriftResult, DriftSeverity, HistoryRun, RunSummary, ServiceState } from '../types.js';
import { FINDING_ORDER } from '../../report/types.js';
import { DRIFT_KINDS, DRIFT_SEVERITIES, isRuleDrift } from '../types.js';

export const KIND_TITLE: Record<DriftKind, string> = {
  'new-service': 'New services',
  'newly-blocked': 'Newly blocked',
  unblocked: 'No longer blocked',
  'finding-changed': 'Finding changed',
  'volume-changed': 'Volume changed',
  'vanished-service': 'Vanished services',
  'rule-no-longer-seen': 'Documented rules no longer seen',
  'rule-newly-seen': 'Documented rules newly seen',
};

/** Short label of a kind for one-line summaries and CSV readers. */
export const KIND_LABEL: Record<DriftKind, string> = {
  'new-service': 'new',
  'newly-blocked': 'newly blocked',
  unblocked: 'unblocked',
  'finding-changed': 'finding changed',
  'volume-changed': 'volume changed',
  'vanished-service': 'vanished',
  'rule-no-longer-seen': 'rule no longer seen',
  'rule-newly-seen': 'rule newly seen',
};

/** A service's state in one run as one cell: `undocumented, allowed, 12 flows`. */
export function stateCell(s: ServiceState | null): string {
  if (s === null) return '—';
  const reach = s.reachability === 'mixed' ? `mixed (${groupDigits(s.blocked)} blocked)` : s.reachability;
  const flows = `${groupDigits(s.flows)} flow${s.flows === 1 ? '' : 's'}`;
  return `${FINDING_LABEL[s.finding]}, ${reach}, ${s.bytes > 0 ? `${flows}, ${humanBytes(s.bytes)}` : flows}`;
}

/** The two state cells of an item (rules: their flow counts). */
export function itemCells(i: DriftItem): { was: string; now: string } {
  if (isRuleDrift(i)) {
    const w = (n: number, inCatalog: boolean): string => (inCatalog ? `${groupDigits(n)} flow${n === 1 ? '' : 's'}` : 'not in catalog');
    return { was: w(i.oldFlows, i.inOldCatalog), now: w(i.newFlows, i.inNewCatalog) };
  }
  return { was: stateCell(i.old), now: stateCell(i.new) };
}

export function itemsOfKind(result: DriftResult, kind: DriftKind): DriftItem[] {
  return result.items.filter((i) => i.kind === kind);
}

/** `2 high, 1 medium, 3 low` (only severities that occur); `no changes` when none. */
export function severityCounts(bySeverity: Record<DriftSeverity, number>): string {
  const parts = DRIFT_SEVERITIES.filter((s) => bySeverity[s] > 0).map((s) => `${bySeverity[s]} ${s}`);
  return parts.length === 0 ? 'no changes' : parts.join(', ');
}

/** `1 new, 2 newly blocked, ...` (only kinds that occur). */
export function kindCounts(byKind: Record<DriftKind, number>): string {
  return DRIFT_KINDS.filter((k) => byKind[k] > 0)
    .map((k) => `${byKind[k]} ${KIND_LABEL[k]}`)
    .join(', ');
}

/** The summary line under the header. */
export function summaryLine(r: DriftResult): string {
  const c = r.counts;
  const changes = r.items.length;
  const head = changes === 0 ? 'No drift' : `${changes} change${changes === 1 ? '' : 's'}: ${severityCounts(c.bySeverity)} (${kindCounts(c.byKind)})`;
  return `${head}; ${groupDigits(c.services.unchanged)} of ${groupDigits(c.services.common)} services in both runs unchanged (volume threshold ×${r.volumeThreshold}).`;
}

function spanText(first: string | null, last: string | null): string {
  return first === null ? 'no flows' : `${shortTime(first)} to ${shortTime(last)} UTC`;
}

/** One line describing a run: command, time span, inputs, flows, services, catalog. */
export function runLine(r: RunSummary): string {
  const inputs = r.inputs.length === 1 ? (r.inputs[0]?.name ?? '') : `${r.inputs.length} inputs`;
  const inv = r.inventory === null ? 'no inventory' : `inventory ${r.inventory.file}`;
  return `${r.command}, ${spanText(r.first, r.last)}, ${inputs}, ${groupDigits(r.flows)} flows, ${groupDigits(r.services)} services, catalog ${r.catalogHash.slice(0, 12)} (${r.products.map((p) => p.id).join(', ')}), ${inv}`;
}

// ---------------------------------------------------------------------------------------------
// History timelines.
// ---------------------------------------------------------------------------------------------

/** One character per finding when there is no colour to tell them apart. */
export const TIMELINE_SYMBOL: Record<Finding, string> = {
  'broken-requirement': 'B',
  exposure: 'E',
  undocumented: 'U',
  'deprecated-in-use': 'D',
  info: 'i',
  ok: '#',
};
export const TIMELINE_ABSENT = '.';
export const TIMELINE_BLOCK = '█';
export const TIMELINE_BLOCK_ABSENT = '·';

export const TIMELINE_LEGEND = `${FINDING_ORDER.map((f) => `${TIMELINE_SYMBOL[f]} ${FINDING_LABEL[f]}`).join(', ')}, ${TIMELINE_ABSENT} not seen`;

export function textTimeline(timeline: ReadonlyArray<Finding | null>): string {
  return timeline.map((f) => (f === null ? TIMELINE_ABSENT : TIMELINE_SYMBOL[f])).join('');
}

/** `2026-11-14` or the file name when the run has no date. */
export function runLabel(r: HistoryRun): string {
  return r.date ?? r.file;
}

export function changesText(changes: ReadonlyArray<{ run: number; from: Finding; to: Finding }>, runs: readonly HistoryRun[]): string {
  return changes
    .map((c) => {
      const r = runs[c.run - 1];
      return `run ${c.run}${r !== undefined ? ` (${runLabel(r)})` : ''}: ${FINDING_LABEL[c.from]} → ${FINDING_LABEL[c.to]}`;
    })
    .join('; ');
}
