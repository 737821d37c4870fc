/**
 * The flow table: packets (and log observations) in, finished flows out.
 *
 * - Bidirectional flows keyed by (IP version, protocol, addresses, ports); ICMP echo uses its
 *   identifier as both ports, so a request and its reply pair up (key.ts).
 * - Client and server: the SYN sender is the client (a SYN+ACK's receiver when the SYN was missed);
 *   the echo requester for ICMP; otherwise the side whose port scores higher as a server port
 *   (ports.ts) is the server and `directionInferred` is true. An observer's claim (FTP data, RPC,
 *   TFTP expectations) can name the client.
 * - Times run on the capture clock (the latest packet timestamp), never the wall clock. Flows sit in
 *   one of five lists (TCP, UDP, ICMP, other, closed), each sharing one timeout and ordered by the
 *   time a flow was listed. A packet only writes its flow's last-activity time; once per second of
 *   capture time the heads of the lists are looked at: a head idle past its timeout is emitted, a
 *   head that was active since it was listed goes back to the tail ("second chance"). So a packet
 *   costs O(1) without touching any other flow, and a flow is emitted at most one timeout after
 *   it expired (in practice within a second for flows idle since they were listed). Defaults are
 *   Zeek's: TCP 5 min, UDP/ICMP/other 1 min of inactivity; a TCP flow closed by FINs both ways or a
 *   RST lingers 5 s (Zeek's tcp_close_delay/tcp_reset_delay) for its last ACKs, then is emitted.
 *   Whether a packet still belongs to a flow is decided exactly, from its last activity.
 * - A pure SYN on a flow that is closed or whose handshake completed starts a new flow unless it
 *   repeats the client's initial sequence number (a retransmission); a packet after the timeout
 *   starts a new flow too.
 * - At most `maxFlows` live flows: creating one more emits the least recently active flow first
 *   (the heads of the lists), counted in stats and as a `flow-table-cap` anomaly.
 * - ICMP/ICMPv6 errors whose quoted header names a flow are joined to that flow (created from the
 *   quote if the table has not seen it) instead of forming a flow of their own: counted in
 *   `icmpError.packets`, not in the flow's packets, since tshark and Zeek count the transport flow
 *   without them. A destination-unreachable decides the outcome when the server never answered.
 * - IP fragments after the first carry no ports: they are attributed to the flow of the first
 *   fragment of the same datagram (same addresses, protocol and identification), also when they
 *   arrive before it (held as counts for the fragment timeout).
 *
 * - The clock does not take a forward jump of more than `maxClockJump` (24 h) on one record's word:
 *   the jump is held, and the record is counted at the clock's time (its `tsSec`/`tsNsec`, and an
 *   observation's end, are set to it), so one damaged timestamp (a corrupted record header, a year
 *   2106) neither expires every live flow nor splits the flows after it. The next record settles
 *   it: when it lies past the bound too, within the bound of the held time, the jump is real (a
 *   capture that paused, a log quiet for days) and is taken, and a flow the held record opened
 *   gets its real time back (`clock-gap`, info); otherwise the held record was an outlier
 *   (`clock-jump`, warning, with its offset or line and its time). A held record that nothing
 *   follows is an outlier. Costs one comparison per record; nothing is allocated.
 *
 * Memory is bounded by the live flows (plus at most FRAGMENT_CAP datagrams being reassembled).
 */
import type { AnomalyLog } from '../anomalies.js';
import type { DecodedPacket } from '../ingest/decode/packet.js';
import { AddressTextCache } from './address-text.js';
import type { Endpoint, Evidence, Flow, Observation } from '../model.js';
import { appendHistory, flipHistory, updateDatagram, updateTcp } from './history.js';
import { addressWords, parseIpv4Words, parseIpv6Words } from './address-words.js';
import { FlowIndex } from './key.js';
import type { FlowObserver } from './observer.js';
import { decideOutcome, isDestinationUnreachable } from './outcome.js';
import { buildPortScores, DEFAULT_PORT_SCORES } from './ports.js';
import {
  C_FIN,
  C_RST,
  C_SYN,
  CLOSED,
  extraOf,
  FlowState,
  LIST_CLOSED,
  LIST_COUNT,
  LIST_DENIED,
  LIST_ICMP,
  LIST_NONE,
  LIST_OTHER,
  LIST_TCP,
  LIST_UDP,
  protoName,
  S_FIN,
  S_RST,
  S_SYNACK,
  C_ACK,
  recordVerdict,
  verdictOf,
  idleSeconds,
} from './state.js';
import { formatTimeNanos } from './time.js';

export interface FlowTableOptions {
  /** Seconds of inactivity before a TCP flow is emitted (Zeek tcp_inactivity_timeout: 300). */
  tcpTimeout?: number;
  /** UDP (Zeek udp_inactivity_timeout: 60). */
  udpTimeout?: number;
  /** ICMP and ICMPv6 (Zeek icmp_inactivity_timeout: 60). */
  icmpTimeout?: number;
  /** SCTP and other IP protocols (Zeek unknown_ip_inactivity_timeout: 60). */
  otherTimeout?: number;
  /** Seconds a closed TCP flow waits for stray packets before it is emitted (Zeek tcp_close_delay: 5). */
  closeLinger?: number;
  /**
   * Seconds of inactivity that end a TCP flow seen only in log lines that deny its connection
   * attempt (default 130: longer than the SYN retries of the common stacks, Linux's six taking
   * 127 s): the connection cannot go on, so only retransmitted SYNs are waited for. Never more than
   * `tcpTimeout`.
   */
  deniedTimeout?: number;
  /** Seconds a fragmented datagram waits for its first fragment (Linux ipfrag_time: 30). */
  fragmentTimeout?: number;
  /** Most live flows; beyond it the least recently active flow is emitted early. */
  maxFlows?: number;
  /** Extra server ports for direction inference (e.g. every port the catalog documents). */
  serverPorts?: Iterable<number>;
  /**
   * Largest forward jump of the capture clock (seconds) taken on one record's word; a larger one
   * waits for the next record to confirm it (`clock-jump`, `clock-gap`). At least 1; `Infinity`
   * takes every jump at once.
   */
  maxClockJump?: number;
  /** Where `flow-table-cap`, `fragment-without-first` and `clock-jump` anomalies are counted. */
  anomalies?: AnomalyLog;
}

export const DEFAULT_FLOW_TABLE_OPTIONS = {
  tcpTimeout: 300,
  udpTimeout: 60,
  icmpTimeout: 60,
  otherTimeout: 60,
  closeLinger: 5,
  deniedTimeout: 130,
  fragmentTimeout: 30,
  maxFlows: 1_000_000,
  // A day: above any time-zone offset (at most 14 h: a log in local time beside one in UTC must not
  // trip it), far above every timeout; damaged timestamps are off by months to decades.
  maxClockJump: 86_400,
} as const;

export interface FlowTableStats {
  /** Live flows now. */
  active: number;
  /** Flows emitted so far (by timeout, close, cap or flush). */
  emitted: number;
  /** Flows emitted early because the table was full. */
  evicted: number;
  peakActive: number;
  /** True when the table reached `maxFlows` at least once. */
  capHit: boolean;
  packets: number;
  /** Packets without an IP datagram (ARP, LLDP, ...): not flows. */
  nonIp: number;
  /** TCP/UDP/SCTP packets whose header was cut before the ports: not flows. */
  noTransport: number;
  observations: number;
  /** Fragments whose datagram's first fragment never arrived (not counted in any flow). */
  orphanFragments: number;
}

/** Most emitted flow objects kept for reuse. */
const POOL_MAX = 16384;

/** Most datagrams whose fragments are tracked at once. */
const FRAGMENT_CAP = 65536;

const TCP_SYN = 0x02;
const TCP_ACK = 0x10;
const TCP_RST = 0x04;
const TCP_FIN = 0x01;

interface FragmentEntry {
  known: boolean;
  srcPort: number;
  dstPort: number;
  expires: number;
  pendingPackets: number;
  pendingBytes: number;
  pendingFirstSec: number;
  pendingFirstNsec: number;
  pendingLastSec: number;
  pendingLastNsec: number;
  pendingOffset: number;
}

/** ICMP messages that quote the datagram they answer (RFC 792, RFC 4443 section 2.1: types 0-127 are errors). */
function isIcmpError(ipVersion: 4 | 6, type: number): boolean {
  if (ipVersion === 4) return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  return type >= 1 && type <= 4;
}

/**
 * ICMP queries whose reply goes back to the asker (RFC 792 echo, timestamp, information; RFC 950
 * address mask; RFC 4443 echo; RFC 4620 node information): the asker is the client. Router and
 * neighbour advertisements are left out: they are often unsolicited and sent to a multicast group.
 */
const ICMP4_REQUESTS = new Set([8, 13, 15, 17]);
const ICMP4_REPLIES = new Set([0, 14, 16, 18]);
const ICMP6_REQUESTS = new Set([128, 139]);
const ICMP6_REPLIES = new Set([129, 140]);

function listFor(proto: number): number {
  switch (proto) {
    case 6:
      return LIST_TCP;
    case 17:
      return LIST_UDP;
    case 1:
    case 58:
      return LIST_ICMP;
    default:
      return LIST_OTHER;
  }
}

function hasPorts(proto: number): boolean {
  return proto === 6 || proto === 17 || proto === 132;
}

function isIcmp(proto: number): boolean {
  return proto === 1 || proto === 58;
}

export class FlowTable {
  private readonly onFlow: (flow: Flow) => void;
  private readonly observer: FlowObserver | undefined;
  private readonly anomalies: AnomalyLog | undefined;
  private readonly timeouts: Float64Array;
  private readonly fragmentTimeout: number;
  private readonly maxFlows: number;
  private readonly scores: Uint8Array;

  private readonly index = new FlowIndex();
  private readonly addresses = new AddressTextCache();
  /** Emitted flow objects kept for reuse (see FlowState). */
  private readonly pool: FlowState[] = [];
  private readonly poolMax: number;
  /** Sequence counter of the input seen last (ids are `<input>.<sequence>`). */
  private seqInput = -1;
  private seqNext = 0;
  /**
   * Log flows whose addresses are not IP text, by their unordered 5-tuple text (the others are in
   * `index`, keyed like packet flows), and log flows by `format|connection id`.
   */
  private readonly byTuple = new Map<string, FlowState>();
  private readonly byConnId = new Map<string, FlowState>();
  private readonly fragments = new Map<string, FragmentEntry>();

  private readonly heads: Array<FlowState | null> = new Array<FlowState | null>(LIST_COUNT).fill(null);
  private readonly tails: Array<FlowState | null> = new Array<FlowState | null>(LIST_COUNT).fill(null);

  private clock = Number.NEGATIVE_INFINITY;
  /** The clock as whole seconds and nanoseconds: the time a held record is counted at. */
  private clockSec = 0;
  private clockNsec = 0;
  private readonly maxClockJump: number;
  /**
   * A forward jump past `maxClockJump` waiting for the next record (see the file comment): the
   * held record's time, where it is, its end time (observations; `jumpEndSec` -1 without one),
   * the creation counter before it and the flow it went to (to give that flow its real time back).
   */
  private jumpHeld = false;
  private jumpLog = false;
  private jumpT = 0;
  private jumpSec = 0;
  private jumpNsec = 0;
  private jumpEndSec = -1;
  private jumpEndNsec = 0;
  private jumpFile = '';
  private jumpOffset = -1;
  private jumpLine = -1;
  private jumpCreated = 0;
  private jumpFlow: FlowState | null = null;
  private jumpFlowOrder = 0;
  private nextCheck = Number.NEGATIVE_INFINITY;
  private createdCount = 0;
  private readonly sequences = new Map<number, number>();

  private active = 0;
  private emitted = 0;
  private evicted = 0;
  private peakActive = 0;
  private packets = 0;
  private nonIp = 0;
  private noTransport = 0;
  private observations = 0;
  private orphanFragments = 0;
  /** The capture being read (one table per input): anomalies of held fragments name it. */
  private captureName = '';

  constructor(options: FlowTableOptions, onFlow: (flow: Flow) => void, observer?: FlowObserver) {
    const d = DEFAULT_FLOW_TABLE_OPTIONS;
    this.onFlow = onFlow;
    this.observer = observer;
    this.anomalies = options.anomalies;
    this.timeouts = new Float64Array(LIST_COUNT);
    this.timeouts[LIST_TCP] = options.tcpTimeout ?? d.tcpTimeout;
    this.timeouts[LIST_UDP] = options.udpTimeout ?? d.udpTimeout;
    this.timeouts[LIST_ICMP] = options.icmpTimeout ?? d.icmpTimeout;
    this.timeouts[LIST_OTHER] = options.otherTimeout ?? d.otherTimeout;
    this.timeouts[LIST_CLOSED] = options.closeLinger ?? d.closeLinger;
    this.timeouts[LIST_DENIED] = Math.min(options.deniedTimeout ?? d.deniedTimeout, this.timeouts[LIST_TCP] ?? 0);
    this.fragmentTimeout = options.fragmentTimeout ?? d.fragmentTimeout;
    this.maxFlows = Math.max(1, Math.floor(options.maxFlows ?? d.maxFlows));
    this.poolMax = Math.min(this.maxFlows, POOL_MAX);
    const jump = options.maxClockJump ?? d.maxClockJump;
    this.maxClockJump = jump >= 1 ? jump : 1;
    this.scores = options.serverPorts === undefined ? DEFAULT_PORT_SCORES : buildPortScores(options.serverPorts);
  }

  stats(): FlowTableStats {
    return {
      active: this.active,
      emitted: this.emitted,
      evicted: this.evicted,
      peakActive: this.peakActive,
      capHit: this.evicted > 0,
      packets: this.packets,
      nonIp: this.nonIp,
      noTransport: this.noTransport,
      observations: this.observations,
      orphanFragments: this.orphanFragments,
    };
  }

  // ------------------------------------------------------------------ packets

  /**
   * One decoded packet. `pkt` is a scratch record: nothing of it is kept but numbers and text. A
   * packet whose time jumps the clock forward by more than `maxClockJump` has its `tsSec` and
   * `tsNsec` set to the clock's time (see the file comment).
   */
  addPacket(pkt: DecodedPacket, inputIndex: number, file: string): void {
    this.packets++;
    this.captureName = file;
    let t = pkt.tsSec + pkt.tsNsec * 1e-9;
    if (this.jumpHeld) this.settleJump(t);
    if (t > this.clock) {
      if (t - this.clock <= this.maxClockJump || !this.holdJump(t, pkt.tsSec, pkt.tsNsec, -1, 0, false, file, pkt.offset, -1)) {
        this.clock = t;
        this.clockSec = pkt.tsSec;
        this.clockNsec = pkt.tsNsec;
        if (t >= this.nextCheck) this.tick(t);
      } else {
        pkt.tsSec = this.clockSec;
        pkt.tsNsec = this.clockNsec;
        t = this.clock;
      }
    }
    const ver = pkt.ipVersion;
    if (ver === 0) {
      this.nonIp++;
      return;
    }
    const proto = pkt.proto;
    let sp = 0;
    let dp = 0;
    if (hasPorts(proto)) {
      sp = pkt.srcPort;
      dp = pkt.dstPort;
      // Both ports 0: the transport header was cut before them (the decoder counted that). Port 0 is
      // not a valid TCP/UDP/SCTP port, so there is no 5-tuple to key on; tshark and Zeek skip these too.
      if (sp === 0 && dp === 0 && pkt.fragment !== 2) {
        this.noTransport++;
        return;
      }
    } else if (isIcmp(proto)) {
      if (pkt.embedded.valid && isIcmpError(ver, pkt.icmpType) && this.addIcmpError(pkt, inputIndex, file, t)) return;
      sp = dp = pkt.icmpId;
    }

    let frag: FragmentEntry | undefined;
    if (pkt.fragment !== 0) {
      frag = this.fragmentOf(pkt, t);
      if (pkt.fragment === 2) {
        if (frag.known) {
          sp = frag.srcPort;
          dp = frag.dstPort;
        } else if (sp === 0 && dp === 0) {
          // The decoder did not know the ports either: hold the counts until the first fragment.
          this.holdFragment(frag, pkt);
          return;
        }
      } else if (!frag.known) {
        frag.known = true;
        frag.srcPort = sp;
        frag.dstPort = dp;
      }
    }

    const index = this.index;
    if (ver === 4) index.setKey4(proto, pkt.src4, pkt.dst4, sp, dp);
    else index.setKey6(proto, pkt.buf, pkt.srcOff, pkt.dstOff, sp, dp);
    let f = index.find();
    let fromClient = true;
    if (f !== null) {
      fromClient = index.fromA === f.clientIsA;
      if (idleSeconds(f, pkt.tsSec, pkt.tsNsec) > (this.timeouts[f.list] ?? 0) || (proto === 6 && pkt.fragment !== 2 && startsNewConnection(f, pkt, fromClient))) {
        this.emit(f);
        f = null;
      }
    }
    if (f === null) {
      f = this.createFromPacket(pkt, inputIndex, file, proto, sp, dp, t);
      fromClient = f.clientIsA;
    }

    // Counts and times.
    const len = pkt.origLen;
    if (fromClient) {
      f.pktsC++;
      f.bytesC += len;
    } else {
      f.pktsS++;
      f.bytesS += len;
    }
    this.touchTime(f, pkt.tsSec, pkt.tsNsec);
    if (this.jumpHeld) this.noteJumpFlow(f);

    if (pkt.fragment !== 2) {
      if (proto === 6) {
        updateTcp(f, fromClient, pkt.tcpFlags, pkt.tcpSeq | 0, pkt.payloadWireLen);
        const st = f.st;
        if ((st & CLOSED) === 0 && ((st & (C_FIN | S_FIN)) === (C_FIN | S_FIN) || (st & (C_RST | S_RST)) !== 0)) {
          f.st = st | CLOSED;
          this.relist(f, LIST_CLOSED, ceilSeconds(pkt.tsSec, pkt.tsNsec));
        }
      } else if (proto === 17) {
        updateDatagram(f, fromClient);
      }
    }
    if (pkt.pflog !== null) this.notePflog(f, pkt, fromClient);
    if (frag !== undefined && frag.pendingPackets > 0) this.releaseFragments(f, frag, fromClient);

    if (f.observed && this.observer !== undefined && pkt.fragment !== 2 && this.observer.onPacket(f, fromClient, pkt) === false) {
      // The observer lost interest and released what it kept for this flow.
      f.observed = false;
    }
  }

  private createFromPacket(pkt: DecodedPacket, inputIndex: number, file: string, proto: number, sp: number, dp: number, t: number): FlowState {
    const ver = pkt.ipVersion === 6 ? 6 : 4;
    const shown = hasPorts(proto);
    const a: Endpoint = { ip: this.addresses.text(pkt.buf, pkt.srcOff, ver), port: shown ? sp : 0 };
    const b: Endpoint = { ip: this.addresses.text(pkt.buf, pkt.dstOff, ver), port: shown ? dp : 0 };

    let clientIsA = true;
    let inferred = true;
    if (proto === 6) {
      const flags = pkt.tcpFlags & (TCP_SYN | TCP_ACK);
      if (flags === TCP_SYN) inferred = false;
      else if (flags === (TCP_SYN | TCP_ACK)) {
        clientIsA = false;
        inferred = false;
      } else clientIsA = this.sourceIsClient(sp, dp);
    } else if (isIcmp(proto)) {
      const type = pkt.icmpType;
      const requests = ver === 4 ? ICMP4_REQUESTS : ICMP6_REQUESTS;
      const replies = ver === 4 ? ICMP4_REPLIES : ICMP6_REPLIES;
      if (requests.has(type)) inferred = false;
      else if (replies.has(type)) {
        clientIsA = false;
        inferred = false;
      }
    } else {
      clientIsA = this.sourceIsClient(sp, dp);
    }

    const f = this.newFlow(inputIndex, proto, a, b, file, pkt.offset, -1, t, clientIsA, inferred);
    f.firstSec = f.lastSec = pkt.tsSec;
    f.firstNsec = f.lastNsec = pkt.tsNsec;
    f.vlan = pkt.vlan;
    if (isIcmp(proto)) {
      f.icmpType = pkt.icmpType;
      f.icmpCode = pkt.icmpCode;
    }
    this.index.insert(f);
    this.admit(f);
    return f;
  }

  /**
   * Takes a flow object (not yet indexed or listed) and fills in id, endpoints, evidence,
   * orientation, and the observers' claim. `a` is the first packet's (line's) source.
   */
  private newFlow(
    inputIndex: number,
    proto: number,
    a: Endpoint,
    b: Endpoint,
    file: string,
    offset: number,
    line: number,
    t: number,
    clientIsA: boolean,
    inferred: boolean,
  ): FlowState {
    if (this.active >= this.maxFlows) this.evictOldest();
    if (inputIndex !== this.seqInput) {
      if (this.seqInput >= 0) this.sequences.set(this.seqInput, this.seqNext);
      this.seqInput = inputIndex;
      this.seqNext = this.sequences.get(inputIndex) ?? 0;
    }
    const claim = this.observer?.matchNewFlow(proto, a, b, t);
    if (claim?.client !== undefined) {
      if (sameEndpoint(claim.client, a)) {
        clientIsA = true;
        inferred = false;
      } else if (sameEndpoint(claim.client, b)) {
        clientIsA = false;
        inferred = false;
      }
    }
    const f = this.pool.pop() ?? new FlowState();
    f.inputIndex = inputIndex;
    f.seqNo = ++this.seqNext;
    f.protoNumber = proto;
    f.proto = protoName(proto);
    const c = clientIsA ? a : b;
    const s = clientIsA ? b : a;
    f.client.ip = c.ip;
    f.client.port = c.port;
    f.server.ip = s.ip;
    f.server.port = s.port;
    f.evFile = file;
    f.evOffset = offset;
    f.evLine = line;
    if (claim !== undefined) f.app = claim.app;
    f.clientIsA = clientIsA;
    f.directionInferred = inferred;
    f.order = ++this.createdCount;
    if (!clientIsA && (proto === 6 || proto === 17)) f.history = appendHistory('', '^');
    return f;
  }

  /** Lists a new flow, counts it, and asks the observers whether they want its packets. */
  private admit(f: FlowState): void {
    this.active++;
    if (this.active > this.peakActive) this.peakActive = this.active;
    this.link(f, listFor(f.protoNumber), ceilSeconds(f.lastSec, f.lastNsec));
    if (this.observer !== undefined) f.observed = this.observer.wantsFlow(f);
  }

  private sourceIsClient(srcPort: number, dstPort: number): boolean {
    return (this.scores[srcPort] ?? 0) <= (this.scores[dstPort] ?? 0);
  }

  private touchTime(f: FlowState, sec: number, nsec: number): void {
    if (sec > f.lastSec || (sec === f.lastSec && nsec >= f.lastNsec)) {
      f.lastSec = sec;
      f.lastNsec = nsec;
    } else if (sec < f.firstSec || (sec === f.firstSec && nsec < f.firstNsec)) {
      // Out-of-order timestamps (merged interfaces): keep first as the earliest seen.
      f.firstSec = sec;
      f.firstNsec = nsec;
    }
  }

  /** PFLOG header (pflog.h): action 0 pass, 1 drop; others (scrub, nat, rdr, match) carry no verdict. */
  private notePflog(f: FlowState, pkt: DecodedPacket, fromClient: boolean): void {
    const pf = pkt.pflog;
    if (pf === null || (pf.action !== 0 && pf.action !== 1)) return;
    const denied = pf.action === 1;
    const attempt = f.protoNumber === 6 ? (pkt.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN : fromClient;
    // Rule text as tcpdump prints it (print-pflog.c): `N`, or `N.ruleset.M` inside an anchor.
    const rule = pf.ruleNumber < 0 ? undefined : pf.ruleset === '' ? String(pf.ruleNumber) : `${pf.ruleNumber}.${pf.ruleset}.${pf.subruleNumber}`;
    const direction = pf.direction === 1 ? 'in' : pf.direction === 2 ? 'out' : undefined;
    recordVerdict(verdictOf(f, 'pflog'), !denied ? 'allowed' : attempt ? 'denied-attempt' : 'denied-late', rule, direction, pf.ifname === '' ? undefined : pf.ifname, 'pflog');
  }

  // ------------------------------------------------------------------ ICMP errors

  /** Joins an ICMP error to the flow its quote names; false when the quote names no flow. */
  private addIcmpError(pkt: DecodedPacket, inputIndex: number, file: string, t: number): boolean {
    const q = pkt.embedded;
    const qproto = q.proto;
    let qsp = 0;
    let qdp = 0;
    if (hasPorts(qproto)) {
      if (q.srcPort === 0 && q.dstPort === 0) return false;
      qsp = q.srcPort;
      qdp = q.dstPort;
    } else if (isIcmp(qproto)) {
      qsp = qdp = q.icmpId;
    }
    const index = this.index;
    if (q.ipVersion === 4) index.setKey4(qproto, pkt.buf.readUInt32BE(q.srcOff), pkt.buf.readUInt32BE(q.dstOff), qsp, qdp);
    else index.setKey6(qproto, pkt.buf, q.srcOff, q.dstOff, qsp, qdp);
    let f = index.find();
    if (f !== null && idleSeconds(f, pkt.tsSec, pkt.tsNsec) > (this.timeouts[f.list] ?? 0)) {
      this.emit(f);
      f = null;
    }
    if (f === null) {
      // Known only from the quote: the quoted packet's sender is the client unless its port says otherwise.
      const shown = hasPorts(qproto);
      const a: Endpoint = { ip: this.addresses.text(pkt.buf, q.srcOff, q.ipVersion), port: shown ? qsp : 0 };
      const b: Endpoint = { ip: this.addresses.text(pkt.buf, q.dstOff, q.ipVersion), port: shown ? qdp : 0 };
      const echo = isIcmp(qproto) && (q.ipVersion === 4 ? ICMP4_REQUESTS : ICMP6_REQUESTS).has(q.icmpType);
      const clientIsA = echo || this.sourceIsClient(qsp, qdp);
      f = this.newFlow(inputIndex, qproto, a, b, file, pkt.offset, -1, t, clientIsA, !echo);
      f.firstSec = f.lastSec = pkt.tsSec;
      f.firstNsec = f.lastNsec = pkt.tsNsec;
      f.vlan = pkt.vlan;
      if (isIcmp(qproto) && q.icmpType >= 0) {
        f.icmpType = q.icmpType;
        f.icmpCode = 0;
      }
      this.index.insert(f);
      this.admit(f);
    }
    this.noteIcmpError(f, pkt.ipVersion === 6 ? 6 : 4, pkt.icmpType, pkt.icmpCode, this.addresses.text(pkt.buf, pkt.srcOff, pkt.ipVersion === 6 ? 6 : 4));
    this.touchTime(f, pkt.tsSec, pkt.tsNsec);
    return true;
  }

  private noteIcmpError(f: FlowState, ver: 4 | 6, type: number, code: number, from: string): void {
    const x = extraOf(f);
    x.icmpErrPackets++;
    const unreachable = isDestinationUnreachable(ver, type);
    if (x.icmpErrType < 0 || (unreachable && !x.icmpUnreachable)) {
      x.icmpErrType = type;
      x.icmpErrCode = code;
      x.icmpErrFrom = from;
      x.icmpErrVersion = ver;
    }
    if (unreachable) x.icmpUnreachable = true;
  }

  // ------------------------------------------------------------------ fragments

  private fragmentOf(pkt: DecodedPacket, t: number): FragmentEntry {
    const key =
      pkt.ipVersion === 4
        ? `${pkt.src4} ${pkt.dst4} ${pkt.proto} ${pkt.fragId}`
        : `${pkt.buf.toString('hex', pkt.srcOff, pkt.srcOff + 16)} ${pkt.buf.toString('hex', pkt.dstOff, pkt.dstOff + 16)} ${pkt.proto} ${pkt.fragId}`;
    let e = this.fragments.get(key);
    if (e === undefined) {
      if (this.fragments.size >= FRAGMENT_CAP) this.dropOldestFragment();
      e = {
        known: false,
        srcPort: 0,
        dstPort: 0,
        expires: t + this.fragmentTimeout,
        pendingPackets: 0,
        pendingBytes: 0,
        pendingFirstSec: 0,
        pendingFirstNsec: 0,
        pendingLastSec: 0,
        pendingLastNsec: 0,
        pendingOffset: 0,
      };
      this.fragments.set(key, e);
    }
    return e;
  }

  private holdFragment(e: FragmentEntry, pkt: DecodedPacket): void {
    if (e.pendingPackets === 0) {
      e.pendingFirstSec = pkt.tsSec;
      e.pendingFirstNsec = pkt.tsNsec;
      e.pendingOffset = pkt.offset;
    }
    e.pendingPackets++;
    e.pendingBytes += pkt.origLen;
    e.pendingLastSec = pkt.tsSec;
    e.pendingLastNsec = pkt.tsNsec;
  }

  /** Fragments that arrived before their first fragment join its flow, in its direction. */
  private releaseFragments(f: FlowState, e: FragmentEntry, fromClient: boolean): void {
    if (fromClient) {
      f.pktsC += e.pendingPackets;
      f.bytesC += e.pendingBytes;
    } else {
      f.pktsS += e.pendingPackets;
      f.bytesS += e.pendingBytes;
    }
    this.touchTime(f, e.pendingFirstSec, e.pendingFirstNsec);
    this.touchTime(f, e.pendingLastSec, e.pendingLastNsec);
    if (f.evOffset >= 0 && e.pendingOffset < f.evOffset) f.evOffset = e.pendingOffset;
    e.pendingPackets = 0;
    e.pendingBytes = 0;
  }

  private dropOldestFragment(): void {
    for (const [key, e] of this.fragments) {
      this.fragments.delete(key);
      if (!e.known && e.pendingPackets > 0) this.noteOrphan(e);
      return;
    }
  }

  private expireFragments(now: number): void {
    for (const [key, e] of this.fragments) {
      if (e.expires > now) return;
      this.fragments.delete(key);
      if (!e.known && e.pendingPackets > 0) this.noteOrphan(e);
    }
  }

  private noteOrphan(e: FragmentEntry): void {
    this.orphanFragments += e.pendingPackets;
    const log = this.anomalies;
    if (log === undefined) return;
    if (log.wantsExample('fragment-without-first')) {
      log.add({
        code: 'fragment-without-first',
        severity: 'warning',
        message: `${this.captureName}@0x${e.pendingOffset.toString(16)}: ${e.pendingPackets} IP fragment(s) whose first fragment never arrived (not counted in any flow)`,
        ...(this.captureName !== '' ? { file: this.captureName } : {}),
        offset: e.pendingOffset,
      });
    } else log.addCount('fragment-without-first', 'warning');
  }

  // ------------------------------------------------------------------ log observations

  /** One log line (or flow-log record) as an observation, merged into the flow it belongs to. */
  addObservation(obs: Observation, inputIndex: number): void {
    this.observations++;
    let t = obs.tsSec + obs.tsNsec * 1e-9;
    if (this.jumpHeld) this.settleJump(t);
    if (t > this.clock) {
      const ev = obs.evidence;
      if (t - this.clock <= this.maxClockJump || !this.holdJump(t, obs.tsSec, obs.tsNsec, obs.endSec ?? -1, obs.endNsec ?? 0, true, ev.file, ev.offset ?? -1, ev.line ?? -1)) {
        this.clock = t;
        this.clockSec = obs.tsSec;
        this.clockNsec = obs.tsNsec;
        if (t >= this.nextCheck) this.tick(t);
      } else {
        // Counted at the clock's time, as a held packet (the observation is the reader's, used once).
        obs.tsSec = this.clockSec;
        obs.tsNsec = this.clockNsec;
        if (obs.endSec !== undefined) {
          obs.endSec = this.clockSec;
          obs.endNsec = this.clockNsec;
        }
        t = this.clock;
      }
    }
    if (obs.quoted !== undefined) {
      this.addQuotedObservation(obs, inputIndex, t);
      return;
    }
    const key = this.keyObservation(obs.proto, obs.src, obs.srcPort, obs.dst, obs.dstPort);
    let f: FlowState | undefined;
    if (obs.connId !== undefined) {
      const g = this.byConnId.get(`${obs.format}|${obs.connId}`);
      if (g !== undefined && (key === undefined ? g.extra?.tupleKey === undefined && this.index.hasKey(g) : g.extra?.tupleKey === key)) f = g;
    }
    if (f === undefined) {
      const g = key === undefined ? (this.index.find() ?? undefined) : this.byTuple.get(key);
      if (g !== undefined) {
        const otherConnection = obs.connId !== undefined && g.extra?.connId !== undefined && g.extra.connId !== obs.connId;
        if (otherConnection) this.emit(g);
        else f = g;
      }
    }
    if (f !== undefined && idleSeconds(f, obs.tsSec, obs.tsNsec) > (this.timeouts[f.list] ?? 0)) {
      this.emit(f);
      f = undefined;
    }
    f ??= this.createFromObservation(obs, key, inputIndex, t);
    this.mergeObservation(f, obs);
    if (this.jumpHeld) this.noteJumpFlow(f);
    // A record that closes its connection (a Zeek conn.log line, a Suricata flow event): nothing
    // more can join the flow, so it leaves now instead of waiting out its timeout (a flow log of
    // finished connections then holds no live flows at all).
    else if (obs.final === true) this.emit(f);
  }

  /**
   * Keys a log line's unordered 5-tuple (ICMP: addresses only). When both addresses are IP text
   * the key goes into the flow index's scratch key, as for packets (no string, no map), and the
   * result is undefined; otherwise it is the tuple as text, for `byTuple`.
   */
  private keyObservation(proto: number, src: string, srcPort: number, dst: string, dstPort: number): string | undefined {
    const ports = hasPorts(proto);
    const sp = ports ? srcPort : 0;
    const dp = ports ? dstPort : 0;
    if (parseIpv4Words(src)) {
      const a = addressWords[0] ?? 0;
      if (parseIpv4Words(dst)) {
        this.index.setKey4(proto, a, addressWords[0] ?? 0, sp, dp);
        return undefined;
      }
    } else if (parseIpv6Words(src)) {
      SRC_WORDS.set(addressWords);
      if (parseIpv6Words(dst)) {
        this.index.setKey6Words(proto, SRC_WORDS, addressWords, sp, dp);
        return undefined;
      }
    }
    return tupleKey(proto, src, srcPort, dst, dstPort);
  }

  /** `key` undefined: the flow index's scratch key holds the line's tuple (keyObservation). */
  private createFromObservation(obs: Observation, key: string | undefined, inputIndex: number, t: number): FlowState {
    const proto = obs.proto;
    const shown = hasPorts(proto);
    const a: Endpoint = { ip: obs.src, port: shown ? obs.srcPort : 0 };
    const b: Endpoint = { ip: obs.dst, port: shown ? obs.dstPort : 0 };
    let clientIsA = true;
    let inferred = true;
    if (obs.initiatorKnown) inferred = false;
    else if (isIcmp(proto) && obs.icmpType !== undefined) {
      const v6 = proto === 58;
      if ((v6 ? ICMP6_REQUESTS : ICMP4_REQUESTS).has(obs.icmpType)) inferred = false;
      else if ((v6 ? ICMP6_REPLIES : ICMP4_REPLIES).has(obs.icmpType)) {
        clientIsA = false;
        inferred = false;
      }
    } else if (shown) clientIsA = this.sourceIsClient(obs.srcPort, obs.dstPort);
    const ev = obs.evidence;
    const f = this.newFlow(inputIndex, proto, a, b, ev.file, ev.offset ?? -1, ev.line ?? -1, t, clientIsA, inferred);
    // Log flows carry no '^': their history comes from the lines.
    f.history = '';
    f.firstSec = f.lastSec = obs.tsSec;
    f.firstNsec = f.lastNsec = obs.tsNsec;
    const x = extraOf(f);
    x.initiatorKnown = obs.initiatorKnown || !inferred;
    if (key === undefined) this.index.insert(f);
    else {
      x.tupleKey = key;
      this.byTuple.set(key, f);
    }
    this.admit(f);
    return f;
  }

  private mergeObservation(f: FlowState, obs: Observation): void {
    const x = extraOf(f);
    const proto = f.protoNumber;
    let srcIsClient = obs.src === f.client.ip && (!hasPorts(proto) || obs.srcPort === f.client.port);
    if (obs.initiatorKnown && !x.initiatorKnown) {
      x.initiatorKnown = true;
      f.directionInferred = false;
      if (!srcIsClient) {
        flipFlow(f);
        srcIsClient = true;
      }
    }

    this.touchTime(f, obs.tsSec, obs.tsNsec);
    if (obs.endSec !== undefined) {
      const endNsec = obs.endNsec ?? 0;
      this.touchTime(f, obs.endSec, endNsec);
    }

    const pk = obs.packets;
    const by = obs.bytes;
    if (pk !== undefined || by !== undefined) {
      x.countsGiven = true;
      const outP = pk?.out ?? 0;
      const backP = pk?.back ?? 0;
      const outB = by?.out ?? 0;
      const backB = by?.back ?? 0;
      if (srcIsClient) {
        f.pktsC += outP;
        f.pktsS += backP;
        f.bytesC += outB;
        f.bytesS += backB;
      } else {
        f.pktsS += outP;
        f.pktsC += backP;
        f.bytesS += outB;
        f.bytesC += backB;
      }
    } else if (obs.kind !== 'session') {
      // One logged packet.
      if (srcIsClient) f.pktsC++;
      else f.pktsS++;
    }

    if (proto === 6 && obs.tcpFlags !== undefined) updateTcp(f, srcIsClient, obs.tcpFlags, 0, 0);
    else if (proto === 17 && obs.kind !== 'session') updateDatagram(f, srcIsClient);
    if (f.icmpType < 0 && obs.icmpType !== undefined) {
      f.icmpType = obs.icmpType;
      f.icmpCode = obs.icmpCode ?? 0;
    }

    if (obs.action !== 'unknown') {
      const kind = obs.action === 'allowed' ? 'allowed' : obs.kind === 'late' ? 'denied-late' : 'denied-attempt';
      recordVerdict(verdictOf(f, obs.format), kind, obs.rule, obs.direction, obs.interface, obs.format);
    }
    if (proto === 6 && (f.list === LIST_TCP || f.list === LIST_DENIED)) {
      // Only denied attempts and nothing back: all that can follow is a retransmitted SYN.
      const v = x.verdict;
      const deniedOnly = v !== undefined && v.deniedAttempts > 0 && v.allowed === 0 && v.deniedLate === 0 && f.pktsS === 0 && f.bytesS === 0;
      if (deniedOnly !== (f.list === LIST_DENIED)) this.relist(f, deniedOnly ? LIST_DENIED : LIST_TCP, ceilSeconds(f.lastSec, f.lastNsec));
    }
    if (obs.connState !== undefined) x.connState = obs.connState;
    if (obs.history !== undefined && obs.history !== '') x.logHistory = srcIsClient ? obs.history : swapCase(obs.history);
    if (obs.connId !== undefined && x.connId === undefined) {
      x.connId = obs.connId;
      x.connKey = `${obs.format}|${obs.connId}`;
      this.byConnId.set(x.connKey, f);
    }
  }

  /** An ICMP error line quoting the packet it answers: the error belongs to the quoted flow. */
  private addQuotedObservation(obs: Observation, inputIndex: number, t: number): void {
    const q = obs.quoted;
    if (q === undefined) return;
    const key = this.keyObservation(q.proto, q.src, q.srcPort, q.dst, q.dstPort);
    let f = key === undefined ? (this.index.find() ?? undefined) : this.byTuple.get(key);
    if (f !== undefined && idleSeconds(f, obs.tsSec, obs.tsNsec) > (this.timeouts[f.list] ?? 0)) {
      this.emit(f);
      f = undefined;
    }
    if (f === undefined) {
      const quotedObs: Observation = {
        tsSec: obs.tsSec,
        tsNsec: obs.tsNsec,
        proto: q.proto,
        src: q.src,
        srcPort: q.srcPort,
        dst: q.dst,
        dstPort: q.dstPort,
        action: 'unknown',
        kind: 'session',
        initiatorKnown: false,
        format: obs.format,
        evidence: obs.evidence,
      };
      f = this.createFromObservation(quotedObs, key, inputIndex, t);
    }
    const ver = obs.src.includes(':') ? 6 : 4;
    this.noteIcmpError(f, ver, obs.icmpType ?? -1, obs.icmpCode ?? -1, obs.src);
    this.touchTime(f, obs.tsSec, obs.tsNsec);
  }

  // ------------------------------------------------------------------ clock jumps

  /**
   * A record `t` jumps the clock forward past the bound: holds the jump (true), unless the clock
   * has not started (false: the first record sets it).
   */
  private holdJump(t: number, sec: number, nsec: number, endSec: number, endNsec: number, log: boolean, file: string, offset: number, line: number): boolean {
    if (this.clock === Number.NEGATIVE_INFINITY) return false;
    this.jumpHeld = true;
    this.jumpLog = log;
    this.jumpT = t;
    this.jumpSec = sec;
    this.jumpNsec = nsec;
    this.jumpEndSec = endSec;
    this.jumpEndNsec = endNsec;
    this.jumpFile = file;
    this.jumpOffset = offset;
    this.jumpLine = line;
    this.jumpCreated = this.createdCount;
    this.jumpFlow = null;
    return true;
  }

  /** The held record went to flow `f`. */
  private noteJumpFlow(f: FlowState): void {
    this.jumpFlow = f;
    this.jumpFlowOrder = f.order;
  }

  /**
   * The record after a held jump, at `t` (NaN: none follows). It confirms the jump when it too lies
   * past the bound, within the bound of the held time: the clock takes the held time (expiring
   * what timed out meanwhile), and a flow the held record opened gets its real times back.
   * Otherwise the held record was an outlier and stays counted at the clock's time.
   */
  private settleJump(t: number): void {
    this.jumpHeld = false;
    const f = this.jumpFlow;
    this.jumpFlow = null;
    const jt = this.jumpT;
    const log = this.anomalies;
    if (t - this.clock > this.maxClockJump && Math.abs(t - jt) <= this.maxClockJump) {
      if (f !== null && f.order === this.jumpFlowOrder && f.list !== LIST_NONE && f.order > this.jumpCreated) {
        f.firstSec = f.lastSec = this.jumpSec;
        f.firstNsec = f.lastNsec = this.jumpNsec;
        if (this.jumpEndSec >= 0) this.touchTime(f, this.jumpEndSec, this.jumpEndNsec);
        this.relist(f, f.list, ceilSeconds(f.lastSec, f.lastNsec));
      }
      if (log !== undefined) {
        if (log.wantsExample('clock-gap')) {
          log.add({
            code: 'clock-gap',
            severity: 'info',
            message: `${this.jumpWhere()}: the capture clock jumps ${spanText(jt - this.clock)} forward, from ${formatTimeNanos(this.clockSec, this.clockNsec)} to ${formatTimeNanos(this.jumpSec, this.jumpNsec)}; the next record confirms it`,
            ...this.jumpPlace(),
          });
        } else log.addCount('clock-gap', 'info');
      }
      this.clock = jt;
      this.clockSec = this.jumpSec;
      this.clockNsec = this.jumpNsec;
      if (jt >= this.nextCheck) this.tick(jt);
      return;
    }
    if (log === undefined) return;
    if (log.wantsExample('clock-jump')) {
      const next = Number.isNaN(t) ? 'and is the last' : 'and the next is not';
      log.add({
        code: 'clock-jump',
        severity: 'warning',
        message: `${this.jumpWhere()}: ${this.jumpLog ? 'log record' : 'packet'} time ${formatTimeNanos(this.jumpSec, this.jumpNsec)} is ${spanText(jt - this.clock)} after the capture clock (${formatTimeNanos(this.clockSec, this.clockNsec)}) ${next}: counted at the clock's time, no flow expired`,
        ...this.jumpPlace(),
      });
    } else log.addCount('clock-jump', 'warning');
  }

  private jumpWhere(): string {
    if (this.jumpLine >= 0) return `${this.jumpFile}:${this.jumpLine}`;
    return this.jumpOffset >= 0 ? `${this.jumpFile}@0x${this.jumpOffset.toString(16)}` : this.jumpFile;
  }

  private jumpPlace(): { file?: string; offset?: number; line?: number } {
    return {
      ...(this.jumpFile !== '' ? { file: this.jumpFile } : {}),
      ...(this.jumpOffset >= 0 ? { offset: this.jumpOffset } : {}),
      ...(this.jumpLine >= 0 ? { line: this.jumpLine } : {}),
    };
  }

  // ------------------------------------------------------------------ time, lists, emission

  /** The capture clock passed a whole second: emit what timed out, expire fragments and expectations. */
  private tick(now: number): void {
    this.nextCheck = Math.floor(now) + 1;
    const heads = this.heads;
    for (let l = 0; l < LIST_COUNT; l++) {
      const timeout = this.timeouts[l] ?? 0;
      // Each flow is relisted at most once per tick (its listSec then covers its last activity),
      // so the work is bounded by the live flows even if times go backwards.
      let relists = this.active;
      let h = heads[l] ?? null;
      while (h !== null && now - h.listSec > timeout) {
        if (now - (h.lastSec + h.lastNsec * 1e-9) > timeout) this.emit(h);
        else if (relists-- > 0) this.relist(h, l, ceilSeconds(h.lastSec, h.lastNsec));
        else break;
        h = heads[l] ?? null;
      }
    }
    if (this.fragments.size > 0) this.expireFragments(now);
    this.observer?.expire(now);
  }

  /** Appends to a list; `listSec` never goes below the tail's, so each list stays sorted by it. */
  private link(f: FlowState, list: number, listSec: number): void {
    f.list = list;
    const tail = this.tails[list] ?? null;
    f.listSec = tail !== null && tail.listSec > listSec ? tail.listSec : listSec;
    f.prev = tail;
    f.next = null;
    if (tail === null) this.heads[list] = f;
    else tail.next = f;
    this.tails[list] = f;
  }

  private unlink(f: FlowState): void {
    const list = f.list;
    if (list === LIST_NONE) return;
    const prev = f.prev;
    const next = f.next;
    if (prev === null) this.heads[list] = next;
    else prev.next = next;
    if (next === null) this.tails[list] = prev;
    else next.prev = prev;
    f.prev = f.next = null;
    f.list = LIST_NONE;
  }

  /** Moves a flow to the tail of a list (the same list: its second chance; the closed list: it closed). */
  private relist(f: FlowState, list: number, listSec: number): void {
    this.unlink(f);
    this.link(f, list, listSec);
  }

  /** Emits the least recently active flow: the oldest list head not active since it was listed. */
  private evictOldest(): void {
    let oldest: FlowState | null = null;
    // Each flow gets one second chance at most, so this ends after as many steps as live flows.
    for (let chances = this.active; ; chances--) {
      oldest = null;
      for (let l = 0; l < LIST_COUNT; l++) {
        const h = this.heads[l] ?? null;
        if (h !== null && (oldest === null || h.listSec < oldest.listSec)) oldest = h;
      }
      if (oldest === null) return;
      if (chances <= 0 || oldest.lastSec < oldest.listSec || (oldest.lastSec === oldest.listSec && oldest.lastNsec === 0)) break;
      this.relist(oldest, oldest.list, ceilSeconds(oldest.lastSec, oldest.lastNsec));
    }
    this.evicted++;
    const log = this.anomalies;
    if (log !== undefined) {
      if (log.wantsExample('flow-table-cap')) {
        log.add({
          code: 'flow-table-cap',
          severity: 'warning',
          message: `flow table full (${this.maxFlows} live flows): flow ${oldest.id} (${oldest.client.ip}:${oldest.client.port} → ${oldest.server.ip}:${oldest.server.port}) emitted before its timeout`,
          file: oldest.evFile,
          ...(oldest.evOffset >= 0 ? { offset: oldest.evOffset } : {}),
          ...(oldest.evLine >= 0 ? { line: oldest.evLine } : {}),
        });
      } else log.addCount('flow-table-cap', 'warning');
    }
    this.emit(oldest);
  }

  /** Emits every live flow, in the order they were created. */
  flush(): void {
    if (this.jumpHeld) this.settleJump(Number.NaN);
    for (const f of this.liveByCreation()) this.emit(f);
    for (const e of this.fragments.values()) if (!e.known && e.pendingPackets > 0) this.noteOrphan(e);
    this.fragments.clear();
  }

  /**
   * The live flows in creation order. Creation numbers are distinct integers, so when they lie
   * close together (the usual case: the live flows are the recent ones) each flow goes straight
   * to its slot, with no comparison sort (sorting 200 000 flows by a comparator cost more than
   * emitting them).
   */
  private liveByCreation(): FlowState[] {
    const all: FlowState[] = [];
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let l = 0; l < LIST_COUNT; l++) {
      for (let f = this.heads[l] ?? null; f !== null; f = f.next) {
        all.push(f);
        if (f.order < lo) lo = f.order;
        if (f.order > hi) hi = f.order;
      }
    }
    const span = hi - lo + 1;
    if (all.length < 2 || span > 4 * all.length + 1024) return all.sort((p, q) => p.order - q.order);
    const slots = new Array<FlowState | undefined>(span).fill(undefined);
    for (const f of all) slots[f.order - lo] = f;
    let n = 0;
    for (const f of slots) if (f !== undefined) all[n++] = f;
    return all;
  }

  private emit(f: FlowState): void {
    this.unlink(f);
    const x = f.extra;
    if (x?.tupleKey !== undefined) {
      if (this.byTuple.get(x.tupleKey) === f) this.byTuple.delete(x.tupleKey);
    } else {
      this.index.remove(f);
    }
    if (x?.connKey !== undefined && this.byConnId.get(x.connKey) === f) this.byConnId.delete(x.connKey);
    this.active--;
    this.emitted++;
    if (f.observed && this.observer !== undefined) this.observer.onFlowEnd(f);
    this.onFlow(toFlow(f));
    f.reset();
    if (this.pool.length < this.poolMax) this.pool.push(f);
  }
}

/** Scratch words of a log line's source address while its destination is parsed. */
const SRC_WORDS = new Int32Array(4);

/** The whole second at or after a time: a flow's list second never lies before its last activity. */
/** A span of seconds in words for messages: `40 years`, `3 days`, `26 hours`. */
function spanText(seconds: number): string {
  const day = 86_400;
  if (seconds >= 2 * 365.25 * day) return `${Math.round(seconds / (365.25 * day))} years`;
  if (seconds >= 2 * day) return `${Math.round(seconds / day)} days`;
  return `${Math.round(seconds / 3600)} hours`;
}

function ceilSeconds(sec: number, nsec: number): number {
  return nsec > 0 ? sec + 1 : sec;
}

/** A pure SYN that opens a new connection on the 5-tuple of a flow that is closed or established. */
function startsNewConnection(f: FlowState, pkt: DecodedPacket, fromClient: boolean): boolean {
  if ((pkt.tcpFlags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) !== TCP_SYN) return false;
  const st = f.st;
  const closed = (st & CLOSED) !== 0;
  const established = (st & S_SYNACK) !== 0 && (st & C_ACK) !== 0;
  if (!closed && !established) return false;
  // The client's first SYN again: a retransmission that crossed the answer.
  if (fromClient && (st & C_SYN) !== 0 && (pkt.tcpSeq | 0) === f.isn) return false;
  return true;
}

function sameEndpoint(p: Endpoint, q: Endpoint): boolean {
  return p.ip === q.ip && p.port === q.port;
}

/** The unordered 5-tuple of a log line, as map key text. ICMP lines key on addresses only. */
function tupleKey(proto: number, src: string, srcPort: number, dst: string, dstPort: number): string {
  const ports = hasPorts(proto);
  const a = ports ? `${src}|${srcPort}` : src;
  const b = ports ? `${dst}|${dstPort}` : dst;
  return a <= b ? `${proto} ${a} ${b}` : `${proto} ${b} ${a}`;
}

function swapCase(s: string): string {
  let out = '';
  for (const ch of s) {
    const lower = ch.toLowerCase();
    out += ch === lower ? ch.toUpperCase() : lower;
  }
  return out;
}

/** Turns a log flow around: the line that named the initiator came after lines that did not. */
function flipFlow(f: FlowState): void {
  const ip = f.client.ip;
  const port = f.client.port;
  f.client.ip = f.server.ip;
  f.client.port = f.server.port;
  f.server.ip = ip;
  f.server.port = port;
  f.clientIsA = !f.clientIsA;
  let n = f.pktsC;
  f.pktsC = f.pktsS;
  f.pktsS = n;
  n = f.bytesC;
  f.bytesC = f.bytesS;
  f.bytesS = n;
  flipHistory(f);
  const x = f.extra;
  if (x?.logHistory !== undefined) x.logHistory = swapCase(x.logHistory);
}

function evidenceOf(f: FlowState): Evidence {
  const ev: Evidence = { file: f.evFile };
  if (f.evOffset >= 0) ev.offset = f.evOffset;
  if (f.evLine >= 0) ev.line = f.evLine;
  return ev;
}

/** The emitted record, keys in the order the NDJSON output prints them. */
export function toFlow(f: FlowState): Flow {
  const x = f.extra;
  const history = f.history !== '' && f.history !== '^' ? f.history : (x?.logHistory ?? f.history);
  const flow: Flow = {
    id: f.id,
    proto: f.proto,
    client: { ip: f.client.ip, port: f.client.port },
    server: { ip: f.server.ip, port: f.server.port },
    directionInferred: f.directionInferred,
    first: formatTimeNanos(f.firstSec, f.firstNsec),
    last: formatTimeNanos(f.lastSec, f.lastNsec),
    packets: { client: f.pktsC, server: f.pktsS },
    bytes: { client: f.bytesC, server: f.bytesS },
    history,
    outcome: decideOutcome(f),
    evidence: evidenceOf(f),
  };
  if (f.app !== undefined) flow.app = f.app;
  const v = x?.verdict;
  if (v !== undefined) {
    const denials = v.deniedAttempts + v.deniedLate;
    // The action of the verdict that decides: a denied attempt, else an allow, else (late denials only) denied.
    const action = v.deniedAttempts > 0 || v.allowed === 0 ? 'denied' : 'allowed';
    const fw: NonNullable<Flow['firewall']> = { action, source: v.source, count: v.allowed + denials };
    if (v.rule !== undefined) fw.rule = v.rule;
    if (v.direction !== undefined) fw.direction = v.direction;
    if (v.iface !== undefined) fw.interface = v.iface;
    if (denials > 0 && v.deniedAttempts === 0) fw.lateOnly = true;
    flow.firewall = fw;
  }
  if (f.icmpType >= 0 && isIcmp(f.protoNumber)) flow.icmp = { type: f.icmpType, code: f.icmpCode };
  if (x !== undefined && x.icmpErrPackets > 0) {
    flow.icmpError = { type: x.icmpErrType, code: x.icmpErrCode, from: x.icmpErrFrom, packets: x.icmpErrPackets };
  }
  if (f.vlan >= 0) flow.vlan = f.vlan;
  return flow;
}
