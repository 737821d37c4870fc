/**
 * The diagnostics `portolan flows` writes to stderr: one line per input (what it was read as,
 * how much, how many flows, damage), then the anomalies by code with their first examples.
 */
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
  parts.push(`${groupDigits(s.flows)} flows`);
  if (s.table !== undefined && s.table.evicted > 0) parts.push(`${groupDigits(s.table.evicted)} flows emitted early (table full)`);
  if (s.stoppedAt !== undefined) parts.push(`${s.fatal ? 'stopped' : 'damaged'} at byte ${s.stoppedAt} (0x${s.stoppedAt.toString(16)})`);
  else if (s.damaged) parts.push('damaged');
  if (s.error !== undefined) parts.push(terminalSafe(s.error));
  return `${name}: ${parts.join(', ')}`;
}

export function anomalyLines(anomalies: readonly AnomalySummary[]): string[] {
  const lines: string[] = [];
  for (const a of anomalies) {
    lines.push(`${a.severity === 'error' ? 'error' : 'warning'}: ${a.code} x${groupDigits(a.count)}`);
    for (const e of a.examples.slice(0, EXAMPLES_SHOWN)) lines.push(`  ${terminalSafe(e.message)}`);
    if (a.count > EXAMPLES_SHOWN && a.examples.length >= EXAMPLES_SHOWN) lines.push(`  ... ${groupDigits(a.count - EXAMPLES_SHOWN)} more`);
  }
  return lines;
}

/** The whole stderr summary, each line prefixed with `portolan: `. */
export function renderFlowsSummary(inputs: readonly InputSummary[], anomalies: readonly AnomalySummary[]): string {
  const lines = [...inputs.map(inputLine), ...anomalyLines(anomalies)];
  return lines.map((l) => (l.startsWith('  ') ? `${l}\n` : `portolan: ${l}\n`)).join('');
}
