/**
 * The diagnostics `portolan flows` writes to stderr: one line per input (what it was read as,
 * how much, how many flows, damage), then the anomalies by code with their first examples.
 */
import { isNotable } from '../../anomalies.js';
import type { AnomalySummary } from '../../model.js';
import type { InputSummary } from '../../pipeline.js';
import { terminalSafe } from '../escape.js';
import { groupDigits } from '../format.js';

const EXAMPLES_SHOWN = 3;

export function inputLine(s: InputSummary): string {
  const name = terminalSafe(s.name);
  if (s.kind === 'unreadable') return `${terminalSafe(s.error ?? `${name}: unreadable`)}`;
  const parts: string[] = [];
  if (s.kind === 'capture') parts.push(`${s.format}, ${groupDigits(s.packets)} packets`);
  else parts.push(`${terminalSafe(s.format)} log, ${groupDigits(s.lines)} lines, ${groupDigits(s.observations)} records${s.badLines > 0 ? `, ${groupDigits(s.badLines)} unreadable` : ''}`);
  parts.push(`${groupDigits(s.flows)} flow${s.flows === 1 ? '' : 's'}`);
  if (s.table !== undefined && s.table.evicted > 0) parts.push(`${groupDigits(s.table.evicted)} flows emitted early (table full)`);
  if (s.stoppedAt !== undefined) parts.push(`${s.fatal ? 'stopped' : 'damaged'} at byte ${s.stoppedAt} (0x${s.stoppedAt.toString(16)})`);
  else if (s.damaged) parts.push('damaged');
  if (s.error !== undefined) parts.push(terminalSafe(s.error));
  return `${name}: ${parts.join(', ')}`;
}

export function anomalyLines(anomalies: readonly AnomalySummary[]): string[] {
  const lines: string[] = [];
  const info: AnomalySummary[] = [];
  for (const a of anomalies) {
    // `info` (traffic that merely is not the protocol an observer looked for) is only counted.
    if (!isNotable(a)) {
      info.push(a);
      continue;
    }
    lines.push(`${a.severity === 'error' ? 'error' : 'warning'}: ${a.code} x${groupDigits(a.count)}`);
    for (const e of a.examples.slice(0, EXAMPLES_SHOWN)) lines.push(`  ${terminalSafe(e.message)}`);
    if (a.count > EXAMPLES_SHOWN && a.examples.length >= EXAMPLES_SHOWN) lines.push(`  ... ${groupDigits(a.count - EXAMPLES_SHOWN)} more`);
  }
  if (info.length > 0) lines.push(`info: ${info.map((a) => `${a.code} x${groupDigits(a.count)}`).join(', ')} (see --format json)`);
  return lines;
}

/** The whole stderr summary, each line prefixed with `portolan: `. */
export function renderFlowsSummary(inputs: readonly InputSummary[], anomalies: readonly AnomalySummary[]): string {
  // An input that could not be read is said once, on its own line, not again as an anomaly.
  const errors = new Set(inputs.flatMap((s) => (s.error !== undefined ? [s.error] : [])));
  const rest = anomalies.filter((a) => !(a.count === a.examples.length && a.examples.every((e) => errors.has(e.message))));
  const lines = [...inputs.map(inputLine), ...anomalyLines(rest)];
  return lines.map((l) => (l.startsWith('  ') ? `${l}\n` : `portolan: ${l}\n`)).join('');
}
