/** What a report says about each input, from the pipeline's per-input summary. */
import type { InputSummary } from '../pipeline.js';
import type { ReportInput } from './types.js';

/**
 * What went wrong, in one line that names the input (`cap.pcap@0x1ebf: absurd captured length
 * ...; reading stopped`, `fw.log: no such file`), as STYLE.md habit 6 writes errors.
 */
function damageMessage(s: InputSummary): string {
  if (s.error !== undefined) return s.error;
  if (s.stopReason !== undefined) return s.stopReason;
  if (s.stoppedAt !== undefined) return `${s.name}@0x${s.stoppedAt.toString(16)}: damaged; reading ${s.fatal ? 'stopped' : 'ended'} there`;
  return `${s.name}: damaged records were skipped`;
}

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
          message: damageMessage(s),
          ...(s.stoppedAt !== undefined ? { offset: s.stoppedAt } : {}),
        }
      : null,
  };
}
