/** What a report says about each input, from the pipeline's per-input summary. */
import type { InputSummary } from '../pipeline.js';
import type { ReportInput } from './types.js';

export function reportInput(s: InputSummary): ReportInput {
  const damaged = s.damaged || s.fatal || s.error !== undefined;
  return {
    name: s.name,
    format: s.format,
    kind: s.kind,
    bytes: s.bytes,
    records: s.kind === 'capture' ? s.packets : s.lines,
    flows: s.flows,
    badLines: s.badLines,
    damage: damaged
      ? {
          fatal: s.fatal,
          message: s.error ?? (s.stoppedAt !== undefined ? `damaged; reading stopped at byte offset ${s.stoppedAt}` : 'damaged records were skipped'),
          ...(s.stoppedAt !== undefined ? { offset: s.stoppedAt } : {}),
        }
      : null,
  };
}
