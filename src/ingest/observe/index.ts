/**
 * The dynamic-port observers as one `FlowObserver` for the flow table: FTP (control channels on
 * 21 and the configured ports, and by content elsewhere), the ONC RPC portmapper (111, UDP and
 * TCP) and TFTP (69/udp). A new flow is offered to FTP's expectations first, then TFTP's, then
 * RPC's (the first claim wins); packets of a flow go only to the observers that asked for it.
 */
import type { AnomalyLog } from '../../anomalies.js';
import type { Endpoint } from '../../model.js';
import type { FlowClaim, FlowObserver, FlowView, ObserverStats } from '../../flow/observer.js';
import type { ExpectationStats } from '../../flow/expectations.js';
import type { DecodedPacket } from '../decode/packet.js';
import { resolveObserverOptions } from './context.js';
import type { ObserverOptions, ResolvedObserverOptions } from './context.js';
import { FtpObserver } from './ftp.js';
import { PortmapObserver } from './portmap.js';
import { TftpObserver } from './tftp.js';

export type { ObserverOptions, ResolvedObserverOptions } from './context.js';
export { FTP_CONTROL_PORT, PORTMAPPER_PORT, TFTP_PORT } from './context.js';
export { FtpObserver, parseSixNumbers, parseEpsvReply, parseEprtArgument } from './ftp.js';
export type { FtpExpectation, FtpMode } from './ftp.js';
export { PortmapObserver, RPC_PROGRAM_NAMES, parseUniversalAddress } from './portmap.js';
export type { RpcExpectation } from './portmap.js';
export { TftpObserver, parseTftpRequest } from './tftp.js';
export type { TftpExpectation } from './tftp.js';

function addExpectationStats(out: ObserverStats, prefix: string, s: ExpectationStats): void {
  out[`${prefix}.expectations.added`] = s.added;
  out[`${prefix}.expectations.refreshed`] = s.refreshed;
  out[`${prefix}.expectations.matched`] = s.matched;
  out[`${prefix}.expectations.expiredUnused`] = s.expiredUnused;
  out[`${prefix}.expectations.expiredUsed`] = s.expiredUsed;
  out[`${prefix}.expectations.evicted`] = s.evicted;
  out[`${prefix}.expectations.live`] = s.live;
  out[`${prefix}.expectations.peak`] = s.peak;
}

export class DynamicPortObservers implements FlowObserver {
  readonly options: ResolvedObserverOptions;
  readonly ftp: FtpObserver | undefined;
  readonly tftp: TftpObserver | undefined;
  readonly portmap: PortmapObserver | undefined;
  private readonly parts: FlowObserver[] = [];
  /** Per flow: bit i set while `parts[i]` follows the flow. */
  private readonly interest = new Map<string, number>();

  constructor(options: ObserverOptions = {}) {
    this.options = resolveObserverOptions(options);
    this.ftp = this.options.ftp ? new FtpObserver(this.options) : undefined;
    this.tftp = this.options.tftp ? new TftpObserver(this.options) : undefined;
    this.portmap = this.options.portmapper ? new PortmapObserver(this.options) : undefined;
    if (this.ftp !== undefined) this.parts.push(this.ftp);
    if (this.tftp !== undefined) this.parts.push(this.tftp);
    if (this.portmap !== undefined) this.parts.push(this.portmap);
  }

  /** Where the observers report anomalies (the log given in the options, or their own). */
  get anomalies(): AnomalyLog {
    return this.options.anomalies;
  }

  matchNewFlow(protoNumber: number, a: Endpoint, b: Endpoint, now: number): FlowClaim | undefined {
    for (const p of this.parts) {
      const claim = p.matchNewFlow(protoNumber, a, b, now);
      if (claim !== undefined) return claim;
    }
    return undefined;
  }

  wantsFlow(flow: FlowView): boolean {
    let mask = 0;
    for (let i = 0; i < this.parts.length; i++) if (this.parts[i]?.wantsFlow(flow) === true) mask |= 1 << i;
    if (mask === 0) return false;
    this.interest.set(flow.id, mask);
    return true;
  }

  onPacket(flow: FlowView, fromClient: boolean, pkt: DecodedPacket): boolean {
    const mask = this.interest.get(flow.id);
    if (mask === undefined) return false;
    let left = mask;
    for (let i = 0; i < this.parts.length; i++) {
      if ((mask & (1 << i)) === 0) continue;
      // A part that answers false has released its state for the flow.
      if (this.parts[i]?.onPacket(flow, fromClient, pkt) === false) left &= ~(1 << i);
    }
    if (left === mask) return true;
    if (left === 0) {
      this.interest.delete(flow.id);
      return false;
    }
    this.interest.set(flow.id, left);
    return true;
  }

  onFlowEnd(flow: FlowView): void {
    const mask = this.interest.get(flow.id);
    if (mask === undefined) return;
    this.interest.delete(flow.id);
    for (let i = 0; i < this.parts.length; i++) if ((mask & (1 << i)) !== 0) this.parts[i]?.onFlowEnd(flow);
  }

  expire(now: number): void {
    for (const p of this.parts) p.expire(now);
  }

  /** Flows being followed now (for memory accounting and tests). */
  get activeFlows(): number {
    return this.interest.size;
  }

  stats(): ObserverStats {
    const out: ObserverStats = {};
    if (this.ftp !== undefined) {
      const c = this.ftp.counters;
      out['ftp.controlChannels'] = c.controlChannels;
      out['ftp.detectedByContent'] = c.detectedByContent;
      out['ftp.announcements'] = c.announcements;
      out['ftp.natAnnouncements'] = c.natAnnouncements;
      out['ftp.badAnnouncements'] = c.badAnnouncements;
      out['ftp.longLines'] = c.longLines;
      out['ftp.tlsControl'] = c.tlsControl;
      out['ftp.dataFlowsMarked'] = c.dataFlowsMarked;
      out['ftp.sessionsRefused'] = c.sessionsRefused;
      out['ftp.bufferRefusals'] = this.ftp.budget.refused;
      addExpectationStats(out, 'ftp', this.ftp.expectationStats());
    }
    if (this.portmap !== undefined) {
      const c = this.portmap.counters;
      out['rpc.conversations'] = c.conversations;
      out['rpc.calls'] = c.calls;
      out['rpc.replies'] = c.replies;
      out['rpc.repliesWithoutCall'] = c.repliesWithoutCall;
      out['rpc.pendingDropped'] = c.pendingDropped;
      out['rpc.badMessages'] = c.badMessages;
      out['rpc.recordsTooLong'] = c.recordsTooLong;
      out['rpc.mappingsLearned'] = c.mappingsLearned;
      out['rpc.flowsMarked'] = c.flowsMarked;
      out['rpc.sessionsRefused'] = c.sessionsRefused;
      out['rpc.notRpc'] = c.notRpc;
      out['rpc.bufferRefusals'] = this.portmap.budget.refused;
      addExpectationStats(out, 'rpc', this.portmap.expectationStats());
    }
    if (this.tftp !== undefined) {
      const c = this.tftp.counters;
      out['tftp.requestFlows'] = c.requestFlows;
      out['tftp.requests'] = c.requests;
      out['tftp.transfersMarked'] = c.transfersMarked;
      out['tftp.sessionsRefused'] = c.sessionsRefused;
      addExpectationStats(out, 'tftp', this.tftp.expectationStats());
    }
    return out;
  }
}

/** The FTP, portmapper and TFTP observers composed into the one observer the flow table calls. */
export function createObservers(options?: ObserverOptions): DynamicPortObservers {
  return new DynamicPortObservers(options);
}
