/**
 * `flows --format json`: one document with the inputs read, every flow (sorted by first time,
 * then id) and the anomalies. Deterministic: no wall clock, fixed key order.
 */
import type { AnomalySummary, Flow } from '../../model.js';
import type { InputSummary } from '../../pipeline.js';
import { compareFlows, orderedFlow } from './record.js';

/** The input fields the JSON document carries (the readers' raw statistics stay out). */
export function inputRecord(s: InputSummary): Record<string, unknown> {
  return {
    index: s.index,
    name: s.name,
    kind: s.kind,
    format: s.format,
    packets: s.packets,
    lines: s.lines,
    observations: s.observations,
    badLines: s.badLines,
    bytes: s.bytes,
    ...(s.stoppedAt !== undefined ? { stoppedAt: s.stoppedAt } : {}),
    damaged: s.damaged,
    fatal: s.fatal,
    flows: s.flows,
    ...(s.error !== undefined ? { error: s.error } : {}),
  };
}

export function renderFlowsJson(flows: readonly Flow[], inputs: readonly InputSummary[], anomalies: readonly AnomalySummary[]): string {
  const doc = {
    inputs: inputs.map(inputRecord),
    flows: [...flows].sort(compareFlows).map(orderedFlow),
    anomalies: anomalies.map((a) => ({
      code: a.code,
      severity: a.severity,
      count: a.count,
      examples: a.examples.map((e) => ({
        message: e.message,
        ...(e.file !== undefined ? { file: e.file } : {}),
        ...(e.offset !== undefined ? { offset: e.offset } : {}),
        ...(e.line !== undefined ? { line: e.line } : {}),
      })),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
