/**
 * Drift as CSV (RFC 4180, CRLF line ends): one row per drift item, or per service for a history.
 * Every cell goes through `csvCell`, which quotes as RFC 4180 says and neutralises cells that
 * spreadsheets would run as formulas (`=`, `+`, `-`, `@`, tab, CR first: OWASP "CSV Injection").
 */
import { csvCell } from '../../report/escape.js';
import type { DriftResult, HistoryResult, ServiceState } from '../types.js';
import { isRuleDrift } from '../types.js';
import { KIND_LABEL, changesText, runLabel, textTimeline } from './words.js';

const DRIFT_COLUMNS = [
  'severity',
  'kind',
  'change',
  'key',
  'old_finding',
  'new_finding',
  'old_reachability',
  'new_reachability',
  'old_flows',
  'new_flows',
  'old_bytes',
  'new_bytes',
  'flows_factor',
  'bytes_factor',
  'summary',
] as const;

function row(cells: ReadonlyArray<string | number | null>): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

function factor(f: number | null | undefined): string | null {
  return f === null || f === undefined ? null : String(Math.round(f * 1000) / 1000);
}

export function renderDriftCsv(r: DriftResult): string {
  let out = row(DRIFT_COLUMNS);
  for (const i of r.items) {
    if (isRuleDrift(i)) {
      out += row([i.severity, i.kind, KIND_LABEL[i.kind], i.key, null, null, null, null, i.oldFlows, i.newFlows, null, null, null, null, i.summary]);
      continue;
    }
    const o: ServiceState | null = i.old;
    const n: ServiceState | null = i.new;
    out += row([
      i.severity,
      i.kind,
      KIND_LABEL[i.kind],
      i.key,
      o?.finding ?? null,
      n?.finding ?? null,
      o?.reachability ?? null,
      n?.reachability ?? null,
      o?.flows ?? null,
      n?.flows ?? null,
      o?.bytes ?? null,
      n?.bytes ?? null,
      factor(i.volume?.flowsFactor),
      factor(i.volume?.bytesFactor),
      i.summary,
    ]);
  }
  return out;
}

export function renderHistoryCsv(h: HistoryResult): string {
  let out = row(['key', 'finding', 'first_run', 'last_run', 'timeline', 'changes', ...h.runs.map((r) => `run ${r.run} ${runLabel(r)}`)]);
  for (const s of h.services) {
    out += row([s.key, s.finding, s.firstRun, s.lastRun, textTimeline(s.timeline), changesText(s.changes, h.runs), ...s.timeline.map((f) => f ?? '')]);
  }
  return out;
}
