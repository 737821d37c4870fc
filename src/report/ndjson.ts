/**
 * NDJSON (https://github.com/ndjson/ndjson-spec): one classified flow per line, written as each
 * flow is classified (never buffered). Each line holds the flow's fields as the flow table emits
 * them, then the verdict: `status`, `reachability`, `finding`, `severity`, `rules`, `reason`, the
 * service `key` and, when known, the inventory names and roles. Field order is fixed.
 */
import type { ClassifiedFlow } from '../classify/types.js';
import { orderedFlow } from './flows/record.js';

/** The record written for one flow, fields in a fixed order: the flow as `portolan flows` prints it, then the verdict. */
export function flowRecord(f: ClassifiedFlow): Record<string, unknown> {
  const r: Record<string, unknown> = { ...orderedFlow(f) };
  r['status'] = f.status;
  r['reachability'] = f.reachability;
  r['finding'] = f.finding;
  r['severity'] = f.severity;
  r['rules'] = f.rules;
  r['reason'] = f.reason;
  if (f.key !== undefined) r['key'] = f.key;
  if (f.confidence !== undefined) r['confidence'] = f.confidence;
  if (f.wrongDirection !== undefined) r['wrongDirection'] = f.wrongDirection;
  if (f.clientName !== undefined) r['clientName'] = f.clientName;
  if (f.clientRole !== undefined) r['clientRole'] = f.clientRole;
  if (f.serverName !== undefined) r['serverName'] = f.serverName;
  if (f.serverRole !== undefined) r['serverRole'] = f.serverRole;
  return r;
}

/** One NDJSON line (JSON.stringify escapes every control character, so a line is always one line). */
export function renderFlowLine(f: ClassifiedFlow): string {
  return `${JSON.stringify(flowRecord(f))}\n`;
}
