/**
 * The drift renderers, one per format (`type DriftFormat = keyof typeof driftRenderers`): each
 * draws a two-report comparison (`drift`) and a folder's history (`history`).
 */
import type { RenderOptions } from '../../report/render-options.js';
import type { DriftResult, HistoryResult } from '../types.js';
import { renderDriftCsv, renderHistoryCsv } from './csv.js';
import { renderDriftHtml, renderHistoryHtml } from './html.js';
import { renderDriftJson, renderHistoryJson } from './json.js';
import { renderDriftMarkdown, renderHistoryMarkdown } from './markdown.js';
import { renderDriftTable, renderHistoryTable } from './table.js';

export interface DriftRenderer {
  describe: string;
  /** File name endings that select this format for `--output` when `--format` is not given. */
  extensions: readonly string[];
  drift(r: DriftResult, o: RenderOptions): string;
  history(h: HistoryResult, o: RenderOptions): string;
}

const RENDERERS = {
  table: { describe: 'readable tables for a terminal (default)', extensions: ['.txt'], drift: renderDriftTable, history: renderHistoryTable },
  json: { describe: 'every item, stable and documented (docs/drift.md)', extensions: ['.json'], drift: renderDriftJson, history: renderHistoryJson },
  markdown: { describe: 'sections and tables as Markdown', extensions: ['.md', '.markdown'], drift: renderDriftMarkdown, history: renderHistoryMarkdown },
  html: { describe: 'one self-contained page', extensions: ['.html', '.htm'], drift: renderDriftHtml, history: renderHistoryHtml },
  csv: { describe: 'one row per change (history: per service)', extensions: ['.csv'], drift: renderDriftCsv, history: renderHistoryCsv },
} as const satisfies Record<string, DriftRenderer>;

export type DriftFormat = keyof typeof RENDERERS;

/** Every format, each drawing either result with the same options. */
export const driftRenderers: Readonly<Record<DriftFormat, DriftRenderer>> = RENDERERS;

export const DRIFT_FORMATS: readonly DriftFormat[] = ['table', 'json', 'markdown', 'html', 'csv'];

export function isDriftFormat(name: string): name is DriftFormat {
  return (DRIFT_FORMATS as readonly string[]).includes(name);
}

/** The format an output file name implies, if any. */
export function driftFormatForPath(path: string): DriftFormat | undefined {
  const lower = path.toLowerCase();
  return DRIFT_FORMATS.find((f) => driftRenderers[f].extensions.some((e) => lower.endsWith(e)));
}
