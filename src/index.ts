/** portolan as a library: re-exports only. */
export type * from './model.js';
export type * from './catalog/types.js';
export type * from './classify/types.js';
export { AnomalyLog } from './anomalies.js';
export { PortolanError, InputError, UsageError, DataFileError } from './errors.js';
export { openInput, sniffKind } from './ingest/open.js';
export type { OpenedInput, InputKind } from './ingest/open.js';
