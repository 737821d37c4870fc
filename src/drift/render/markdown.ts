/**
 * Drift as GitHub-flavoured Markdown (tables per https://github.github.com/gfm/#tables-extension-):
 * the two runs, notes, summary, one table per kind of change; or the history's runs and
 * timelines. Every cell from a report is escaped (`markdownCell`): no raw HTML, no broken tables.
 */
import { markdownCell as md } from '../../report/escape.js';
import { FINDING_LABEL, groupDigits } from '../../report/format.js';
import type { DriftResult, HistoryResult } from '../types.js';
import { DRIFT_KINDS } from '../types.js';
import { KIND_TITLE, TIMELINE_LEGEND, changesText, itemCells, itemsOfKind, runLabel, runLine, severityCounts, summaryLine, textTimeline } from './words.js';

function table(head: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function renderDriftMarkdown(r: DriftResult): string {
  const out: string[] = [];
  out.push(`# portolan drift: ${md(r.old.file)} → ${md(r.new.file)}`, '');
  out.push(`- **OLD:** ${md(runLine(r.old))}`);
  out.push(`- **NEW:** ${md(runLine(r.new))}`);
  if (r.notes.length > 0) {
    out.push('');
    for (const n of r.notes) out.push(`> **Note:** ${md(n)}`, '>');
    out.pop();
  }
  out.push('', md(summaryLine(r)));
  for (const kind of DRIFT_KINDS) {
    const items = itemsOfKind(r, kind);
    if (items.length === 0) continue;
    out.push('', `## ${KIND_TITLE[kind]} (${items.length})`, '');
    out.push(
      table(
        ['severity', kind.startsWith('rule-') ? 'rule' : 'service', 'old', 'new', 'what changed'],
        items.map((i) => {
          const c = itemCells(i);
          return [i.severity, md(i.key), md(c.was), md(c.now), md(i.summary)];
        }),
      ),
    );
  }
  return out.join('\n') + '\n';
}

export function renderHistoryMarkdown(h: HistoryResult): string {
  const out: string[] = [];
  out.push(`# portolan drift history: ${md(h.folder)}`, '', `${h.runs.length} runs, ${groupDigits(h.services.length)} services.`, '');
  out.push(
    table(
      ['run', 'date', 'file', 'command', 'services', 'flows', 'catalog'],
      h.runs.map((run) => [
        String(run.run),
        run.date === null ? '-' : `${md(run.date)}${run.dateSource === 'report' ? ' (earliest flow)' : ''}`,
        md(run.file),
        run.command,
        groupDigits(run.services),
        groupDigits(run.flows),
        `\`${md(run.catalogHash.slice(0, 12))}\`${run.catalogChanged ? ' changed' : ''}`,
      ]),
      ['r', 'l', 'l', 'l', 'r', 'r'],
    ),
  );
  out.push('', `Timeline: one symbol per run: ${md(TIMELINE_LEGEND)}.`, '');
  out.push(
    table(
      ['service', 'timeline', 'first seen', 'last seen', 'now', 'finding changes'],
      h.services.map((s) => {
        const first = h.runs[s.firstRun - 1];
        const last = h.runs[s.lastRun - 1];
        return [
          md(s.key),
          `\`${textTimeline(s.timeline)}\``,
          first === undefined ? '-' : md(runLabel(first)),
          last === undefined ? '-' : md(runLabel(last)),
          FINDING_LABEL[s.finding],
          md(changesText(s.changes, h.runs)),
        ];
      }),
    ),
  );
  if (h.latest !== null) {
    out.push('', `Latest change (${md(h.latest.old)} → ${md(h.latest.new)}): ${severityCounts(h.latest.counts.bySeverity)}.`);
  }
  return out.join('\n') + '\n';
}
