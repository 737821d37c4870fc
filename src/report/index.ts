/**
 * The report registry: one renderer per format (`type ReportFormat = keyof typeof reporters`).
 * `render` draws the finished report; formats that stream flows (`ndjson`) also have `flow`,
 * called once per classified flow as it is classified.
 */
import type { ClassifiedFlow } from '../classify/types.js';
import { renderCsv } from './csv.js';
import { renderHtml } from './html.js';
import { renderJson, renderJsonChunks } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderFlowLine } from './ndjson.js';
import type { RenderOptions } from './render-options.js';
import { renderTable } from './table.js';
import type { Report } from './types.js';

export interface Reporter {
  /** One line for help output. */
  describe: string;
  /** File name extensions that select this format for `--output` when `--format` is not given. */
  extensions: readonly string[];
  render(report: Report, options: RenderOptions): string;
  /**
   * The text of `render`, in pieces, for formats whose output grows with the services (JSON):
   * written piece by piece, the whole text is never held at once.
   */
  renderChunks?: (report: Report, options: RenderOptions) => Iterable<string>;
  /** Streams one classified flow (formats that stream). */
  flow?: (f: ClassifiedFlow) => string;
}

const registry = {
  table: { describe: 'readable summary for a terminal (default)', extensions: ['.txt'], render: renderTable },
  json: { describe: 'the whole report (input of `portolan drift`)', extensions: ['.json'], render: renderJson, renderChunks: renderJsonChunks },
  ndjson: { describe: 'one classified flow per line, streamed', extensions: ['.ndjson', '.jsonl'], render: () => '', flow: renderFlowLine },
  csv: { describe: 'one row per service', extensions: ['.csv'], render: renderCsv },
  markdown: { describe: 'summary, findings, services, coverage as Markdown', extensions: ['.md', '.markdown'], render: renderMarkdown },
  html: { describe: 'one self-contained page with charts', extensions: ['.html', '.htm'], render: renderHtml },
} as const satisfies Record<string, Reporter>;

export type ReportFormat = keyof typeof registry;

export const reporters: Readonly<Record<ReportFormat, Reporter>> = registry;

export const REPORT_FORMATS = Object.keys(registry) as ReportFormat[];

export function isReportFormat(name: string): name is ReportFormat {
  return Object.prototype.hasOwnProperty.call(reporters, name);
}

/** The format an output file name implies, if any. */
export function formatForPath(path: string): ReportFormat | undefined {
  const lower = path.toLowerCase();
  for (const f of REPORT_FORMATS) {
    const r = reporters[f];
    if (r.extensions.some((e) => lower.endsWith(e))) return f;
  }
  return undefined;
}

export type { Report } from './types.js';
export type { RenderOptions } from './render-options.js';
export { buildReport } from './build.js';
export type { BuildReportOptions } from './build.js';
