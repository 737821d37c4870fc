/**
 * Anomalies are data, not exceptions (Zeek's weird.log): each is counted under its code and the
 * first few examples of each code are kept, so a damaged input of any size costs bounded memory.
 */
import type { Anomaly, AnomalySeverity, AnomalySummary } from './model.js';

export const DEFAULT_EXAMPLES_PER_CODE = 5;

const SEVERITY_RANK: Record<AnomalySeverity, number> = { info: 0, warning: 1, error: 2 };

/** The more severe of two severities (a code's summary carries its worst). */
export function worseSeverity(a: AnomalySeverity, b: AnomalySeverity): AnomalySeverity {
  return SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** Anomalies worth printing by default: warnings and errors (info is only counted). */
export function isNotable(a: { severity: AnomalySeverity }): boolean {
  return a.severity !== 'info';
}

export class AnomalyLog {
  private readonly byCode = new Map<string, AnomalySummary>();
  private readonly examplesPerCode: number;

  constructor(examplesPerCode = DEFAULT_EXAMPLES_PER_CODE) {
    this.examplesPerCode = examplesPerCode;
  }

  add(anomaly: Anomaly): void {
    let entry = this.byCode.get(anomaly.code);
    if (entry === undefined) {
      entry = { code: anomaly.code, severity: anomaly.severity, count: 0, examples: [] };
      this.byCode.set(anomaly.code, entry);
    }
    entry.count++;
    entry.severity = worseSeverity(entry.severity, anomaly.severity);
    if (entry.examples.length < this.examplesPerCode) entry.examples.push(anomaly);
  }

  /**
   * True while an anomaly of this code would still be kept as an example. Hot paths that would
   * have to build a message call this first and use `addCount` when it says no.
   */
  wantsExample(code: string): boolean {
    const entry = this.byCode.get(code);
    return entry === undefined || entry.examples.length < this.examplesPerCode;
  }

  /** Counts one anomaly of a code without keeping an example. */
  addCount(code: string, severity: Anomaly['severity']): void {
    let entry = this.byCode.get(code);
    if (entry === undefined) {
      entry = { code, severity, count: 0, examples: [] };
      this.byCode.set(code, entry);
    }
    entry.count++;
    entry.severity = worseSeverity(entry.severity, severity);
  }

  /** Adds every entry of another log (used to merge per-input or per-worker logs). */
  merge(other: AnomalyLog | readonly AnomalySummary[]): void {
    const entries = other instanceof AnomalyLog ? other.summary() : other;
    for (const e of entries) {
      let entry = this.byCode.get(e.code);
      if (entry === undefined) {
        entry = { code: e.code, severity: e.severity, count: 0, examples: [] };
        this.byCode.set(e.code, entry);
      }
      entry.count += e.count;
      entry.severity = worseSeverity(entry.severity, e.severity);
      for (const ex of e.examples) {
        if (entry.examples.length >= this.examplesPerCode) break;
        entry.examples.push(ex);
      }
    }
  }

  count(code?: string): number {
    if (code !== undefined) return this.byCode.get(code)?.count ?? 0;
    let n = 0;
    for (const e of this.byCode.values()) n += e.count;
    return n;
  }

  /** Entries of warnings and errors only, sorted by code: what is printed by default. */
  notable(): AnomalySummary[] {
    return this.summary().filter(isNotable);
  }

  hasErrors(): boolean {
    for (const e of this.byCode.values()) if (e.severity === 'error') return true;
    return false;
  }

  /** Entries sorted by code, for deterministic output. */
  summary(): AnomalySummary[] {
    return [...this.byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  }
}
