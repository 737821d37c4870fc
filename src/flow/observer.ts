/**
 * The contract between the flow table and the dynamic-port observers (FTP, portmapper, TFTP).
 * The table owns flows; observers read payloads of the flows they claim and announce
 * expectations; when the table creates a flow it asks the observers whether an expectation
 * names it. Observers never retain the packet or its buffer.
 */
import type { AppMark, Endpoint } from '../model.js';
import type { DecodedPacket } from '../ingest/decode/packet.js';

/**
 * The part of a live flow that observers may read (and `app`, which they may set). The table
 * reuses the object (and its `client`/`server` objects) for a later flow once the flow was
 * emitted: an observer keeps the id or copies of what it needs, never the object past
 * `onFlowEnd` (or past an `onPacket` that returned false).
 */
export interface FlowView {
  readonly id: string;
  /** IP protocol number. */
  readonly protoNumber: number;
  readonly client: Endpoint;
  readonly server: Endpoint;
  /** Seconds since the epoch of the first packet (fractional). */
  readonly firstTime: number;
  app: AppMark | undefined;
}

/** What an observer says about a flow the table is about to create. */
export interface FlowClaim {
  app: AppMark;
  /**
   * When the expectation knows who the logical client is (TFTP: the requester; FTP: the side that
   * opens the data connection is already right), the endpoint that should be `client`.
   */
  client?: Endpoint;
}

export interface FlowObserver {
  /**
   * Asked once for every new flow, before the table decides direction. `a`/`b` are the first
   * packet's source and destination. Returns a claim when an expectation names the flow.
   * `now` is the capture clock in seconds.
   */
  matchNewFlow(protoNumber: number, a: Endpoint, b: Endpoint, now: number): FlowClaim | undefined;
  /** True when packets of this flow should be shown to `onPacket` (decided once per flow). */
  wantsFlow(flow: FlowView): boolean;
  /**
   * A packet of a claimed flow. `fromClient` is relative to the flow's current client.
   * Returning `false` means the observer has lost interest in this flow (not the protocol it
   * looked for, or past the point it can read, e.g. TLS) and has already released its state for
   * it: the table may stop calling `onPacket` for it, and `onFlowEnd` is then not needed (calling
   * it anyway is harmless). `true` or nothing: keep calling.
   */
  onPacket(flow: FlowView, fromClient: boolean, pkt: DecodedPacket): boolean | void;
  /** A claimed flow was emitted (finished or timed out): release its state. */
  onFlowEnd(flow: FlowView): void;
  /** The capture clock advanced to `now` (seconds): expire old expectations. */
  expire(now: number): void;
  /**
   * Counters for the run summary (control channels followed, announcements, expectations added,
   * matched, expired unused, dropped at the cap, ...), flat `area.counter` names in a fixed order.
   */
  stats?(): ObserverStats;
}

/** Observer counters by name (`ftp.announcements`, `ftp.expectations.evicted`, ...). */
export type ObserverStats = Record<string, number>;
