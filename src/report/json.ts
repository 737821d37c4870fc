/** The whole report as JSON (report/types.ts, docs/report-schema.md): the input of `drift`. */
import type { Report } from './types.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
