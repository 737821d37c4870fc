/**
 * The live state of one flow inside the flow table. One object per flow, created when the flow is
 * first seen and dropped when it is emitted; packets update its fields in place (no allocation per
 * packet). Rarely used parts (firewall verdicts, joined ICMP errors, log-only state) live in
 * `extra`, allocated only for the flows that need them, so a plain TCP or UDP flow stays small.
 *
 * Orientation: `a*` is the first packet's (or line's) source and `b*` its destination; `clientIsA`
 * says which of them is the client. Counts are kept per client/server.
 */
import type { AppMark, Endpoint, ProtoName } from '../model.js';
import type { FlowView } from './observer.js';

/** TCP state bits (per flow). `C_` = sent by the client, `S_` = sent by the server. */
export const C_SYN = 0x1; // SYN without ACK
export const S_SYN = 0x2;
export const C_SYNACK = 0x4;
export const S_SYNACK = 0x8;
export const C_ACK = 0x10; // a packet with ACK and without SYN or RST
export const S_ACK = 0x20;
export const C_FIN = 0x40;
export const S_FIN = 0x80;
export const C_RST = 0x100;
export const S_RST = 0x200;
export const C_DATA = 0x400;
export const S_DATA = 0x800;
/** Set once the flow counts as closed (FIN both ways, or a RST): it lingers briefly, then is emitted. */
export const CLOSED = 0x1000;

/** LRU list ids: flows of one list share one timeout, so each list is ordered by deadline. */
export const LIST_NONE = -1;
export const LIST_TCP = 0;
export const LIST_UDP = 1;
export const LIST_ICMP = 2;
export const LIST_OTHER = 3;
export const LIST_CLOSED = 4;
/** Log flows of TCP whose every line so far is a denied connection attempt (`deniedTimeout`). */
export const LIST_DENIED = 5;
export const LIST_COUNT = 6;

/** Firewall verdict accumulation (PFLOG headers, log lines). */
export interface VerdictState {
  allowed: number;
  deniedAttempts: number;
  deniedLate: number;
  /** Rule/direction/interface of the verdict that decides the flow's action (first denied attempt, else the first verdict). */
  rule: string | undefined;
  direction: string | undefined;
  iface: string | undefined;
  source: string;
  decided: boolean;
  decidedByDenial: boolean;
}

export type VerdictKind = 'allowed' | 'denied-attempt' | 'denied-late';

/** Counts one verdict and keeps the words of the one that decides the flow. */
export function recordVerdict(
  v: VerdictState,
  kind: VerdictKind,
  rule: string | undefined,
  direction: string | undefined,
  iface: string | undefined,
  source: string,
): void {
  if (kind === 'allowed') v.allowed++;
  else if (kind === 'denied-attempt') v.deniedAttempts++;
  else v.deniedLate++;
  if (!v.decided || (kind === 'denied-attempt' && !v.decidedByDenial)) {
    v.decided = true;
    v.decidedByDenial = kind === 'denied-attempt';
    v.rule = rule;
    v.direction = direction;
    v.iface = iface;
    v.source = source;
  }
}

/** What only some flows carry. */
export interface FlowExtra {
  verdict: VerdictState | undefined;
  /** Joined ICMP error (see Flow.icmpError). */
  icmpErrType: number;
  icmpErrCode: number;
  icmpErrFrom: string;
  icmpErrPackets: number;
  icmpErrVersion: 4 | 6;
  /** True when a destination-unreachable was joined (these decide the outcome). */
  icmpUnreachable: boolean;
  /** Zeek conn_state reported by a flow log. */
  connState: string | undefined;
  /** History string reported by a flow log (used as is when the flow has none of its own). */
  logHistory: string | undefined;
  /** Log flows: true once a line said who the initiator is. */
  initiatorKnown: boolean;
  /** Log flows: the connection id that tied lines together. */
  connId: string | undefined;
  /** Log flows: the map keys under which the flow is indexed. */
  tupleKey: string | undefined;
  connKey: string | undefined;
  /** Log flows: packets were counted from lines that gave explicit counts. */
  countsGiven: boolean;
}

/**
 * One live flow. Objects are pooled by the table: after a flow is emitted its object is `reset()`
 * and reused for a later flow, so the objects that live long enough to reach the old generation
 * are not garbage a moment later (flows live for seconds to minutes: allocating one per flow made
 * garbage collection the largest cost of the table).
 */
export class FlowState implements FlowView {
  // Field order is layout order: what every packet reads or writes comes first, so it shares a few
  // cache lines (the key, orientation, times, counts, TCP state), then what is set once.

  // ---- key (packet flows, and log flows with IP addresses; other log flows use extra.tupleKey) ----
  hash = 0;
  protoNumber = 0;
  ver = 0;
  a0 = 0;
  b0 = 0;
  pa = 0;
  pb = 0;
  clientIsA = true;
  /**
   * Last activity, and the LRU list the flow is on with the whole second it was (re)listed there.
   * Times are kept as integer seconds and nanoseconds: small integers live in the object itself,
   * while a floating-point field would be a separate boxed number read through a pointer.
   */
  lastSec = 0;
  lastNsec = 0;
  list = LIST_NONE;
  listSec = 0;

  // ---- counts ----
  pktsC = 0;
  pktsS = 0;
  bytesC = 0;
  bytesS = 0;

  // ---- TCP ----
  st = 0;
  /** Once-per-direction history letters already written (bit per letter and direction). */
  hist = 0;
  /** Zeek-style history; every value is interned (history.ts), so no string is allocated per flow. */
  history = '';
  /** Client's initial sequence number (int32), valid when st has C_SYN. */
  isn = 0;
  /** Last SYN, FIN and RST sequence numbers per direction (Zeek writes S/H, F, R again when they change). */
  synSeqC = 0;
  synSeqS = 0;
  finSeqC = 0;
  finSeqS = 0;
  rstSeqC = 0;
  rstSeqS = 0;
  /** Highest sequence-space end of payload per direction, and retransmission counts ('T'/'t'). */
  maxEndC = 0;
  maxEndS = 0;
  rxmitC = 0;
  rxmitS = 0;

  // ---- observers ----
  observed = false;
  app: AppMark | undefined = undefined;

  // ---- IPv6 key words ----
  a1 = 0;
  a2 = 0;
  a3 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;

  // ---- identity: id `<inputIndex>.<seqNo>`, made into text only when asked ----
  inputIndex = 0;
  seqNo = 0;
  private idText: string | undefined = undefined;
  proto: ProtoName = 'tcp';
  /** Client and server endpoints: owned by this object, their fields rewritten for each flow. */
  readonly client: Endpoint = { ip: '', port: 0 };
  readonly server: Endpoint = { ip: '', port: 0 };
  directionInferred = true;
  /** Evidence: file, and byte offset or line of the first record (-1 when absent). */
  evFile = '';
  evOffset = -1;
  evLine = -1;
  vlan = -1;
  icmpType = -1;
  icmpCode = -1;

  // ---- first time ----
  firstSec = 0;
  firstNsec = 0;
  /** Creation order within the table (flush emits in this order). */
  order = 0;

  extra: FlowExtra | undefined = undefined;

  // ---- LRU links ----
  prev: FlowState | null = null;
  next: FlowState | null = null;

  get id(): string {
    return (this.idText ??= `${this.inputIndex}.${this.seqNo}`);
  }

  /** Seconds since the epoch of the first packet (fractional), for observers. */
  get firstTime(): number {
    return this.firstSec + this.firstNsec * 1e-9;
  }

  /** Back to the state of a new object (every field, in declaration order), for reuse. */
  reset(): void {
    this.hash = 0;
    this.protoNumber = 0;
    this.ver = 0;
    this.a0 = 0;
    this.b0 = 0;
    this.pa = 0;
    this.pb = 0;
    this.clientIsA = true;
    this.lastSec = 0;
    this.lastNsec = 0;
    this.list = LIST_NONE;
    this.listSec = 0;
    this.pktsC = 0;
    this.pktsS = 0;
    this.bytesC = 0;
    this.bytesS = 0;
    this.st = 0;
    this.hist = 0;
    this.history = '';
    this.isn = 0;
    this.synSeqC = 0;
    this.synSeqS = 0;
    this.finSeqC = 0;
    this.finSeqS = 0;
    this.rstSeqC = 0;
    this.rstSeqS = 0;
    this.maxEndC = 0;
    this.maxEndS = 0;
    this.rxmitC = 0;
    this.rxmitS = 0;
    this.observed = false;
    this.app = undefined;
    this.a1 = 0;
    this.a2 = 0;
    this.a3 = 0;
    this.b1 = 0;
    this.b2 = 0;
    this.b3 = 0;
    this.inputIndex = 0;
    this.seqNo = 0;
    this.idText = undefined;
    this.proto = 'tcp';
    this.client.ip = '';
    this.client.port = 0;
    this.server.ip = '';
    this.server.port = 0;
    this.directionInferred = true;
    this.evFile = '';
    this.evOffset = -1;
    this.evLine = -1;
    this.vlan = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.firstSec = 0;
    this.firstNsec = 0;
    this.order = 0;
    this.extra = undefined;
    this.prev = null;
    this.next = null;
  }
}

/** Seconds from the flow's last activity to (sec, nsec); negative for an earlier time. */
export function idleSeconds(f: FlowState, sec: number, nsec: number): number {
  return sec - f.lastSec + (nsec - f.lastNsec) * 1e-9;
}

export function extraOf(f: FlowState): FlowExtra {
  if (f.extra === undefined) {
    f.extra = {
      verdict: undefined,
      icmpErrType: -1,
      icmpErrCode: -1,
      icmpErrFrom: '',
      icmpErrPackets: 0,
      icmpErrVersion: 4,
      icmpUnreachable: false,
      connState: undefined,
      logHistory: undefined,
      initiatorKnown: false,
      connId: undefined,
      tupleKey: undefined,
      connKey: undefined,
      countsGiven: false,
    };
  }
  return f.extra;
}

export function verdictOf(f: FlowState, source: string): VerdictState {
  const x = extraOf(f);
  if (x.verdict === undefined) {
    x.verdict = {
      allowed: 0,
      deniedAttempts: 0,
      deniedLate: 0,
      rule: undefined,
      direction: undefined,
      iface: undefined,
      source,
      decided: false,
      decidedByDenial: false,
    };
  }
  return x.verdict;
}

const PROTO_NAMES: Readonly<Record<number, ProtoName>> = { 6: 'tcp', 17: 'udp', 1: 'icmp', 58: 'icmpv6', 132: 'sctp' };

export function protoName(n: number): ProtoName {
  return PROTO_NAMES[n] ?? `ip-${n}`;
}
