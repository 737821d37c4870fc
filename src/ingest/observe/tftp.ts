/**
 * TFTP observer: a read or write request to UDP 69 announces the transfer that follows on a new
 * server port.
 *
 * Specifications:
 * - RFC 1350 (TFTP revision 2) section 4: the requester sends RRQ/WRQ from its TID (port) to 69;
 *   the server answers from a newly chosen TID to the requester's TID, and the whole transfer
 *   uses that pair. Section 5 packet formats:
 *
 *   | opcode | packet | layout                                             |
 *   |--------|--------|----------------------------------------------------|
 *   | 1      | RRQ    | opcode(2) filename NUL mode NUL [options (RFC 2347)] |
 *   | 2      | WRQ    | same as RRQ                                         |
 *   | 3..6   | DATA, ACK, ERROR, OACK (RFC 2347) — not requests   |
 *
 *   Modes: `netascii`, `octet`, `mail` (any case).
 *
 * The expectation: listener = the requester's address and port, originator = the server's
 * address from any port, UDP, consumed by the first flow, matched only when the new flow's first
 * packet comes from the server (it always does: DATA for a read, ACK 0 or OACK for a write). The
 * claimed flow's client is the requester, so the transfer reads requester → server:new-port.
 */
import type { AppMark, Endpoint } from '../../model.js';
import type { FlowClaim, FlowObserver, FlowView } from '../../flow/observer.js';
import type { DecodedPacket } from '../decode/packet.js';
import { ExpectationTable } from '../../flow/expectations.js';
import type { ExpectationStats } from '../../flow/expectations.js';
import { formatFlowText } from './address.js';
import { formatRfc3339Nanos, noteSessionRefused, packetSeconds, sidesOnPort, TFTP_PORT } from './context.js';
import type { ResolvedObserverOptions } from './context.js';

const UDP = 17;
/** RFC 1350 leaves the filename length open; RFC 2347 bounds a request packet to 512 bytes. */
const MAX_REQUEST_BYTES = 512;

export interface TftpExpectation {
  control: string;
  controlText: string;
  announcedAt: string;
}

export interface TftpRequest {
  opcode: 1 | 2;
  filename: string;
  mode: string;
}

/** An RRQ/WRQ in `buf[start, end)`, or undefined when the bytes are not one. */
export function parseTftpRequest(buf: Buffer, start: number, end: number): TftpRequest | undefined {
  const len = end - start;
  if (len < 4 || len > MAX_REQUEST_BYTES || end > buf.length) return undefined;
  const opcode = buf.readUInt16BE(start);
  if (opcode !== 1 && opcode !== 2) return undefined;
  let i = start + 2;
  const nameStart = i;
  while (i < end && buf[i] !== 0) i++;
  if (i >= end || i === nameStart) return undefined;
  const nameEnd = i;
  i++;
  const modeStart = i;
  while (i < end && buf[i] !== 0) i++;
  if (i >= end) return undefined;
  const mode = buf.toString('latin1', modeStart, i).toLowerCase();
  if (mode !== 'netascii' && mode !== 'octet' && mode !== 'mail') return undefined;
  return { opcode, filename: buf.toString('latin1', nameStart, nameEnd), mode };
}

export interface TftpCounters {
  requestFlows: number;
  requests: number;
  transfersMarked: number;
  sessionsRefused: number;
}

const MAX_SESSIONS = 65_536;

interface TftpSession {
  server: Endpoint;
  client: Endpoint;
  marked: boolean;
}

export class TftpObserver implements FlowObserver {
  readonly table: ExpectationTable<TftpExpectation>;
  readonly counters: TftpCounters = { requestFlows: 0, requests: 0, transfersMarked: 0, sessionsRefused: 0 };
  private readonly sessions = new Map<string, TftpSession>();

  constructor(readonly options: ResolvedObserverOptions) {
    this.table = new ExpectationTable<TftpExpectation>({
      name: 'tftp',
      cap: options.expectationCap,
      lifetimeSeconds: options.expectationLifetimeSeconds,
      onEvict: (e) => {
        options.anomalies.add({
          code: 'expectation-cap',
          severity: 'warning',
          message: `tftp: expectation table full (${this.table.cap} entries); dropped the oldest, transfer to ${e.key.ip}:${e.key.port} requested by ${e.payload.controlText}`,
        });
      },
    });
  }

  matchNewFlow(protoNumber: number, a: Endpoint, b: Endpoint, now: number): FlowClaim | undefined {
    if (protoNumber !== UDP || this.table.size === 0) return undefined;
    const m = this.table.matchFlow(UDP, a, b, now);
    if (m === undefined) return undefined;
    const p = m.expectation.payload;
    const app: AppMark = { kind: 'tftp-data', control: p.control, controlText: p.controlText, announcedAt: p.announcedAt };
    this.counters.transfersMarked++;
    // The requester (the listener of the expectation) is the transfer's client.
    return { app, client: { ip: m.listener.ip, port: m.listener.port } };
  }

  wantsFlow(flow: FlowView): boolean {
    if (flow.protoNumber !== UDP) return false;
    const sides = sidesOnPort(flow, TFTP_PORT);
    if (sides === undefined) return false;
    const { server, client } = sides;
    if (this.sessions.size >= MAX_SESSIONS) {
      this.counters.sessionsRefused++;
      noteSessionRefused(this.options.anomalies, () => `tftp: ${MAX_SESSIONS} TFTP requests followed at once; flow ${flow.id} was not read`);
      return false;
    }
    this.sessions.set(flow.id, {
      server: { ip: server.ip, port: server.port },
      client: { ip: client.ip, port: client.port },
      marked: false,
    });
    this.counters.requestFlows++;
    return true;
  }

  onPacket(flow: FlowView, fromClient: boolean, pkt: DecodedPacket): boolean {
    const s = this.sessions.get(flow.id);
    if (s === undefined) return false;
    const dst = fromClient ? flow.server : flow.client;
    if (dst.port !== s.server.port || dst.ip !== s.server.ip) return true;
    const req = parseTftpRequest(pkt.buf, pkt.payloadOff, pkt.payloadOff + pkt.payloadLen);
    if (req === undefined) return true;
    this.counters.requests++;
    if (!s.marked) {
      s.marked = true;
      if (flow.app === undefined) flow.app = { kind: 'tftp-request' };
    }
    // A retransmitted request refreshes the same expectation.
    this.table.add(
      { proto: UDP, ip: s.client.ip, port: s.client.port, fromIp: s.server.ip },
      { control: flow.id, controlText: formatFlowText(s.client, s.server), announcedAt: formatRfc3339Nanos(pkt.tsSec, pkt.tsNsec) },
      packetSeconds(pkt.tsSec, pkt.tsNsec),
      { reversible: false },
    );
    return true;
  }

  onFlowEnd(flow: FlowView): void {
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
}
