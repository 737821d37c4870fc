/**
 * ONC RPC portmapper / rpcbind observer: learns which port each RPC program listens on from the
 * replies of program 100000 and turns every mapping into a reusable expected connection.
 *
 * Specifications:
 * - RFC 5531 (RPC: Remote Procedure Call Protocol Specification Version 2): message layout below;
 *   section 11 record marking on stream transports — each fragment starts with a 4-byte header,
 *   the high bit set on the last fragment of a record, the low 31 bits the fragment length.
 * - RFC 1833 (Binding Protocols for ONC RPC Version 2): portmapper version 2 (PMAPPROC_GETPORT 3,
 *   PMAPPROC_DUMP 4, PMAPPROC_CALLIT 5) and rpcbind versions 3 and 4 (RPCBPROC_GETADDR 3,
 *   RPCBPROC_DUMP 4, RPCBPROC_CALLIT/BCAST 5, v4 RPCBPROC_GETVERSADDR 9, RPCBPROC_GETADDRLIST 11),
 *   with universal addresses `h1.h2.h3.h4.p1.p2` (IPv6: `x:x::x.p1.p2`).
 * - RFC 4506 (XDR): big-endian 32-bit units, opaque/string data padded to 4 bytes.
 *
 * | message | fields (32-bit XDR units)                                                      |
 * |---------|--------------------------------------------------------------------------------|
 * | call    | xid, 0, rpcvers=2, prog, vers, proc, cred{flavor, opaque<400>}, verf{...}, args |
 * | reply   | xid, 1, reply_stat (0 accepted), verf{flavor, opaque<400>}, accept_stat (0), results |
 *
 * | call                 | arguments                                  | reply result                 |
 * |----------------------|--------------------------------------------|------------------------------|
 * | v2 GETPORT (3)       | mapping{prog, vers, prot, port}            | port                         |
 * | v2 DUMP (4)          | —                                          | list of mapping              |
 * | v2 CALLIT (5)        | prog, vers, proc, args                     | port, opaque                 |
 * | v3/v4 GETADDR (3), v4 GETVERSADDR (9) | rpcb{prog, vers, netid, addr, owner} | universal address    |
 * | v3/v4 DUMP (4)       | —                                          | list of rpcb                 |
 * | v3/v4 CALLIT (5)     | prog, vers, proc, args                     | universal address, opaque    |
 * | v4 GETADDRLIST (11)  | rpcb                                       | list of {uaddr, netid, semantics, protofmly, proto} |
 *
 * Replies carry no program numbers: calls wait, by XID, in a small per-flow table until their
 * reply comes (bounded; the oldest is dropped and counted when it is full). A learned mapping is
 * an expectation on (proto, server address, port) from any client, used by any number of flows
 * and kept `rpcLifetimeSeconds` after the latest reply or flow that confirmed it.
 */
import type { AppMark, Endpoint } from '../../model.js';
import type { FlowClaim, FlowObserver, FlowView } from '../../flow/observer.js';
import type { DecodedPacket } from '../decode/packet.js';
import { TCP_ACK, TCP_SYN } from '../decode/packet.js';
import { ExpectationTable } from '../../flow/expectations.js';
import type { ExpectationStats } from '../../flow/expectations.js';
import { canonicalIPv4, canonicalIPv6, formatFlowText, isIPv6, isUnspecified } from './address.js';
import { formatRfc3339Nanos, noteSessionRefused, packetSeconds, PORTMAPPER_PORT, sanitiseLine, sidesOnPort } from './context.js';
import type { ResolvedObserverOptions } from './context.js';
import { ByteBudget, StreamReassembler } from './reassembly.js';
import type { StreamSink } from './reassembly.js';

const TCP = 6;
const UDP = 17;
const PORTMAPPER_PROGRAM = 100000;
/** RFC 5531 section 8.2: credentials and verifiers carry at most 400 bytes. */
const MAX_AUTH_BYTES = 400;
/** Netids, addresses and owners are short; anything longer is not a portmapper message. */
const MAX_STRING_BYTES = 1024;
/** Entries read from one DUMP or GETADDRLIST reply. */
const MAX_LIST_ENTRIES = 4096;

/**
 * Well-known ONC RPC program numbers (the `rpc` file shipped by glibc/netbase, plus Solaris
 * sadmind 100232 as listed by IANA's ONC RPC program number registry).
 */
export const RPC_PROGRAM_NAMES: ReadonlyMap<number, string> = new Map([
  [100000, 'portmapper'],
  [100001, 'rstatd'],
  [100002, 'rusersd'],
  [100003, 'nfs'],
  [100004, 'ypserv'],
  [100005, 'mountd'],
  [100007, 'ypbind'],
  [100008, 'walld'],
  [100009, 'yppasswdd'],
  [100010, 'etherstatd'],
  [100011, 'rquotad'],
  [100012, 'sprayd'],
  [100017, 'rexd'],
  [100020, 'llockmgr'],
  [100021, 'nlockmgr'],
  [100023, 'statmon'],
  [100024, 'status'],
  [100026, 'bootparam'],
  [100028, 'ypupdated'],
  [100029, 'keyserv'],
  [100069, 'ypxfrd'],
  [100227, 'nfs_acl'],
  [100232, 'sadmind'],
  [150001, 'pcnfsd'],
  [300019, 'amd'],
  [391002, 'sgi_fam'],
]);

/** What an RPC expectation carries. */
export interface RpcExpectation {
  program: number;
  version: number;
  /** Transport of the portmapper conversation that announced the port. */
  controlProto: 'tcp' | 'udp';
  control: string;
  controlText: string;
  announcedAt: string;
}

/** Universal address (RFC 1833 section 2.1 / RFC 5665) → address and port, or undefined. */
export function parseUniversalAddress(uaddr: string): { ip: string; port: number } | undefined {
  const last = uaddr.lastIndexOf('.');
  if (last <= 0) return undefined;
  const prev = uaddr.lastIndexOf('.', last - 1);
  if (prev <= 0) return undefined;
  const p1 = uaddr.slice(prev + 1, last);
  const p2 = uaddr.slice(last + 1);
  if (!/^[0-9]{1,3}$/.test(p1) || !/^[0-9]{1,3}$/.test(p2)) return undefined;
  const hi = Number(p1);
  const lo = Number(p2);
  if (hi > 255 || lo > 255) return undefined;
  const host = uaddr.slice(0, prev);
  const ip = host.includes(':') ? canonicalIPv6(host) : canonicalIPv4(host);
  if (ip === undefined) return undefined;
  return { ip, port: hi * 256 + lo };
}

/** Netid (`tcp`, `udp6`, ...) → IP protocol number, undefined for other transports. */
export function netidProto(netid: string): number | undefined {
  switch (netid) {
    case 'tcp':
    case 'tcp6':
      return TCP;
    case 'udp':
    case 'udp6':
      return UDP;
    default:
      return undefined;
  }
}

/** Bounds-checked XDR reads: an overrun sets `ok = false` and reads return 0 / undefined. */
class XdrReader {
  buf: Buffer = Buffer.alloc(0);
  pos = 0;
  end = 0;
  ok = true;

  reset(buf: Buffer, start: number, end: number): void {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.ok = true;
  }

  u32(): number {
    if (this.end - this.pos < 4) {
      this.ok = false;
      this.pos = this.end;
      return 0;
    }
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  skipOpaque(max: number): void {
    const len = this.u32();
    if (!this.ok) return;
    const padded = len + ((4 - (len & 3)) & 3);
    if (len > max || this.end - this.pos < padded) {
      this.ok = false;
      this.pos = this.end;
      return;
    }
    this.pos += padded;
  }

  string(max: number): string | undefined {
    const len = this.u32();
    if (!this.ok) return undefined;
    const padded = len + ((4 - (len & 3)) & 3);
    if (len > max || this.end - this.pos < padded) {
      this.ok = false;
      this.pos = this.end;
      return undefined;
    }
    const s = this.buf.toString('latin1', this.pos, this.pos + len);
    this.pos += padded;
    return s;
  }
}

type CallKind = 'getport' | 'dump2' | 'callit2' | 'getaddr' | 'dump34' | 'callit34' | 'getaddrlist' | 'other';

interface PendingCall {
  kind: CallKind;
  /** The program/version asked about (GETPORT, GETADDR, CALLIT, GETADDRLIST). */
  program: number;
  version: number;
  /** Transport asked about: v2 `prot`, v3/v4 netid; 0 when unknown. */
  proto: number;
}

/** RFC 5531 section 11 record marking over one reassembled TCP direction. */
class RecordFramer implements StreamSink {
  readonly reassembler: StreamReassembler;
  private header = 0;
  private headerBytes = 0;
  private fragLeft = 0;
  private inFragment = false;
  private lastFragment = false;
  private record: Buffer | undefined;
  private recordLength = 0;
  private discarding = false;
  /** After a gap: record boundaries are unknown until a segment starts with a plausible record. */
  private lost = false;

  constructor(
    private readonly session: PortmapSession,
    private readonly fromServer: boolean,
    private readonly cap: number,
    private readonly budget: ByteBudget,
  ) {
    this.reassembler = new StreamReassembler(cap, undefined, budget);
  }

  /** The connection ended: buffers go back to the observer's budget. */
  release(): void {
    this.reassembler.release();
    this.budget.give(this.record?.length ?? 0);
    this.record = undefined;
    this.recordLength = 0;
  }

  data(buf: Buffer, start: number, end: number): void {
    if (this.lost) {
      if (!this.looksLikeRecordStart(buf, start, end)) return;
      this.lost = false;
    }
    let i = start;
    while (i < end) {
      if (!this.inFragment) {
        while (this.headerBytes < 4 && i < end) {
          this.header = this.header * 256 + (buf[i] ?? 0);
          this.headerBytes++;
          i++;
        }
        if (this.headerBytes < 4) return;
        const h = this.header;
        this.header = 0;
        this.headerBytes = 0;
        this.lastFragment = h >= 0x80000000;
        this.fragLeft = h % 0x80000000;
        this.inFragment = true;
        if (!this.discarding && this.recordLength + this.fragLeft > this.cap) {
          this.discarding = true;
          this.session.observer.recordTooLong(this.session, this.recordLength + this.fragLeft);
        }
        if (this.fragLeft === 0) this.endFragment();
        continue;
      }
      const take = Math.min(this.fragLeft, end - i);
      if (!this.discarding && !this.append(buf, i, i + take)) this.discarding = true;
      i += take;
      this.fragLeft -= take;
      if (this.fragLeft === 0) this.endFragment();
    }
  }

  gap(): void {
    this.header = 0;
    this.headerBytes = 0;
    this.fragLeft = 0;
    this.inFragment = false;
    this.recordLength = 0;
    this.discarding = false;
    this.lost = true;
  }

  private endFragment(): void {
    this.inFragment = false;
    if (!this.lastFragment) return;
    if (!this.discarding && this.recordLength > 0 && this.record !== undefined) {
      this.session.onMessage(this.fromServer, this.record, 0, this.recordLength);
    }
    this.recordLength = 0;
    this.discarding = false;
  }

  /** Adds fragment bytes to the record; false when the observer's byte budget is spent. */
  private append(buf: Buffer, start: number, end: number): boolean {
    const need = this.recordLength + (end - start);
    if (this.record === undefined || this.record.length < need) {
      const old = this.record?.length ?? 0;
      const size = Math.min(this.cap, Math.max(need, 256, old * 2));
      if (!this.budget.take(size - old)) return false;
      const grown = Buffer.allocUnsafe(size);
      if (this.record !== undefined) this.record.copy(grown, 0, 0, this.recordLength);
      this.record = grown;
    }
    buf.copy(this.record, this.recordLength, start, end);
    this.recordLength = need;
    return true;
  }

  /** A last-fragment header of a sane length followed by an RPC call or reply header. */
  private looksLikeRecordStart(buf: Buffer, start: number, end: number): boolean {
    if (end - start < 16) return false;
    const h = buf.readUInt32BE(start);
    const len = h % 0x80000000;
    if (len < 12 || len > this.cap) return false;
    const type = buf.readUInt32BE(start + 8);
    if (type === 0) return buf.readUInt32BE(start + 12) === 2;
    return type === 1 && buf.readUInt32BE(start + 12) <= 1;
  }
}

/** One portmapper conversation (UDP or TCP). */
class PortmapSession {
  readonly server: Endpoint;
  readonly client: Endpoint;
  private text: string | undefined;
  readonly pending = new Map<number, PendingCall>();
  /** Malformed messages seen; a conversation that never carried valid RPC is dropped after a few. */
  badMessages = 0;
  /** What the last malformed message lacked (for the `not-rpc` note). */
  lastBad = '';
  reportedNotRpc = false;
  stopped = false;
  toServer: RecordFramer | undefined;
  toClient: RecordFramer | undefined;
  marked = false;
  tsSec = 0;
  tsNsec = 0;

  constructor(
    readonly observer: PortmapObserver,
    readonly flow: FlowView,
    server: Endpoint,
    client: Endpoint,
  ) {
    this.server = { ip: server.ip, port: server.port };
    this.client = { ip: client.ip, port: client.port };
  }

  get controlText(): string {
    return (this.text ??= formatFlowText(this.client, this.server));
  }

  framer(fromServer: boolean): RecordFramer {
    const cap = this.observer.options.reassemblyBufferBytes;
    const budget = this.observer.budget;
    if (fromServer) return (this.toClient ??= new RecordFramer(this, true, cap, budget));
    return (this.toServer ??= new RecordFramer(this, false, cap, budget));
  }

  release(): void {
    this.toServer?.release();
    this.toClient?.release();
  }

  mark(): void {
    if (this.marked) return;
    this.marked = true;
    if (this.flow.app === undefined) this.flow.app = { kind: 'portmapper' };
  }

  onMessage(fromServer: boolean, buf: Buffer, start: number, end: number): void {
    this.observer.decodeMessage(this, fromServer, buf, start, end);
  }
}

export interface PortmapCounters {
  conversations: number;
  calls: number;
  replies: number;
  repliesWithoutCall: number;
  pendingDropped: number;
  badMessages: number;
  recordsTooLong: number;
  mappingsLearned: number;
  flowsMarked: number;
  sessionsRefused: number;
  /** Port-111 conversations dropped because they carried no valid RPC. */
  notRpc: number;
}

const MAX_SESSIONS = 16_384;
/** Malformed messages tolerated on a port-111 conversation before it has carried a valid one. */
const MAX_BAD_BEFORE_VALID = 3;

export class PortmapObserver implements FlowObserver {
  readonly table: ExpectationTable<RpcExpectation>;
  readonly counters: PortmapCounters = {
    conversations: 0,
    calls: 0,
    replies: 0,
    repliesWithoutCall: 0,
    pendingDropped: 0,
    badMessages: 0,
    recordsTooLong: 0,
    mappingsLearned: 0,
    flowsMarked: 0,
    sessionsRefused: 0,
    notRpc: 0,
  };
  private readonly sessions = new Map<string, PortmapSession>();
  private readonly xdr = new XdrReader();
  /** Bytes all portmapper conversations may hold at once (early segments, partial records). */
  readonly budget: ByteBudget;

  constructor(readonly options: ResolvedObserverOptions) {
    this.budget = new ByteBudget(options.bufferBudgetBytes, options.anomalies, 'rpc');
    this.table = new ExpectationTable<RpcExpectation>({
      name: 'rpc',
      cap: options.expectationCap,
      lifetimeSeconds: options.rpcLifetimeSeconds,
      refreshOnUse: true,
      onEvict: (e) => {
        options.anomalies.add({
          code: 'expectation-cap',
          severity: 'warning',
          message: `rpc: expectation table full (${this.table.cap} entries); dropped the oldest, program ${e.payload.program} at ${e.key.ip}:${e.key.port}`,
        });
      },
    });
  }

  matchNewFlow(protoNumber: number, a: Endpoint, b: Endpoint, now: number): FlowClaim | undefined {
    if ((protoNumber !== TCP && protoNumber !== UDP) || this.table.size === 0) return undefined;
    const m = this.table.matchFlow(protoNumber, a, b, now);
    if (m === undefined) return undefined;
    const p = m.expectation.payload;
    const name = RPC_PROGRAM_NAMES.get(p.program);
    const app: AppMark =
      name === undefined
        ? { kind: 'rpc', program: p.program, version: p.version, control: p.control, controlText: p.controlText, announcedAt: p.announcedAt, controlProto: p.controlProto }
        : { kind: 'rpc', program: p.program, version: p.version, programName: name, control: p.control, controlText: p.controlText, announcedAt: p.announcedAt, controlProto: p.controlProto };
    this.counters.flowsMarked++;
    return { app, client: { ip: m.originator.ip, port: m.originator.port } };
  }

  wantsFlow(flow: FlowView): boolean {
    if (flow.protoNumber !== TCP && flow.protoNumber !== UDP) return false;
    const sides = sidesOnPort(flow, PORTMAPPER_PORT);
    if (sides === undefined) return false;
    if (this.sessions.size >= MAX_SESSIONS) {
      this.counters.sessionsRefused++;
      noteSessionRefused(this.options.anomalies, () => `rpc: ${MAX_SESSIONS} portmapper conversations followed at once; flow ${flow.id} was not read`);
      return false;
    }
    this.sessions.set(flow.id, new PortmapSession(this, flow, sides.server, sides.client));
    this.counters.conversations++;
    return true;
  }

  onPacket(flow: FlowView, fromClient: boolean, pkt: DecodedPacket): boolean {
    const s = this.sessions.get(flow.id);
    if (s === undefined) return false;
    const src = fromClient ? flow.client : flow.server;
    const fromServer = src.port === s.server.port && src.ip === s.server.ip;
    s.tsSec = pkt.tsSec;
    s.tsNsec = pkt.tsNsec;
    if (flow.protoNumber === UDP) {
      if (pkt.payloadLen > 0) this.decodeMessage(s, fromServer, pkt.buf, pkt.payloadOff, pkt.payloadOff + pkt.payloadLen);
      return this.keep(s, flow);
    }
    const syn = (pkt.tcpFlags & TCP_SYN) !== 0;
    if (pkt.payloadWireLen > 0 || syn) {
      const f = s.framer(fromServer);
      f.reassembler.push(pkt.tcpSeq, syn, pkt.buf, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, f);
    }
    if ((pkt.tcpFlags & TCP_ACK) !== 0) {
      const other = fromServer ? s.toServer : s.toClient;
      if (other !== undefined) other.reassembler.acknowledge(pkt.tcpAck, other);
    }
    return this.keep(s, flow);
  }

  /** False (and the state released) once a conversation turned out not to be RPC. */
  private keep(s: PortmapSession, flow: FlowView): boolean {
    if (!s.stopped) return true;
    this.counters.notRpc++;
    s.release();
    this.sessions.delete(flow.id);
    return false;
  }

  onFlowEnd(flow: FlowView): void {
    const s = this.sessions.get(flow.id);
    if (s === undefined) return;
    if (!s.marked && !s.stopped && s.badMessages > 0) {
      this.counters.notRpc++;
      this.notRpc(s, s.badMessages === 1 ? `a malformed ${s.lastBad}` : `${s.badMessages} malformed messages, the last: ${s.lastBad}`);
    }
    s.release();
    this.sessions.delete(flow.id);
  }

  expire(now: number): void {
    this.table.expire(now);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  expectationStats(): ExpectationStats {
    return this.table.stats();
  }

  recordTooLong(s: PortmapSession, length: number): void {
    // Before any valid RPC message, an absurd record length means this is not RPC at all.
    if (!s.marked) {
      s.stopped = true;
      this.notRpc(s, `first record marker claims ${length} bytes`);
      return;
    }
    this.counters.recordsTooLong++;
    this.options.anomalies.add({
      code: 'rpc-record-too-long',
      severity: 'warning',
      message: `portmapper ${s.controlText}: RPC record of ${length} bytes exceeds ${this.options.reassemblyBufferBytes}; skipped`,
    });
  }

  /**
   * A port-111 conversation that carried no valid RPC message: other traffic on the port, not a
   * damaged portmapper. Counted once per conversation as `info` (never printed as a warning).
   */
  private notRpc(s: PortmapSession, why: string): void {
    if (s.reportedNotRpc) return;
    s.reportedNotRpc = true;
    this.options.anomalies.add({
      code: 'not-rpc',
      severity: 'info',
      message: `port 111 ${s.flow.protoNumber === TCP ? 'tcp' : 'udp'} ${s.controlText}: not ONC RPC (${why}); conversation not followed`,
    });
  }

  /** One RPC message (a UDP payload or a reassembled TCP record). */
  decodeMessage(s: PortmapSession, fromServer: boolean, buf: Buffer, start: number, end: number): void {
    if (s.stopped) return;
    const x = this.xdr;
    x.reset(buf, start, end);
    const xid = x.u32();
    const type = x.u32();
    if (!x.ok) return this.bad(s, 'message shorter than an RPC header');
    if (type === 0 && !fromServer) this.decodeCall(s, xid);
    else if (type === 1 && fromServer) this.decodeReply(s, xid);
    else if (type > 1) this.bad(s, `message type ${type}`);
  }

  private decodeCall(s: PortmapSession, xid: number): void {
    const x = this.xdr;
    const rpcvers = x.u32();
    const prog = x.u32();
    const vers = x.u32();
    const proc = x.u32();
    x.u32(); // credential flavor
    x.skipOpaque(MAX_AUTH_BYTES);
    x.u32(); // verifier flavor
    x.skipOpaque(MAX_AUTH_BYTES);
    if (!x.ok || rpcvers !== 2) return this.bad(s, 'call header');
    if (prog !== PORTMAPPER_PROGRAM) return;
    this.counters.calls++;
    s.mark();
    const call: PendingCall = { kind: 'other', program: 0, version: 0, proto: 0 };
    if (vers === 2) {
      if (proc === 3) {
        call.kind = 'getport';
        call.program = x.u32();
        call.version = x.u32();
        call.proto = x.u32();
      } else if (proc === 4) {
        call.kind = 'dump2';
      } else if (proc === 5) {
        call.kind = 'callit2';
        call.program = x.u32();
        call.version = x.u32();
        call.proto = UDP; // CALLIT is UDP only (RFC 1833 section 3.2)
      }
    } else if (vers === 3 || vers === 4) {
      if (proc === 3 || proc === 11 || (vers === 4 && proc === 9)) {
        call.kind = proc === 11 ? 'getaddrlist' : 'getaddr';
        call.program = x.u32();
        call.version = x.u32();
        const netid = x.string(MAX_STRING_BYTES);
        // RFC 1833: the server infers the netid from the transport the call came in on.
        call.proto = (netid === undefined ? undefined : netidProto(netid)) ?? s.flow.protoNumber;
      } else if (proc === 4) {
        call.kind = 'dump34';
      } else if (proc === 5) {
        call.kind = 'callit34';
        call.program = x.u32();
        call.version = x.u32();
        call.proto = UDP;
      }
    }
    if (!x.ok) return this.bad(s, 'call arguments');
    if (s.pending.size >= this.options.maxPendingRpcCalls && !s.pending.has(xid)) {
      const oldest = s.pending.keys().next();
      if (oldest.done !== true) s.pending.delete(oldest.value);
      this.counters.pendingDropped++;
      this.options.anomalies.add({
        code: 'rpc-pending-calls-full',
        severity: 'warning',
        message: `portmapper ${s.controlText}: more than ${this.options.maxPendingRpcCalls} calls without a reply; oldest forgotten`,
      });
    }
    s.pending.delete(xid);
    s.pending.set(xid, call);
  }

  private decodeReply(s: PortmapSession, xid: number): void {
    const x = this.xdr;
    const call = s.pending.get(xid);
    const replyStat = x.u32();
    if (!x.ok || replyStat > 1) return this.bad(s, 'reply header');
    if (call === undefined) {
      this.counters.repliesWithoutCall++;
      return;
    }
    s.pending.delete(xid);
    this.counters.replies++;
    s.mark();
    if (replyStat !== 0) return; // MSG_DENIED
    x.u32(); // verifier flavor
    x.skipOpaque(MAX_AUTH_BYTES);
    const acceptStat = x.u32();
    if (!x.ok) return this.bad(s, 'reply verifier');
    if (acceptStat !== 0) return; // not SUCCESS
    switch (call.kind) {
      case 'getport':
      case 'callit2': {
        const port = x.u32();
        if (x.ok) this.learnV2(s, call.program, call.version, call.proto, port);
        break;
      }
      case 'dump2':
        for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
          const more = x.u32();
          if (!x.ok || more !== 1) break;
          const prog = x.u32();
          const vers = x.u32();
          const prot = x.u32();
          const port = x.u32();
          if (!x.ok) break;
          this.learnV2(s, prog, vers, prot, port);
        }
        break;
      case 'getaddr':
      case 'callit34': {
        const uaddr = x.string(MAX_STRING_BYTES);
        if (uaddr !== undefined && uaddr.length > 0) this.learnUniversal(s, call.program, call.version, call.proto, uaddr);
        break;
      }
      case 'dump34':
        for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
          const more = x.u32();
          if (!x.ok || more !== 1) break;
          const prog = x.u32();
          const vers = x.u32();
          const netid = x.string(MAX_STRING_BYTES);
          const uaddr = x.string(MAX_STRING_BYTES);
          x.string(MAX_STRING_BYTES); // owner
          if (!x.ok || netid === undefined || uaddr === undefined) break;
          const proto = netidProto(netid);
          if (proto !== undefined) this.learnUniversal(s, prog, vers, proto, uaddr);
        }
        break;
      case 'getaddrlist':
        for (let n = 0; n < MAX_LIST_ENTRIES; n++) {
          const more = x.u32();
          if (!x.ok || more !== 1) break;
          const uaddr = x.string(MAX_STRING_BYTES);
          const netid = x.string(MAX_STRING_BYTES);
          x.u32(); // semantics
          x.string(MAX_STRING_BYTES); // protocol family
          x.string(MAX_STRING_BYTES); // protocol
          if (!x.ok || netid === undefined || uaddr === undefined) break;
          const proto = netidProto(netid);
          if (proto !== undefined) this.learnUniversal(s, call.program, call.version, proto, uaddr);
        }
        break;
      case 'other':
        break;
    }
  }

  /** A v2 mapping: the port is on the portmapper's own address. */
  private learnV2(s: PortmapSession, program: number, version: number, prot: number, port: number): void {
    if (prot !== TCP && prot !== UDP) return;
    this.learn(s, program, version, prot, s.server.ip, port);
  }

  /** A v3/v4 universal address; an unspecified or other-family address means the portmapper's own. */
  private learnUniversal(s: PortmapSession, program: number, version: number, proto: number, uaddr: string): void {
    const ua = parseUniversalAddress(uaddr);
    if (ua === undefined) {
      this.bad(s, `universal address "${sanitiseLine(uaddr).slice(0, 64)}"`);
      return;
    }
    const sameFamily = isIPv6(ua.ip) === isIPv6(s.server.ip);
    if (isUnspecified(ua.ip)) {
      if (sameFamily) this.learn(s, program, version, proto, s.server.ip, ua.port);
      return;
    }
    this.learn(s, program, version, proto, ua.ip, ua.port);
    // Behind NAT (or on another interface) the client reaches the service on the address it used.
    if (sameFamily && ua.ip !== s.server.ip) this.learn(s, program, version, proto, s.server.ip, ua.port);
  }

  private learn(s: PortmapSession, program: number, version: number, proto: number, ip: string, port: number): void {
    if (port === 0 || port > 65535 || program === PORTMAPPER_PROGRAM) return;
    const now = packetSeconds(s.tsSec, s.tsNsec);
    let payload: RpcExpectation = {
      program,
      version,
      controlProto: s.flow.protoNumber === TCP ? 'tcp' : 'udp',
      control: s.flow.id,
      controlText: s.controlText,
      announcedAt: formatRfc3339Nanos(s.tsSec, s.tsNsec),
    };
    // One port can serve several programs (nfs and nfs_acl share 2049) and versions: the lowest
    // program number and, within it, the highest version name the port. Deterministic, and it
    // keeps the main service's name (nfs) rather than its helper's.
    const key = { proto, ip, port };
    const existing = this.table.lookup(key, now);
    if (existing !== undefined) {
      const e = existing.payload;
      if (e.program < program || (e.program === program && e.version > version)) payload = e;
    }
    this.table.add(key, payload, now, { reusable: true });
    this.counters.mappingsLearned++;
  }

  private bad(s: PortmapSession, what: string): void {
    this.counters.badMessages++;
    if (!s.marked) {
      // Not (yet) known to be RPC: other traffic on port 111 is quiet, counted once as info.
      s.lastBad = what;
      if (++s.badMessages >= MAX_BAD_BEFORE_VALID) {
        s.stopped = true;
        this.notRpc(s, `${s.badMessages} malformed messages before any valid one, the last: ${what}`);
      }
      return;
    }
    this.options.anomalies.add({
      code: 'rpc-bad-message',
      severity: 'warning',
      message: `portmapper ${s.controlText}: malformed RPC ${what}`,
    });
  }
}
