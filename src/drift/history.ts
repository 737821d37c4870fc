/**
 * History: a folder of dated reports, each service's presence and finding across the runs.
 *
 * A run's date comes from its file name (`2026-11-14.json`, `report-20261114.json.gz`,
 * `2026-11-14T0600.json`), else from the report's earliest flow (`generatedFrom.first`); runs
 * with neither sort last, by name. Each report is read once for the timeline; the two most recent
 * are read again for the drift between them (what `--fail-on` looks at). Memory: one byte per
 * service and run.
 */
import { basename } from 'node:path';
import type { Finding } from '../classify/types.js';
import { SEVERITY_ORDER } from '../classify/types.js';
import { FINDING_ORDER } from '../report/types.js';
import { InputError } from '../errors.js';
import { compareReports, worstSeverity } from './compare.js';
import type { CompareOptions } from './compare.js';
import { listReportFiles, readReport } from './read.js';
import { DRIFT_SCHEMA_VERSION } from './types.js';
import type { DriftResult, HistoryChange, HistoryResult, HistoryRun, HistoryService, LoadedReport } from './types.js';

/** Severity of a finding, as the classifier gives it (DESIGN.md "Classification"). */
const FINDING_SEVERITY: Record<Finding, keyof typeof SEVERITY_ORDER> = {
  'broken-requirement': 'high',
  exposure: 'high',
  undocumented: 'medium',
  'deprecated-in-use': 'medium',
  info: 'info',
  ok: 'none',
};

function validDate(y: number, m: number, d: number): boolean {
  if (y < 1970 || y > 2999 || m < 1 || m > 12 || d < 1) return false;
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function two(n: string | undefined): string {
  return (n ?? '').padStart(2, '0');
}

/**
 * The date a file name carries: `YYYY-MM-DD` or `YYYYMMDD`, optionally followed by a time
 * (`THHMM`, `T06:00`, `_0600`, with seconds). Returns `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]`.
 */
export function dateFromFileName(path: string): string | null {
  const name = basename(path);
  const patterns = [
    /(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:[T_ ](\d{2})[-:h]?(\d{2})(?:[-:]?(\d{2}))?)?(?!\d)/,
    /(?<!\d)(\d{4})(\d{2})(\d{2})(?:[T_-]?(\d{2})(\d{2})(\d{2})?)?(?!\d)/,
  ];
  for (const re of patterns) {
    const m = re.exec(name);
    if (m === null) continue;
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    if (!validDate(y, mo, d)) continue;
    let out = `${m[1]}-${m[2]}-${m[3]}`;
    if (m[4] !== undefined && m[5] !== undefined && Number(m[4]) < 24 && Number(m[5]) < 60) {
      out += `T${two(m[4])}:${two(m[5])}`;
      if (m[6] !== undefined && Number(m[6]) < 60) out += `:${two(m[6])}`;
    }
    return out;
  }
  return null;
}

/** `YYYY-MM-DDTHH:MM:SS` (UTC) of a report's earliest flow. */
function dateFromReport(r: LoadedReport): string | null {
  const m = r.first === null ? null : /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(r.first);
  return m === null ? null : `${m[1]}T${m[2]}`;
}

const FINDING_CODE = new Map<Finding, number>(FINDING_ORDER.map((f, i) => [f, i + 1]));

function findingOfCode(code: number): Finding | null {
  return code === 0 ? null : (FINDING_ORDER[code - 1] ?? null);
}

interface RunRecord {
  file: string;
  date: string | null;
  dateSource: HistoryRun['dateSource'];
  report: Omit<HistoryRun, 'run' | 'file' | 'date' | 'dateSource' | 'catalogChanged'>;
}

/**
 * Collects runs in any order (`add` with the run's position in reading order), then orders them
 * by date (`finish`). Keeps one byte per service per run.
 */
export class HistoryBuilder {
  private readonly runs: RunRecord[] = [];
  private readonly presence = new Map<string, Uint8Array>();

  constructor(private readonly runCount: number) {}

  add(position: number, report: LoadedReport): void {
    const named = dateFromFileName(report.file);
    const reported = named === null ? dateFromReport(report) : null;
    const byFinding: Record<Finding, number> = { 'broken-requirement': 0, exposure: 0, undocumented: 0, 'deprecated-in-use': 0, info: 0, ok: 0 };
    for (const [key, s] of report.services) {
      let row = this.presence.get(key);
      if (row === undefined) this.presence.set(key, (row = new Uint8Array(this.runCount)));
      row[position] = FINDING_CODE.get(s.finding) ?? 0;
      byFinding[s.finding]++;
    }
    this.runs[position] = {
      file: report.file,
      date: named ?? reported,
      dateSource: named !== null ? 'file-name' : reported !== null ? 'report' : 'none',
      report: {
        command: report.command,
        flows: report.totals.flows,
        services: report.services.size,
        catalogHash: report.catalogHash,
        byFinding,
      },
    };
  }

  /** The positions (reading order) of the runs, in date order. */
  order(): number[] {
    const idx = this.runs.map((_, i) => i);
    return idx.sort((a, b) => {
      const x = this.runs[a]!;
      const y = this.runs[b]!;
      if (x.date !== null && y.date !== null && x.date !== y.date) return x.date < y.date ? -1 : 1;
      if ((x.date === null) !== (y.date === null)) return x.date === null ? 1 : -1;
      return x.file < y.file ? -1 : x.file > y.file ? 1 : 0;
    });
  }

  finish(latest: DriftResult | null, folder = ''): HistoryResult {
    const order = this.order();
    const runs: HistoryRun[] = order.map((pos, i) => {
      const r = this.runs[pos]!;
      const prev = i > 0 ? this.runs[order[i - 1]!]! : undefined;
      return {
        run: i + 1,
        file: r.file,
        date: r.date,
        dateSource: r.dateSource,
        command: r.report.command,
        flows: r.report.flows,
        services: r.report.services,
        catalogHash: r.report.catalogHash,
        catalogChanged: prev !== undefined && prev.report.catalogHash !== r.report.catalogHash,
        byFinding: r.report.byFinding,
      };
    });
    const services: HistoryService[] = [];
    for (const [key, row] of this.presence) {
      const timeline = order.map((pos) => findingOfCode(row[pos] ?? 0));
      let firstRun = 0;
      let lastRun = 0;
      let previous: Finding | null = null;
      const changes: HistoryChange[] = [];
      timeline.forEach((f, i) => {
        if (f === null) return;
        if (firstRun === 0) firstRun = i + 1;
        lastRun = i + 1;
        if (previous !== null && previous !== f) changes.push({ run: i + 1, from: previous, to: f });
        previous = f;
      });
      const finding = timeline[lastRun - 1] ?? 'ok';
      services.push({ key, timeline, firstRun, lastRun, finding, severity: FINDING_SEVERITY[finding], changes });
    }
    services.sort(
      (a, b) =>
        SEVERITY_ORDER[b.severity] - SEVERITY_ORDER[a.severity] ||
        (FINDING_CODE.get(a.finding) ?? 0) - (FINDING_CODE.get(b.finding) ?? 0) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    return {
      kind: 'portolan-drift-history',
      schemaVersion: DRIFT_SCHEMA_VERSION,
      folder,
      runs,
      services,
      latest:
        latest === null
          ? null
          : { old: latest.old.file, new: latest.new.file, counts: latest.counts, worst: worstSeverity(latest.items) },
    };
  }
}

export type HistoryOptions = CompareOptions;

/**
 * Reads every `.json` / `.json.gz` report in `dir` and builds the history, with the drift
 * between the two most recent runs.
 */
export async function readHistory(dir: string, options: HistoryOptions = {}): Promise<{ history: HistoryResult; latest: DriftResult | null }> {
  const files = listReportFiles(dir);
  if (files.length === 0) throw new InputError('history-empty', `${dir}: no reports (*.json, *.json.gz) in this folder`, { file: dir });
  const builder = new HistoryBuilder(files.length);
  for (let i = 0; i < files.length; i++) builder.add(i, await readReport(files[i]!));
  const order = builder.order();
  let latest: DriftResult | null = null;
  if (order.length >= 2) {
    const a = await readReport(files[order[order.length - 2]!]!);
    const b = await readReport(files[order[order.length - 1]!]!);
    latest = compareReports(a, b, options.volumeThreshold === undefined ? {} : { volumeThreshold: options.volumeThreshold });
  }
  return { history: builder.finish(latest, dir), latest };
}
