/**
 * Drift for a terminal (`--format table`, the default): the two runs, what to know first (catalog
 * or inventory changes), a one-line summary, then one table per kind of change, worst first.
 * History: the runs, then one row per service with its timeline. Colour only when asked (a TTY);
 * every string from a report is made terminal-safe.
 */
import { basename } from 'node:path';
import Table from 'cli-table3';
import type { Finding, Severity } from '../../classify/types.js';
import { terminalSafe } from '../../report/escape.js';
import { FINDING_LABEL, SEVERITY_SGR, SGR_RESET, groupDigits } from '../../report/format.js';
import type { RenderOptions } from '../../report/render-options.js';
import type { DriftResult, HistoryResult } from '../types.js';
import { DRIFT_KINDS } from '../types.js';
import {
  KIND_TITLE,
  TIMELINE_BLOCK,
  TIMELINE_BLOCK_ABSENT,
  TIMELINE_LEGEND,
  changesText,
  itemsOfKind,
  runLabel,
  runLine,
  severityCounts,
  summaryLine,
  textTimeline,
} from './words.js';

const BOLD = '\u001b[1m';

const FINDING_SGR: Record<Finding, string> = {
  'broken-requirement': '\u001b[31m',
  exposure: '\u001b[35m',
  undocumented: '\u001b[33m',
  'deprecated-in-use': '\u001b[33;2m',
  info: '\u001b[34m',
  ok: '\u001b[32m',
};

function paint(text: string, sgr: string, colour: boolean): string {
  return colour ? `${sgr}${text}${SGR_RESET}` : text;
}

function sev(s: Severity, colour: boolean): string {
  return paint(s, SEVERITY_SGR[s], colour);
}

function newTable(head: string[], colWidths: Array<number | null>, colour: boolean): Table.Table {
  return new Table({
    head: head.map((h) => paint(h, BOLD, colour)),
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
  });
}

/** Width of a key column: the longest key (plus padding) within 20..60 columns. */
function keyWidth(keys: readonly string[]): number {
  let longest = 0;
  for (const k of keys) longest = Math.max(longest, [...terminalSafe(k)].length);
  return Math.min(60, Math.max(20, longest + 2));
}

export function renderDriftTable(r: DriftResult, o: RenderOptions): string {
  const out: string[] = [];
  out.push(paint(`portolan drift: ${terminalSafe(r.old.file)} → ${terminalSafe(r.new.file)}`, BOLD, o.colour));
  out.push(`  OLD  ${terminalSafe(runLine(r.old))}`);
  out.push(`  NEW  ${terminalSafe(runLine(r.new))}`);
  for (const n of r.notes) out.push(paint(`  ! ${terminalSafe(n)}`, SEVERITY_SGR.medium, o.colour));
  out.push('');
  out.push(summaryLine(r));
  // Old and new states are in each item's summary; a terminal has room for three columns.
  const width = Math.max(80, o.width);
  const fixed = [10, keyWidth(r.items.map((i) => i.key))];
  const detail = Math.max(30, width - fixed.reduce((a, b) => a + b, 0) - 4);
  for (const kind of DRIFT_KINDS) {
    const items = itemsOfKind(r, kind);
    if (items.length === 0) continue;
    out.push('');
    out.push(paint(`${KIND_TITLE[kind]} (${items.length})`, BOLD, o.colour));
    const t = newTable(['severity', kind.startsWith('rule-') ? 'rule' : 'service', 'what changed'], [...fixed, detail], o.colour);
    for (const i of items) t.push([sev(i.severity, o.colour), terminalSafe(i.key), terminalSafe(i.summary)]);
    out.push(t.toString());
  }
  return out.join('\n') + '\n';
}

export function renderHistoryTable(h: HistoryResult, o: RenderOptions): string {
  const out: string[] = [];
  out.push(
    paint(`portolan drift --history ${terminalSafe(h.folder)}: ${h.runs.length} run${h.runs.length === 1 ? '' : 's'}, ${groupDigits(h.services.length)} services`, BOLD, o.colour),
  );
  const fileWidth = keyWidth(h.runs.map((r) => basename(r.file)));
  const runs = newTable(['run', 'date', 'file', 'command', 'services', 'flows', 'catalog'], [5, 21, fileWidth, 9, 10, 10, 22], o.colour);
  for (const run of h.runs) {
    runs.push([
      String(run.run),
      `${run.date ?? '-'}${run.dateSource === 'report' ? ' *' : ''}`,
      terminalSafe(basename(run.file)),
      run.command,
      { content: groupDigits(run.services), hAlign: 'right' },
      { content: groupDigits(run.flows), hAlign: 'right' },
      `${terminalSafe(run.catalogHash.slice(0, 12))}${run.catalogChanged ? ' changed' : ''}`,
    ]);
  }
  out.push(runs.toString());
  if (h.runs.some((r) => r.dateSource === 'report')) out.push('* date of the earliest flow in the report (the file name has none)');
  out.push(o.colour ? `timeline: one cell per run, coloured by finding; ${TIMELINE_BLOCK_ABSENT} not seen` : `timeline: ${TIMELINE_LEGEND}`);
  out.push('');
  const tlWidth = Math.max(10, h.runs.length + 2);
  const cols = [keyWidth(h.services.map((s) => s.key)), tlWidth, 12, 12, 20];
  const rest = Math.max(24, Math.max(80, o.width) - cols.reduce((a, b) => a + b, 0) - 7);
  const t = newTable(['service', 'timeline', 'first seen', 'last seen', 'now', 'finding changes'], [...cols, rest], o.colour);
  for (const s of h.services) {
    const timeline = o.colour
      ? s.timeline.map((f) => (f === null ? TIMELINE_BLOCK_ABSENT : paint(TIMELINE_BLOCK, FINDING_SGR[f], true))).join('')
      : textTimeline(s.timeline);
    const first = h.runs[s.firstRun - 1];
    const last = h.runs[s.lastRun - 1];
    t.push([
      terminalSafe(s.key),
      timeline,
      first === undefined ? '-' : terminalSafe(runLabel(first)),
      last === undefined ? '-' : terminalSafe(runLabel(last)),
      paint(FINDING_LABEL[s.finding], FINDING_SGR[s.finding], o.colour),
      terminalSafe(changesText(s.changes, h.runs)),
    ]);
  }
  out.push(t.toString());
  if (h.latest !== null) {
    out.push('');
    out.push(
      `latest change (${terminalSafe(h.latest.old)} → ${terminalSafe(h.latest.new)}): ${severityCounts(h.latest.counts.bySeverity)}; \`portolan drift ${terminalSafe(h.latest.old)} ${terminalSafe(h.latest.new)}\` lists them`,
    );
  }
  return out.join('\n') + '\n';
}
