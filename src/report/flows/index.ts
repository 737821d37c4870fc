/** The flow renderers by `--format` name (`flows` command). Pure: flows in, text out. */
import type { AnomalySummary, Flow } from '../../model.js';
import type { InputSummary } from '../../pipeline.js';
import { renderFlowsCsv } from './csv.js';
import { renderFlowsJson } from './json.js';
import { renderFlowsNdjson } from './ndjson.js';
import { renderFlowsTable } from './table.js';

export interface FlowRenderInput {
  flows: readonly Flow[];
  inputs: readonly InputSummary[];
  anomalies: readonly AnomalySummary[];
}

export const flowRenderers = {
  table: (r: FlowRenderInput): string => renderFlowsTable(r.flows),
  json: (r: FlowRenderInput): string => renderFlowsJson(r.flows, r.inputs, r.anomalies),
  ndjson: (r: FlowRenderInput): string => renderFlowsNdjson(r.flows),
  csv: (r: FlowRenderInput): string => renderFlowsCsv(r.flows),
} as const;

export type FlowFormat = keyof typeof flowRenderers;

export const FLOW_FORMATS: readonly FlowFormat[] = ['table', 'json', 'ndjson', 'csv'];

export { renderFlowLine, renderFlowsNdjson } from './ndjson.js';
export { renderFlowsJson } from './json.js';
export { renderFlowsCsv, FLOW_CSV_COLUMNS } from './csv.js';
export { renderFlowsTable } from './table.js';
export { renderFlowsSummary } from './summary.js';
export { compareFlows, orderedFlow } from './record.js';
