/**
 * How a flow ended up (`Outcome`, after Zeek's conn_state), decided once when the flow is emitted.
 * The order of the checks is the order of precedence:
 *
 * 1. a firewall denied a connection attempt (PFLOG header, log line)            → denied
 * 2. a destination-unreachable named the flow and the server never answered     → icmp-prohibited / icmp-unreachable
 * 3. a log reported how the session ended (Zeek's conn_state vocabulary)       → outcomeOfZeekConnState (ingest/logs/zeek-conn.ts)
 *    (before "allowed": a session the firewall allowed but that timed out in SYN is unanswered)
 * 4. a firewall allowed it                                                      → allowed
 * 5. TCP from the packets' flags:
 *    - client SYN, server SYN+ACK or client ACK after its SYN                   → established
 *    - client SYN answered by a server RST (no SYN+ACK)                         → rejected
 *    - client SYN and nothing that shows an answer                              → unanswered
 *    - no client SYN: server SYN+ACK and a client ACK (the SYN was missed)      → established
 *    - otherwise (first seen mid-stream)                                        → partial
 * 6. UDP, ICMP, SCTP and other protocols: both sides sent → established; only the client → unanswered;
 *    only the server (the capture missed the client) → partial.
 * In 5 and 6, a flow read from a log whose lines carried no verdict is partial where a capture's
 * would be unanswered: a log lists the packets a rule matched, so an answer it lacks may exist.
 *
 * Denials of packets that are not connection attempts (TCP without SYN) never make a flow denied:
 * the flow keeps the outcome its other evidence gives, and `firewall.lateOnly` says so.
 */
import { outcomeOfZeekConnState } from '../ingest/logs/zeek-conn.js';
import type { Outcome } from '../model.js';
import type { FlowState } from './state.js';
import { C_ACK, C_DATA, C_SYN, S_RST, S_SYNACK } from './state.js';

/** ICMP codes that mean "administratively prohibited" (RFC 1812 section 5.2.7.1; RFC 4443 section 3.1). */
export function isProhibited(ipVersion: 4 | 6, type: number, code: number): boolean {
  if (ipVersion === 4) return type === 3 && (code === 9 || code === 10 || code === 13);
  return type === 1 && code === 1;
}

/** Destination Unreachable: ICMP type 3 (RFC 792), ICMPv6 type 1 (RFC 4443). */
export function isDestinationUnreachable(ipVersion: 4 | 6, type: number): boolean {
  return ipVersion === 4 ? type === 3 : type === 1;
}

export function decideOutcome(f: FlowState): Outcome {
  const x = f.extra;
  const v = x?.verdict;
  if (v !== undefined && v.deniedAttempts > 0) return 'denied';
  if (x !== undefined && x.icmpUnreachable && f.pktsS === 0) {
    return isProhibited(x.icmpErrVersion, x.icmpErrType, x.icmpErrCode) ? 'icmp-prohibited' : 'icmp-unreachable';
  }
  if (x?.connState !== undefined) {
    const mapped = outcomeOfZeekConnState(x.connState, f.protoNumber, { orig: f.pktsC, resp: f.pktsS });
    if (mapped !== undefined) return mapped;
  }
  if (v !== undefined && v.allowed > 0) return 'allowed';
  // A log flow whose lines give neither a verdict nor the session's end (an iptables LOG rule
  // with a prefix that names no action, UFW AUDIT): the log holds the packets its rule matched,
  // not every packet, so a missing answer is not evidence of no answer.
  const silentLog = f.evLine >= 0;
  if (f.protoNumber === 6 && f.st !== 0) {
    const tcp = decideTcp(f.st);
    return tcp === 'unanswered' && silentLog ? 'partial' : tcp;
  }
  if (f.pktsC > 0 && f.pktsS > 0) return 'established';
  if (f.pktsC > 0) return silentLog ? 'partial' : 'unanswered';
  if (f.pktsS > 0) return 'partial';
  // Nothing counted: a log flow known from lines without counts, or a flow known only from an
  // ICMP quote (handled above) — say what the lines said.
  if (v !== undefined && v.deniedLate > 0) return 'partial';
  return f.protoNumber === 6 ? 'partial' : 'unanswered';
}

function decideTcp(st: number): Outcome {
  if ((st & C_SYN) !== 0) {
    if ((st & S_SYNACK) !== 0) return 'established';
    if ((st & S_RST) !== 0) return 'rejected';
    // The client acknowledged or sent data after its SYN: it saw a SYN+ACK the capture missed.
    if ((st & (C_ACK | C_DATA)) !== 0) return 'established';
    return 'unanswered';
  }
  if ((st & S_SYNACK) !== 0 && (st & (C_ACK | C_DATA)) !== 0) return 'established';
  return 'partial';
}
