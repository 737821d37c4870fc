/**
 * What the FTP, portmapper and TFTP observers share: their options (with defaults), the anomaly
 * log they report to, and small text helpers (RFC 3339 times, sanitised announcement lines).
 */
import { AnomalyLog } from '../../anomalies.js';
import type { Endpoint } from '../../model.js';
import { formatTimeNanos, secondsOf } from '../../flow/time.js';
import { DEFAULT_EXPECTATION_CAP, DEFAULT_EXPECTATION_LIFETIME_SECONDS } from '../../flow/expectations.js';

/** IANA: ftp 21/tcp (RFC 959). */
export const FTP_CONTROL_PORT = 21;
/** IANA: sunrpc 111/tcp+udp (RFC 1833). */
export const PORTMAPPER_PORT = 111;
/** IANA: tftp 69/udp (RFC 1350). */
export const TFTP_PORT = 69;

export interface ObserverOptions {
  /** Extra FTP control ports (the catalog's and `--ftp-port`); 21 is always one. */
  ftpPorts?: readonly number[];
  /**
   * Also recognise FTP control channels on other TCP ports by their content (a `220` greeting
   * answered by an FTP-only command such as `USER`). Default true.
   */
  detectFtpByContent?: boolean;
  /** Most expectations held at once, per observer (FTP, RPC, TFTP). Default 10 000. */
  expectationCap?: number;
  /** Seconds an FTP or TFTP expectation lives after its announcement. Default 300 (Zeek's 5 min). */
  expectationLifetimeSeconds?: number;
  /**
   * Seconds an RPC port mapping lives after the latest reply (or flow) that confirmed it.
   * Default 3600: a registered service keeps its port while it runs, far longer than an FTP
   * data port is announced for.
   */
  rpcLifetimeSeconds?: number;
  /** Longest FTP control line kept (bytes); longer lines are skipped and counted. Default 2048. */
  maxLineBytes?: number;
  /** Bytes of out-of-order TCP data (and of one RPC record) buffered per direction. Default 65536. */
  reassemblyBufferBytes?: number;
  /**
   * Bytes all the connections one observer follows may hold at once (early TCP segments, partial
   * lines and RPC records). Default 64 MiB.
   */
  bufferBudgetBytes?: number;
  /** RPC calls awaiting their reply, per portmapper flow. Default 32. */
  maxPendingRpcCalls?: number;
  /** Which observers run. Default: all three. */
  ftp?: boolean;
  portmapper?: boolean;
  tftp?: boolean;
  /** Where anomalies go (the pipeline's log); a private log is used when absent. */
  anomalies?: AnomalyLog;
}

export interface ResolvedObserverOptions {
  ftpPorts: ReadonlySet<number>;
  detectFtpByContent: boolean;
  expectationCap: number;
  expectationLifetimeSeconds: number;
  rpcLifetimeSeconds: number;
  maxLineBytes: number;
  reassemblyBufferBytes: number;
  bufferBudgetBytes: number;
  maxPendingRpcCalls: number;
  ftp: boolean;
  portmapper: boolean;
  tftp: boolean;
  anomalies: AnomalyLog;
}

function positive(value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.max(min, Math.floor(value));
}

export function resolveObserverOptions(options: ObserverOptions = {}): ResolvedObserverOptions {
  const ftpPorts = new Set<number>([FTP_CONTROL_PORT]);
  for (const p of options.ftpPorts ?? []) if (Number.isInteger(p) && p > 0 && p < 65536) ftpPorts.add(p);
  return {
    ftpPorts,
    detectFtpByContent: options.detectFtpByContent ?? true,
    expectationCap: positive(options.expectationCap, DEFAULT_EXPECTATION_CAP),
    expectationLifetimeSeconds:
      options.expectationLifetimeSeconds !== undefined && options.expectationLifetimeSeconds > 0
        ? options.expectationLifetimeSeconds
        : DEFAULT_EXPECTATION_LIFETIME_SECONDS,
    rpcLifetimeSeconds: options.rpcLifetimeSeconds !== undefined && options.rpcLifetimeSeconds > 0 ? options.rpcLifetimeSeconds : 3600,
    maxLineBytes: positive(options.maxLineBytes, 2048, 64),
    reassemblyBufferBytes: positive(options.reassemblyBufferBytes, 65536, 1024),
    bufferBudgetBytes: positive(options.bufferBudgetBytes, 64 * 1024 * 1024, 4096),
    maxPendingRpcCalls: positive(options.maxPendingRpcCalls, 32),
    ftp: options.ftp ?? true,
    portmapper: options.portmapper ?? true,
    tftp: options.tftp ?? true,
    anomalies: options.anomalies ?? new AnomalyLog(),
  };
}

/** Capture seconds (whole + nanoseconds) → seconds as a number, the flow table's clock. */
export const packetSeconds = secondsOf;

/** RFC 3339 UTC with nanoseconds, as flow times are written: `2024-05-01T12:03:05.221000000Z`. */
export const formatRfc3339Nanos = formatTimeNanos;

/** Longest announcement text kept in a flow record. */
export const MAX_ANNOUNCEMENT_CHARS = 256;

/** A control line for a record: control characters and surrounding blanks removed, length bounded. */
export function sanitiseLine(line: string): string {
  let out = '';
  for (let i = 0; i < line.length && out.length < MAX_ANNOUNCEMENT_CHARS; i++) {
    const c = line.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) continue;
    out += line[i];
  }
  return out.trim();
}

/**
 * An observer that follows its most conversations at once refuses one more: counted under
 * `limit-observer-sessions` (docs/security.md), its message built only while examples are kept.
 */
export function noteSessionRefused(log: AnomalyLog, message: () => string): void {
  if (log.wantsExample('limit-observer-sessions')) log.add({ code: 'limit-observer-sessions', severity: 'warning', message: message() });
  else log.addCount('limit-observer-sessions', 'warning');
}

/** The side of `flow` on `port` as server and the other as client, or undefined when neither is on it. */
export function sidesOnPort(flow: { client: Endpoint; server: Endpoint }, port: number): { server: Endpoint; client: Endpoint } | undefined {
  if (flow.server.port === port) return { server: flow.server, client: flow.client };
  if (flow.client.port === port) return { server: flow.client, client: flow.server };
  return undefined;
}
