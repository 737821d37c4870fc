/**
 * Verdict types (see DESIGN.md "Classification"). A flow gets a documentation status and a
 * reachability, and from the two a finding with a severity.
 */
import type { Flow } from '../model.js';

export type DocStatus = 'documented' | 'dynamic' | 'should-block' | 'not-used' | 'undocumented';
export type Reachability = 'allowed' | 'blocked';
export type Finding = 'ok' | 'broken-requirement' | 'exposure' | 'deprecated-in-use' | 'undocumented' | 'info';
export type Severity = 'none' | 'info' | 'low' | 'medium' | 'high';

export const SEVERITY_ORDER: Record<Severity, number> = { none: 0, info: 1, low: 2, medium: 3, high: 4 };

/** A rule that could explain a flow, with how well it fits. */
export interface RuleMatch {
  product: string;
  rule: string;
  /**
   * `exact`: roles and ports fit; `port-only`: no inventory roles; `fallback`: a dynamic fallback range
   * without an announcement; `announced`: a data port announced on a documented control flow (FTP, portmapper, TFTP).
   */
  confidence: 'exact' | 'port-only' | 'fallback' | 'announced';
  /** Why this rule matches, in words a person can check. */
  reason: string;
}

export interface ClassifiedFlow extends Flow {
  status: DocStatus;
  reachability: Reachability;
  finding: Finding;
  severity: Severity;
  /** `product/rule` ids, best first. */
  rules: string[];
  reason: string;
  /** Inventory names of client and server, when known. */
  clientName?: string;
  serverName?: string;
  clientRole?: string;
  serverRole?: string;
  /** The service key the flow is aggregated under (see `ServiceRow.key` in report/types.ts). */
  key?: string;
  /** How the best rule matched (absent when no rule did). */
  confidence?: RuleMatch['confidence'];
  /**
   * Set when the flow runs against the direction of a rule (`product/rule`): the listener's role
   * opened the connection that the document says the other role opens. Its finding is `undocumented`.
   */
  wrongDirection?: string;
}
