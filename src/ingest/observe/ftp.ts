/**
 * FTP control channel observer: reads commands and replies and turns every data-port
 * announcement into an expected connection.
 *
 * Specifications:
 * - RFC 959 (FTP) section 4.1.2 `PORT h1,h2,h3,h4,p1,p2`, `PASV`; 4.2 reply format: a reply is
 *   `ddd text`, a multi-line reply starts `ddd-text` and ends at a line `ddd text` with the same
 *   code; 227 "Entering Passive Mode (h1,h2,h3,h4,p1,p2)".
 * - RFC 1123 section 4.1.2.6: the 227 text is not fixed — scan it for the six numbers
 *   (servers write `(h1,...)`, `= h1,...`, `. h1,...` or put them on a continuation line).
 * - RFC 2428 (FTP extensions for IPv6 and NATs): `EPRT |af|addr|port|` (af 1 IPv4, 2 IPv6) and
 *   `229 ... (|||port|)`, the delimiter being any character 33..126; EPSV's address is the
 *   control connection's server.
 * - RFC 4217 section 4.1: `AUTH TLS` answered with 234 turns the channel into TLS; past it the
 *   text is unreadable and the observer stops.
 *
 * What becomes an expectation (listener ← originator, proto TCP, consumed by the first flow,
 * lifetime `expectationLifetimeSeconds`):
 *
 * | announcement | listener (address:port)           | originator address      |
 * |--------------|-----------------------------------|-------------------------|
 * | 227 (PASV)   | announced address:port            | control client          |
 * | 229 (EPSV)   | control server address:port       | control client          |
 * | PORT         | announced address:port            | control server (any port, usually 20) |
 * | EPRT         | announced address:port            | control server          |
 *
 * When the announced address differs from the address the control connection uses for that
 * side (PASV behind NAT, a client behind NAT sending its private address), a second expectation
 * on the control connection's address is linked to the first and the data flow is marked
 * `nat: true` whichever matches.
 */
import type { AppMark, Endpoint } from '../../model.js';
import type { FlowClaim, FlowObserver, FlowView } from '../../flow/observer.js';
import type { DecodedPacket } from '../decode/packet.js';
import { TCP_ACK, TCP_SYN } from '../decode/packet.js';
import { ExpectationTable } from '../../flow/expectations.js';
import type { ExpectationStats } from '../../flow/expectations.js';
import { canonicalIPv4, canonicalIPv6, formatFlowText, formatIPv4Parts, isIPv6, isUnspecified } from './address.js';
import { formatRfc3339Nanos, noteSessionRefused, packetSeconds, sanitiseLine } from './context.js';
import type { ResolvedObserverOptions } from './context.js';
import { ByteBudget, StreamReassembler } from './reassembly.js';
import type { StreamSink } from './reassembly.js';

const TCP = 6;

export type FtpMode = 'pasv' | 'epsv' | 'port' | 'eprt';

/** What an FTP expectation carries until a data flow claims it. */
export interface FtpExpectation {
  mode: FtpMode;
  control: string;
  controlText: string;
  announcement: string;
  announcedAt: string;
  nat: boolean;
}

/** An address and port read from an announcement; `ip` undefined for EPSV (the control server). */
export interface Announced {
  ip: string | undefined;
  port: number;
}

// ---------------------------------------------------------------------------------------------
// Announcement parsers (pure; exported for tests). Inputs are wire text: undefined on anything
// malformed, never an exception.

const SIX_NUMBERS = /(?<!\d)(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})(?!\d)/;

/** The first `h1,h2,h3,h4,p1,p2` anywhere in `text` (227 replies, PORT arguments). */
export function parseSixNumbers(text: string): Announced | undefined {
  const m = SIX_NUMBERS.exec(text);
  if (m === null) return undefined;
  const n: number[] = [];
  for (let i = 1; i <= 6; i++) {
    const v = Number(m[i]);
    if (v > 255) return undefined;
    n.push(v);
  }
  const port = (n[4] ?? 0) * 256 + (n[5] ?? 0);
  if (port === 0) return undefined;
  return { ip: formatIPv4Parts(n[0] ?? 0, n[1] ?? 0, n[2] ?? 0, n[3] ?? 0), port };
}

const EPSV_PAREN = /\(([!-~])\1\1(\d{1,5})\1\)/;
const EPSV_BARE = /([!-/:-~])\1\1(\d{1,5})\1/;
/** A 229 that (against RFC 2428) fills in the protocol and address: `(|2|2001:db8::7|6446|)`. */
const EPSV_WITH_ADDRESS = /\(([!-/;-~])([12])\1([0-9A-Fa-f:.]{2,45})\1(\d{1,5})\1\)/;

/**
 * The port of a 229 reply: `(|||port|)`, any delimiter 33..126 (RFC 2428 section 3); the address
 * is the control connection's server unless the server wrote one in (some do).
 */
export function parseEpsvReply(text: string): Announced | undefined {
  const m = EPSV_PAREN.exec(text) ?? EPSV_BARE.exec(text);
  if (m !== null) {
    const port = Number(m[2]);
    return port < 1 || port > 65535 ? undefined : { ip: undefined, port };
  }
  const full = EPSV_WITH_ADDRESS.exec(text);
  if (full === null) return undefined;
  const port = Number(full[4]);
  const ip = full[2] === '1' ? canonicalIPv4(full[3] ?? '') : canonicalIPv6(full[3] ?? '');
  if (ip === undefined || port < 1 || port > 65535) return undefined;
  return { ip, port };
}

/** `EPRT` argument `|af|address|port|` (RFC 2428 section 2). */
export function parseEprtArgument(arg: string): Announced | undefined {
  const text = arg.trim();
  if (text.length < 7) return undefined;
  const delim = text.charCodeAt(0);
  if (delim < 33 || delim > 126) return undefined;
  const parts = text.split(text[0] ?? '|');
  // ['', af, address, port, ''] — nothing may follow the closing delimiter.
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return undefined;
  const af = parts[1];
  const addr = parts[2] ?? '';
  const portText = parts[3] ?? '';
  if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  let ip: string | undefined;
  if (af === '1') ip = canonicalIPv4(addr);
  else if (af === '2') ip = canonicalIPv6(addr);
  else return undefined;
  if (ip === undefined) return undefined;
  return { ip, port };
}

/** Reply code of a line (`ddd` followed by space, `-` or end), or -1. */
export function replyCodeOf(line: string): number {
  if (line.length < 3) return -1;
  const c0 = line.charCodeAt(0);
  const c1 = line.charCodeAt(1);
  const c2 = line.charCodeAt(2);
  if (c0 < 0x31 || c0 > 0x36 || c1 < 0x30 || c1 > 0x39 || c2 < 0x30 || c2 > 0x39) return -1;
  if (line.length > 3) {
    const c3 = line.charCodeAt(3);
    if (c3 !== 0x20 && c3 !== 0x2d) return -1;
  }
  return (c0 - 0x30) * 100 + (c1 - 0x30) * 10 + (c2 - 0x30);
}

/** Commands only FTP clients send first after a 220 greeting (SMTP sends EHLO/HELO, POP3 gets `+OK`). */
const FTP_ONLY_COMMANDS: ReadonlySet<string> = new Set([
  'USER', 'PASS', 'ACCT', 'AUTH', 'FEAT', 'SYST', 'OPTS', 'PASV', 'EPSV', 'PORT', 'EPRT', 'TYPE', 'PWD', 'XPWD',
  'CWD', 'CDUP', 'LIST', 'NLST', 'MLSD', 'MLST', 'RETR', 'STOR', 'SIZE', 'MDTM', 'SITE', 'CLNT', 'HOST', 'PBSZ', 'PROT',
]);

/** Ports never probed for an FTP channel by content: their own protocols are known and busy. */
const NOT_FTP_PORTS: ReadonlySet<number> = new Set([22, 23, 25, 53, 80, 110, 111, 143, 443, 445, 465, 587, 993, 995, 2049]);

/** Bytes of text an unconfirmed (content-probed) channel may show before it is dropped. */
const PROBE_BUDGET_BYTES = 4096;

// ---------------------------------------------------------------------------------------------

/** One direction of a control channel: TCP reassembly, then lines. */
/** First size of a line buffer; it doubles up to `maxLineBytes` (most lines are short). */
const INITIAL_LINE_BYTES = 128;

/** One direction of a control channel: TCP reassembly, then lines. */
class FtpDirection implements StreamSink {
  readonly reassembler: StreamReassembler;
  private line: Buffer | undefined;
  private length = 0;
  private overflow = false;

  constructor(
    private readonly session: FtpSession,
    private readonly fromServer: boolean,
  ) {
    const o = session.observer;
    this.reassembler = new StreamReassembler(o.options.reassemblyBufferBytes, undefined, o.budget);
  }

  data(buf: Buffer, start: number, end: number): void {
    const s = this.session;
    const max = s.observer.options.maxLineBytes;
    for (let i = start; i < end; i++) {
      if (s.stopped) return;
      const c = buf[i] ?? 0;
      if (s.probing) {
        if ((c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) || c >= 0x80 || --s.probeBudget < 0) {
          s.stop();
          return;
        }
      }
      if (c === 0x0a) {
        if (this.overflow) {
          this.overflow = false;
          s.observer.lineTooLong(s, this.fromServer);
        } else {
          let n = this.length;
          if (n > 0 && this.line !== undefined && this.line[n - 1] === 0x0d) n--;
          const text = this.line === undefined ? '' : this.line.toString('latin1', 0, n);
          s.onLine(this.fromServer, text);
        }
        this.length = 0;
        continue;
      }
      if (this.overflow) continue;
      if (this.line === undefined || this.length >= this.line.length) {
        if (this.length >= max || !this.grow(max)) {
          this.overflow = true;
          continue;
        }
      }
      const line = this.line;
      if (line !== undefined) line[this.length++] = c;
    }
  }

  /** Doubles the line buffer (within `max` and the observer's byte budget). */
  private grow(max: number): boolean {
    const old = this.line?.length ?? 0;
    const size = Math.min(max, Math.max(INITIAL_LINE_BYTES, old * 2));
    if (size <= old || !this.session.observer.budget.take(size - old)) return false;
    const grown = Buffer.allocUnsafe(size);
    if (this.line !== undefined) this.line.copy(grown, 0, 0, this.length);
    this.line = grown;
    return true;
  }

  /**
   * Bytes were lost: the line being collected is incomplete and dropped. What follows is read as
   * the start of a line — after a dropped segment the next one usually starts a line (a reply or
   * command per segment), and a fragment of a broken line does not parse as anything.
   */
  gap(): void {
    this.length = 0;
    this.overflow = false;
  }

  /** The connection ended: buffers go back to the observer's budget. */
  release(): void {
    this.reassembler.release();
    this.session.observer.budget.give(this.line?.length ?? 0);
    this.line = undefined;
    this.length = 0;
  }
}

interface PendingActive {
  mode: FtpMode;
  announced: Announced;
  line: string;
  tsSec: number;
  tsNsec: number;
}

/** State of one control connection. */
class FtpSession {
  /** FTP roles (the side on the control port is the server, whatever the flow table inferred). */
  readonly client: Endpoint;
  readonly server: Endpoint;
  private text: string | undefined;
  commands: FtpDirection | undefined;
  replies: FtpDirection | undefined;
  /** Content-probed channel not yet shown to be FTP. */
  probing: boolean;
  probeBudget = PROBE_BUDGET_BYTES;
  greeted = false;
  stopped = false;
  marked = false;
  /** Code of the multi-line reply in progress, 0 when none; whether it announced already. */
  private multiCode = 0;
  private replyAnnounced = false;
  private lastCommand = '';
  private pendingActive: PendingActive | undefined;
  tsSec = 0;
  tsNsec = 0;

  constructor(
    readonly observer: FtpObserver,
    readonly flow: FlowView,
    server: Endpoint,
    client: Endpoint,
    probing: boolean,
  ) {
    this.server = { ip: server.ip, port: server.port };
    this.client = { ip: client.ip, port: client.port };
    this.probing = probing;
  }

  /** The control flow as text (built when first needed: most probed flows never need it). */
  get controlText(): string {
    return (this.text ??= formatFlowText(this.client, this.server));
  }

  direction(fromServer: boolean): FtpDirection {
    if (fromServer) return (this.replies ??= new FtpDirection(this, true));
    return (this.commands ??= new FtpDirection(this, false));
  }

  /** Gives every buffer back (the flow ended or is no longer followed). */
  release(): void {
    this.commands?.release();
    this.replies?.release();
  }

  stop(): void {
    this.stopped = true;
  }

  onLine(fromServer: boolean, raw: string): void {
    if (fromServer) this.onReply(raw);
    else this.onCommand(raw);
  }

  private recognised(): void {
    if (this.probing || this.marked) return;
    this.marked = true;
    if (this.flow.app === undefined) this.flow.app = { kind: 'ftp-control' };
  }

  private confirm(): void {
    this.probing = false;
    this.observer.counters.detectedByContent++;
    this.recognised();
  }

  private onReply(line: string): void {
    let code: number;
    let last = true;
    if (this.multiCode !== 0) {
      code = this.multiCode;
      if (replyCodeOf(line) === code && line.charCodeAt(3) !== 0x2d) this.multiCode = 0;
      else last = false;
    } else {
      code = replyCodeOf(line);
      if (code < 0) {
        if (this.probing) this.stop();
        return;
      }
      this.replyAnnounced = false;
      if (line.charCodeAt(3) === 0x2d) {
        this.multiCode = code;
        last = false;
      }
    }
    if (this.probing) {
      if (!this.greeted && code === 220) {
        this.greeted = true;
        if (/\bftp\b/i.test(line) && !/smtp/i.test(line)) this.confirm();
      } else if (code === 227 && this.lastCommand === 'PASV' && parseSixNumbers(line.slice(3)) !== undefined) {
        this.confirm();
      } else if (code === 229 && this.lastCommand === 'EPSV' && parseEpsvReply(line) !== undefined) {
        this.confirm();
      } else if (code === 200 && this.pendingActive !== undefined) {
        const p = this.pendingActive;
        this.pendingActive = undefined;
        this.confirm();
        this.announce(p.mode, p.announced, p.line, p.tsSec, p.tsNsec);
      }
      if (this.probing) return;
    }
    this.recognised();
    switch (code) {
      case 227:
        if (!this.replyAnnounced) {
          // The reply code itself is digits: on the first line look past it.
          const a = parseSixNumbers(replyCodeOf(line) === 227 ? line.slice(3) : line);
          if (a !== undefined) {
            this.replyAnnounced = true;
            this.announce('pasv', a, line, this.tsSec, this.tsNsec);
          } else if (last) {
            this.observer.badAnnouncement(this, '227', line);
          }
        }
        break;
      case 229:
        if (!this.replyAnnounced) {
          const a = parseEpsvReply(line);
          if (a !== undefined) {
            this.replyAnnounced = true;
            this.announce('epsv', a, line, this.tsSec, this.tsNsec);
          } else if (last) {
            this.observer.badAnnouncement(this, '229', line);
          }
        }
        break;
      case 234:
        // RFC 4217: the channel turns into TLS after this reply.
        if (last) {
          this.observer.counters.tlsControl++;
          this.stop();
        }
        break;
      default:
        break;
    }
  }

  private onCommand(raw: string): void {
    // Telnet IAC sequences (RFC 959 section 4.1.3, sent before ABOR) and stray controls lead some lines.
    let start = 0;
    while (start < raw.length && (raw.charCodeAt(start) < 0x21 || raw.charCodeAt(start) > 0x7e)) start++;
    const line = start === 0 ? raw : raw.slice(start);
    const space = line.indexOf(' ');
    const word = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const arg = space < 0 ? '' : line.slice(space + 1);
    const isCommandWord = word.length >= 3 && word.length <= 4 && /^[A-Z]+$/.test(word);
    if (this.probing) {
      if (!isCommandWord) {
        this.stop();
        return;
      }
      if (this.greeted && FTP_ONLY_COMMANDS.has(word)) {
        this.confirm();
      } else if (!FTP_ONLY_COMMANDS.has(word)) {
        this.stop();
        return;
      }
    }
    this.lastCommand = word;
    if (!isCommandWord) return;
    this.recognised();
    if (word === 'PORT' || word === 'EPRT') {
      const a = word === 'PORT' ? parseSixNumbers(arg) : parseEprtArgument(arg);
      const mode: FtpMode = word === 'PORT' ? 'port' : 'eprt';
      if (a === undefined) {
        if (!this.probing) this.observer.badAnnouncement(this, word, line);
        return;
      }
      if (this.probing) {
        this.pendingActive = { mode, announced: a, line, tsSec: this.tsSec, tsNsec: this.tsNsec };
        return;
      }
      this.announce(mode, a, line, this.tsSec, this.tsNsec);
    }
  }

  private announce(mode: FtpMode, a: Announced, line: string, tsSec: number, tsNsec: number): void {
    const passive = mode === 'pasv' || mode === 'epsv';
    // The side that will listen, as the control connection sees it, and who will connect.
    const side = passive ? this.server : this.client;
    const originator = passive ? this.client : this.server;
    const announcedIp = a.ip === undefined || isUnspecified(a.ip) ? side.ip : a.ip;
    const sameFamily = isIPv6(announcedIp) === isIPv6(side.ip);
    const nat = sameFamily && announcedIp !== side.ip;
    const payload: FtpExpectation = {
      mode,
      control: this.flow.id,
      controlText: this.controlText,
      announcement: sanitiseLine(line),
      announcedAt: formatRfc3339Nanos(tsSec, tsNsec),
      nat,
    };
    const fromIp = isIPv6(originator.ip) === isIPv6(announcedIp) ? originator.ip : undefined;
    const now = packetSeconds(tsSec, tsNsec);
    const table = this.observer.table;
    const key = fromIp === undefined ? { proto: TCP, ip: announcedIp, port: a.port } : { proto: TCP, ip: announcedIp, port: a.port, fromIp };
    const first = table.add(key, payload, now);
    this.observer.counters.announcements++;
    if (nat) {
      const second = table.add({ ...key, ip: side.ip }, payload, now);
      table.link([first, second]);
      this.observer.counters.natAnnouncements++;
    }
  }
}

export interface FtpCounters {
  controlChannels: number;
  detectedByContent: number;
  announcements: number;
  natAnnouncements: number;
  badAnnouncements: number;
  longLines: number;
  tlsControl: number;
  dataFlowsMarked: number;
  sessionsRefused: number;
}

/** Most control channels (and content probes) followed at once. */
const MAX_SESSIONS = 16_384;

export class FtpObserver implements FlowObserver {
  readonly table: ExpectationTable<FtpExpectation>;
  readonly counters: FtpCounters = {
    controlChannels: 0,
    detectedByContent: 0,
    announcements: 0,
    natAnnouncements: 0,
    badAnnouncements: 0,
    longLines: 0,
    tlsControl: 0,
    dataFlowsMarked: 0,
    sessionsRefused: 0,
  };
  private readonly sessions = new Map<string, FtpSession>();
  /** Bytes all control channels may hold at once (early segments, partial lines). */
  readonly budget: ByteBudget;

  constructor(readonly options: ResolvedObserverOptions) {
    this.budget = new ByteBudget(options.bufferBudgetBytes, options.anomalies, 'ftp');
    this.table = new ExpectationTable<FtpExpectation>({
      name: 'ftp',
      cap: options.expectationCap,
      lifetimeSeconds: options.expectationLifetimeSeconds,
      onEvict: (e) => {
        options.anomalies.add({
          code: 'expectation-cap',
          severity: 'warning',
          message: `ftp: expectation table full (${this.table.cap} entries); dropped the oldest, ${e.key.ip}:${e.key.port} announced by ${e.payload.controlText}`,
        });
      },
    });
  }

  matchNewFlow(protoNumber: number, a: Endpoint, b: Endpoint, now: number): FlowClaim | undefined {
    if (protoNumber !== TCP || this.table.size === 0) return undefined;
    const m = this.table.matchFlow(TCP, a, b, now);
    if (m === undefined) return undefined;
    const p = m.expectation.payload;
    const app: AppMark = p.nat
      ? { kind: 'ftp-data', mode: p.mode, control: p.control, controlText: p.controlText, announcement: p.announcement, announcedAt: p.announcedAt, nat: true }
      : { kind: 'ftp-data', mode: p.mode, control: p.control, controlText: p.controlText, announcement: p.announcement, announcedAt: p.announcedAt };
    this.counters.dataFlowsMarked++;
    return { app, client: { ip: m.originator.ip, port: m.originator.port } };
  }

  wantsFlow(flow: FlowView): boolean {
    if (flow.protoNumber !== TCP) return false;
    const ports = this.options.ftpPorts;
    let server: Endpoint;
    let client: Endpoint;
    let probing = false;
    if (ports.has(flow.server.port)) {
      server = flow.server;
      client = flow.client;
    } else if (ports.has(flow.client.port)) {
      // Mid-stream or odd direction: the control port names the server.
      server = flow.client;
      client = flow.server;
    } else if (this.options.detectFtpByContent && flow.app === undefined && !NOT_FTP_PORTS.has(flow.server.port)) {
      server = flow.server;
      client = flow.client;
      probing = true;
    } else {
      return false;
    }
    if (this.sessions.size >= MAX_SESSIONS) {
      this.counters.sessionsRefused++;
      noteSessionRefused(this.options.anomalies, () => `ftp: ${MAX_SESSIONS} FTP control channels followed at once; flow ${flow.id} was not read`);
      return false;
    }
    this.sessions.set(flow.id, new FtpSession(this, flow, server, client, probing));
    if (!probing) this.counters.controlChannels++;
    return true;
  }

  onPacket(flow: FlowView, fromClient: boolean, pkt: DecodedPacket): boolean {
    const s = this.sessions.get(flow.id);
    if (s === undefined) return false;
    if (s.stopped) {
      this.drop(flow.id, s);
      return false;
    }
    const syn = (pkt.tcpFlags & TCP_SYN) !== 0;
    const src = fromClient ? flow.client : flow.server;
    const fromServer = src.port === s.server.port && src.ip === s.server.ip;
    s.tsSec = pkt.tsSec;
    s.tsNsec = pkt.tsNsec;
    if (pkt.payloadWireLen > 0 || syn) {
      const dir = s.direction(fromServer);
      dir.reassembler.push(pkt.tcpSeq, syn, pkt.buf, pkt.payloadOff, pkt.payloadLen, pkt.payloadWireLen, dir);
    }
    if ((pkt.tcpFlags & TCP_ACK) !== 0) {
      const other = fromServer ? s.commands : s.replies;
      if (other !== undefined) other.reassembler.acknowledge(pkt.tcpAck, other);
    }
    if (s.stopped) {
      this.drop(flow.id, s);
      return false;
    }
    return true;
  }

  onFlowEnd(flow: FlowView): void {
    const s = this.sessions.get(flow.id);
    if (s !== undefined) this.drop(flow.id, s);
  }

  private drop(id: string, s: FtpSession): void {
    s.release();
    this.sessions.delete(id);
  }

  expire(now: number): void {
    this.table.expire(now);
  }

  /** Control channels being followed now. */
  get activeSessions(): number {
    return this.sessions.size;
  }

  expectationStats(): ExpectationStats {
    return this.table.stats();
  }

  lineTooLong(s: FtpSession, fromServer: boolean): void {
    this.counters.longLines++;
    if (s.probing) {
      s.stop();
      return;
    }
    this.options.anomalies.add({
      code: 'ftp-line-too-long',
      severity: 'warning',
      message: `ftp ${s.controlText}: ${fromServer ? 'reply' : 'command'} line longer than ${this.options.maxLineBytes} bytes skipped`,
    });
  }

  badAnnouncement(s: FtpSession, what: string, line: string): void {
    this.counters.badAnnouncements++;
    this.options.anomalies.add({
      code: 'ftp-bad-announcement',
      severity: 'warning',
      message: `ftp ${s.controlText}: ${what} without a usable address and port: "${sanitiseLine(line).slice(0, 80)}"`,
    });
  }
}
