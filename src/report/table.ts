/**
 * The terminal summary (`--format table`, the default): what was read, counts per finding, the
 * worst findings with their reasons, catalog coverage and input anomalies. For `audit` the
 * findings come in firewall-review sections (broken requirements with the rules that denied them,
 * exposures, undocumented allowed traffic). Every string from input is made terminal-safe.
 */
import Table from 'cli-table3';
import { isNotable } from '../anomalies.js';
import { severityOf } from '../classify/classify.js';
import { AUDIT_SECTION_TITLES, auditSection, blockedBy } from './build.js';
import { terminalSafe } from './escape.js';
import { FINDING_LABEL, SEVERITY_SGR, SGR_RESET, groupDigits, humanBytes, shortTime } from './format.js';
import type { RenderOptions } from './render-options.js';
import { FINDING_ORDER, type Report, type ServiceRow } from './types.js';

/** Findings listed in the table before "N more" (the JSON and HTML reports list all). */
export const TABLE_FINDINGS_SHOWN = 25;

function paint(text: string, sgr: string, colour: boolean): string {
  return colour ? `${sgr}${text}${SGR_RESET}` : text;
}

function newTable(head: string[], colWidths: Array<number | null>, colour: boolean, compact = false): Table.Table {
  return new Table({
    head: head.map((h) => paint(h, '\u001b[1m', colour)),
    colWidths,
    wordWrap: true,
    wrapOnWordBoundary: true,
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact },
  });
}

function header(report: Report): string[] {
  const lines: string[] = [];
  const t = report.totals;
  const inputs = report.generatedFrom.inputs;
  const span =
    report.generatedFrom.first !== null ? ` (${shortTime(report.generatedFrom.first)} to ${shortTime(report.generatedFrom.last)} UTC)` : '';
  lines.push(
    `portolan ${report.command}: ${groupDigits(t.flows)} flows, ${groupDigits(t.packets)} packets, ${humanBytes(t.bytes)} in ${groupDigits(t.services)} services from ${inputs.length} input${inputs.length === 1 ? '' : 's'}${span}`,
  );
  const products = report.catalog.products.map((p) => terminalSafe(p.name)).join(', ');
  const inv =
    report.inventory === null
      ? 'no inventory (rules matched by port alone)'
      : `inventory ${terminalSafe(report.inventory.file)} (${report.inventory.entries} entries)`;
  lines.push(`catalog: ${products} (sha256 ${report.catalog.hash.slice(0, 12)}); ${inv}`);
  const params = Object.entries(report.params);
  if (params.length > 0) lines.push(`params: ${params.map(([k, v]) => `${terminalSafe(k)}=${v}`).join(', ')}`);
  for (const i of inputs) {
    if (i.damage === null) continue;
    // The message names the input (and the byte offset) itself.
    const what = i.kind === 'unreadable' ? 'unreadable input' : 'damaged input';
    const kept = i.kind !== 'unreadable' && i.damage.fatal ? ' (what was read before it is in this report)' : '';
    lines.push(`${what}: ${terminalSafe(i.damage.message)}${kept}`);
  }
  return lines;
}

function countsTable(report: Report, colour: boolean): string {
  const t = newTable(['finding', 'severity', 'flows', 'services'], [22, 10, 11, 10], colour, true);
  for (const f of FINDING_ORDER) {
    const flows = report.counts.flows.byFinding[f];
    const services = report.counts.services.byFinding[f];
    const sev = severityOf(f);
    t.push([
      paint(FINDING_LABEL[f], SEVERITY_SGR[sev], colour && flows > 0),
      sev,
      { content: groupDigits(flows), hAlign: 'right' },
      { content: groupDigits(services), hAlign: 'right' },
    ]);
  }
  return t.toString();
}

function reachText(s: ServiceRow): string {
  if (s.reachability === 'mixed') return `mixed (${s.blocked} blocked)`;
  return s.reachability;
}

/**
 * Column widths (cell padding included) for a table that must fit `width` characters with its
 * borders: the last column (the reason) takes what is left; when that is less than `lastMin`, the
 * columns in `shrinkOrder` give up width down to their minimum first.
 */
export function fitColumns(ideal: readonly number[], min: readonly number[], shrinkOrder: readonly number[], width: number, lastMin: number): number[] {
  const w = [...ideal];
  const borders = ideal.length + 2;
  let last = width - borders - w.reduce((a, b) => a + b, 0);
  for (const i of shrinkOrder) {
    if (last >= lastMin) break;
    const take = Math.min(lastMin - last, (w[i] ?? 0) - (min[i] ?? 0));
    if (take <= 0) continue;
    w[i] = (w[i] ?? 0) - take;
    last += take;
  }
  return [...w, Math.max(lastMin, last)];
}

/** Narrower than this, findings are listed one under another instead of as a table. */
export const STACKED_BELOW_COLUMNS = 100;

/**
 * Words of `text` in lines of at most `width` characters: the first line starts with `first`,
 * the others with `indent`. A word longer than a line stays whole.
 */
function wrapWords(text: string, width: number, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    const lead = lines.length === 0 ? first : indent;
    if (line !== '' && lead.length + line.length + 1 + word.length > width) {
      lines.push(lead + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push((lines.length === 0 ? first : indent) + line);
  return lines;
}

/** A line of text made to fit the terminal: wrapped at words, continuation lines indented. */
function fitLine(line: string, width: number): string[] {
  if ([...line].length <= width) return [line];
  const lead = /^\s*/.exec(line)?.[0] ?? '';
  return wrapWords(line, width, lead, `${lead}  `);
}

/** Findings one under another, for a terminal too narrow for the table. */
function stackedFindings(rows: readonly ServiceRow[], width: number, colour: boolean, broken: boolean): string {
  const out: string[] = [];
  for (const s of rows) {
    const head = `${paint(s.severity, SEVERITY_SGR[s.severity], colour)} ${FINDING_LABEL[s.finding]}: ${terminalSafe(s.key)}`;
    out.push(...wrapWords(head, width, '', '    '));
    const facts = broken
      ? `${groupDigits(s.blocked)} of ${groupDigits(s.flows)} flows blocked, ${shortTime(s.first)} to ${shortTime(s.last)}; blocked by ${terminalSafe(deniedByText(s))}`
      : `${groupDigits(s.flows)} flow${s.flows === 1 ? '' : 's'}, ${reachText(s)}`;
    out.push(...wrapWords(facts, width, '  ', '    '));
    out.push(...wrapWords(terminalSafe(s.reason), width, '  ', '    '));
  }
  return out.join('\n');
}

function findingsTable(rows: readonly ServiceRow[], width: number, colour: boolean): string {
  if (width < STACKED_BELOW_COLUMNS) return stackedFindings(rows, width, colour, false);
  // severity, finding, service, flows, reach; then the reason.
  const widths = fitColumns([10, 20, 38, 7, 10], [10, 13, 22, 7, 10], [2, 1], width, 28);
  const t = newTable(['severity', 'finding', 'service', 'flows', 'reach', 'reason'], widths, colour);
  for (const s of rows) {
    t.push([
      paint(s.severity, SEVERITY_SGR[s.severity], colour),
      FINDING_LABEL[s.finding],
      terminalSafe(s.key),
      { content: groupDigits(s.flows), hAlign: 'right' },
      reachText(s),
      terminalSafe(s.reason),
    ]);
  }
  return t.toString();
}

function deniedByText(s: ServiceRow): string {
  return blockedBy(s)
    .map((b) => `${b.what}${b.rule !== null ? ` "${b.rule}"` : ''} ×${b.flows}`)
    .join(', ');
}

function brokenTable(rows: readonly ServiceRow[], width: number, colour: boolean): string {
  // Six columns need more room than five.
  if (width < STACKED_BELOW_COLUMNS + 10) return stackedFindings(rows, width, colour, true);
  // service, blocked, first seen, last seen, blocked by; then the reason. Times wrap at the space.
  const widths = fitColumns([38, 9, 21, 21, 26], [22, 9, 12, 12, 16], [0, 4, 2, 3], width, 28);
  const t = newTable(['service', 'blocked', 'first seen', 'last seen', 'blocked by', 'reason'], widths, colour);
  for (const s of rows) {
    t.push([
      terminalSafe(s.key),
      { content: `${groupDigits(s.blocked)}/${groupDigits(s.flows)}`, hAlign: 'right' },
      shortTime(s.first),
      shortTime(s.last),
      terminalSafe(deniedByText(s)),
      terminalSafe(s.reason),
    ]);
  }
  return t.toString();
}

function coverageLines(report: Report): string[] {
  if (report.coverage.length === 0) return [];
  const parts = report.coverage.map((c) => `${terminalSafe(c.name)} ${c.rulesSeen} of ${c.rules} rules seen`);
  return [`catalog coverage: ${parts.join('; ')}`];
}

function anomalyLines(report: Report): string[] {
  const out: string[] = [];
  // Warnings and errors are printed with an example; `info` (traffic on a watched port that is
  // not the protocol looked for, such as non-RPC traffic on port 111) is only counted.
  const notable = report.anomalies.filter(isNotable);
  if (notable.length > 0) {
    const total = notable.reduce((a, e) => a + e.count, 0);
    const parts = notable.map((a) => `${terminalSafe(a.code)} ${groupDigits(a.count)}`);
    out.push(`input anomalies: ${groupDigits(total)} (${parts.join(', ')})`);
    for (const a of notable) {
      const ex = a.examples[0];
      if (ex !== undefined) out.push(`  ${terminalSafe(ex.message)}`);
    }
  }
  const info = report.anomalies.filter((a) => !isNotable(a));
  if (info.length > 0) out.push(`info notes: ${info.map((a) => `${terminalSafe(a.code)} ${groupDigits(a.count)}`).join(', ')} (see --format json)`);
  return out;
}

function limitLines(report: Report): string[] {
  return report.limits.map((l) => `limit reached: ${terminalSafe(l.message)}`);
}

export function renderTable(report: Report, options: RenderOptions): string {
  // The terminal's width (a fixed 140 off a terminal), within reason.
  const width = Math.max(60, Math.min(options.width, 220));
  const colour = options.colour;
  const out: string[] = [...header(report).flatMap((l) => fitLine(l, width)), '', countsTable(report, colour), ''];
  const findings = report.services.filter((s) => s.finding !== 'ok');
  if (findings.length === 0) {
    out.push(report.totals.flows === 0 ? 'No flows were read.' : 'No findings: every flow is documented and behaves as documented.');
  } else if (report.ordering === 'firewall-review') {
    let shown = 0;
    for (let section = 0; section < AUDIT_SECTION_TITLES.length; section++) {
      const rows = findings.filter((s) => auditSection(s) === section);
      if (rows.length === 0) continue;
      const take = rows.slice(0, Math.max(0, TABLE_FINDINGS_SHOWN - shown));
      out.push(...fitLine(`${AUDIT_SECTION_TITLES[section]!} (${rows.length})`, width).map((l) => paint(l, '\u001b[1m', colour)));
      if (take.length > 0) out.push(section === 0 ? brokenTable(take, width, colour) : findingsTable(take, width, colour));
      if (take.length < rows.length) out.push(`  … ${rows.length - take.length} more in this section (see --format json, markdown or html)`);
      out.push('');
      shown += take.length;
    }
  } else {
    const take = findings.slice(0, TABLE_FINDINGS_SHOWN);
    out.push(...fitLine(`Findings, worst first (${findings.length})`, width).map((l) => paint(l, '\u001b[1m', colour)));
    out.push(findingsTable(take, width, colour));
    if (take.length < findings.length) out.push(`… ${findings.length - take.length} more findings (see --format json, markdown or html)`);
    out.push('');
  }
  out.push(...[...coverageLines(report), ...anomalyLines(report), ...limitLines(report)].flatMap((l) => fitLine(l, width)));
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}
