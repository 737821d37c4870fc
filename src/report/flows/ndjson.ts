/** NDJSON (one JSON object per line, ndjson.org spec 1.0): flows streamed as the table emits them. */
import type { Flow } from '../../model.js';
import { orderedFlow } from './record.js';

/** One flow as one line, newline included. */
export function renderFlowLine(flow: Flow): string {
  return `${JSON.stringify(orderedFlow(flow))}\n`;
}

export function renderFlowsNdjson(flows: readonly Flow[]): string {
  let out = '';
  for (const f of flows) out += renderFlowLine(f);
  return out;
}
