/** Drift: report vs report, and a folder of reports over time. */
export { readReport, readReportChunks, listReportFiles, MAX_REPORT_DEPTH, MAX_VALUE_TOKENS } from './read.js';
export type { ReadReportOptions } from './read.js';
export { compareReports, atOrAbove, worstSeverity, DEFAULT_VOLUME_THRESHOLD } from './compare.js';
export type { CompareOptions } from './compare.js';
export { readHistory, HistoryBuilder, dateFromFileName } from './history.js';
export { UPGRADES, CURRENT_SCHEMA_VERSION } from './schema.js';
export type { SchemaUpgrade } from './schema.js';
export { driftRenderers, DRIFT_FORMATS, isDriftFormat, driftFormatForPath } from './render/index.js';
export type { DriftFormat, DriftRenderer } from './render/index.js';
export type * from './types.js';
export { DRIFT_KINDS, DRIFT_SEVERITIES, DRIFT_SCHEMA_VERSION } from './types.js';
