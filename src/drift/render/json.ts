/**
 * Drift as JSON: the `DriftResult` / `HistoryResult` records (drift/types.ts), two-space indented,
 * fields in declaration order, one trailing newline. docs/drift.md documents every field.
 */
import type { DriftResult, HistoryResult } from '../types.js';

export function renderDriftJson(r: DriftResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}

export function renderHistoryJson(h: HistoryResult): string {
  return JSON.stringify(h, null, 2) + '\n';
}
