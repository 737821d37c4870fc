/**
 * Shared record types of the pipeline: sources → flow table → classify → reports.
 * Types only, no logic. Every source (captures, logs) ends in the same `Flow` record;
 * everything after the flow table knows where a flow came from only through `evidence`.
 */

/** Transport names used in records. Other IP protocols are `ip-<number>` (e.g. `ip-47` for GRE). */
export type ProtoName = 'tcp' | 'udp' | 'icmp' | 'icmpv6' | 'sctp' | `ip-${number}`;

/** IP protocol numbers the pipeline names (IANA "Assigned Internet Protocol Numbers"). */
export const IPPROTO = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  icmpv6: 58,
  sctp: 132,
} as const;

/**
 * How a flow ended up, after Zeek's conn_state:
 * - `established`: TCP handshake completed (SYN, SYN-ACK, ACK seen) or two-way UDP/ICMP/other.
 * - `rejected`: SYN answered by RST (Zeek REJ).
 * - `unanswered`: SYN with no reply, one-way UDP (Zeek S0 / one-way).
 * - `icmp-prohibited`: an ICMP/ICMPv6 error naming this flow said "administratively prohibited"
 *   (ICMP 3/9, 3/10, 3/13; ICMPv6 1/1).
 * - `icmp-unreachable`: any other ICMP/ICMPv6 destination-unreachable naming this flow
 *   (ICMP 3/3, ICMPv6 1/4 port unreachable, and the rest).
 * - `partial`: a TCP flow first seen mid-stream (no SYN seen).
 * - `allowed` / `denied`: a firewall (log line, PFLOG header) said so.
 */
export type Outcome =
  | 'established'
  | 'rejected'
  | 'unanswered'
  | 'icmp-prohibited'
  | 'icmp-unreachable'
  | 'partial'
  | 'allowed'
  | 'denied';

export const OUTCOMES: readonly Outcome[] = [
  'established',
  'rejected',
  'unanswered',
  'icmp-prohibited',
  'icmp-unreachable',
  'partial',
  'allowed',
  'denied',
];

/** Outcomes that mean the traffic did not get through. */
export const BLOCKED_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>([
  'rejected',
  'unanswered',
  'icmp-prohibited',
  'icmp-unreachable',
  'denied',
]);

export interface Endpoint {
  /** Canonical text: dotted quad for IPv4, RFC 5952 compressed lower-case for IPv6. */
  ip: string;
  /** 0 where the protocol has no ports (ICMP, other IP protocols). */
  port: number;
}

/** Where a flow (or an anomaly) was first seen: a byte offset in a capture or a line in a log. */
export interface Evidence {
  file: string;
  /** Bytes from the start of the (decompressed) file to the first record of the flow. */
  offset?: number;
  /** 1-based line number of the first log line of the flow. */
  line?: number;
}

/** What a firewall said about a flow (log line or PFLOG header). */
export interface FirewallVerdict {
  action: 'allowed' | 'denied';
  /** Rule, policy or ACL name/number as the firewall printed it. */
  rule?: string;
  /** Direction or interface words as printed (`in`, `out`, `inside`, `outside:eth1`...). */
  direction?: string;
  interface?: string;
  /** Log format that said it (`iptables`, `cisco-asa`, `pflog`, ...). */
  source: string;
  /** How many lines/packets carried a verdict for this flow. */
  count: number;
  /**
   * True when every denial for this flow was for a packet that was not a connection attempt
   * (TCP without SYN: late or out-of-state), which is never a blocked requirement.
   */
  lateOnly?: boolean;
}

/** Application marks set by the dynamic-port observers (FTP, portmapper, TFTP). */
export type AppMark =
  | {
      kind: 'ftp-data';
      mode: 'pasv' | 'epsv' | 'port' | 'eprt';
      /** Id of the FTP control flow that announced this data connection. */
      control: string;
      /** The control flow as text, `10.0.0.5:40112 → 10.1.0.7:21`. */
      controlText: string;
      /** The reply or command line that announced the port (control characters removed). */
      announcement: string;
      /** RFC 3339 time of the announcement. */
      announcedAt: string;
      /** True when the announced address differed from the control flow's server (PASV behind NAT). */
      nat?: boolean;
    }
  | {
      kind: 'rpc';
      program: number;
      version: number;
      /** Well-known program name (`nfs`, `mountd`, ...) when known. */
      programName?: string;
      /** Id of the portmapper flow that announced the port. */
      control: string;
      controlText: string;
      announcedAt: string;
      /** Transport of the portmapper flow (the call may go over UDP for a TCP service and back). */
      controlProto?: 'tcp' | 'udp';
    }
  | {
      kind: 'tftp-data';
      /** Id of the flow that carried the read/write request to port 69. */
      control: string;
      controlText: string;
      announcedAt: string;
    }
  | {
      /** The control channel itself, recognised by its content. */
      kind: 'ftp-control' | 'portmapper' | 'tftp-request';
    };

/** A flow as the flow table emits it. This is the stage `analyze` classifies. */
export interface Flow {
  /** Unique within one run: `<input index>.<sequence>` (e.g. `1.42`). */
  id: string;
  proto: ProtoName;
  client: Endpoint;
  server: Endpoint;
  /** True when client/server were inferred (mid-stream TCP, UDP, logs without direction). */
  directionInferred: boolean;
  /** RFC 3339 UTC with nanoseconds: `2024-05-01T12:03:05.221000000Z`. */
  first: string;
  last: string;
  packets: { client: number; server: number };
  /** Captures: frame bytes on the wire (original length, as tshark counts). Logs: as the log reports. */
  bytes: { client: number; server: number };
  /** Zeek-style history (TCP: S h A D F R, upper case from the client, lower from the server; `^` when flipped). */
  history: string;
  outcome: Outcome;
  evidence: Evidence;
  /** 802.1Q VLAN id of the first packet, when tagged. */
  vlan?: number;
  /** ICMP/ICMPv6 flows: type and code of the first packet. */
  icmp?: { type: number; code: number };
  /**
   * For flows with an ICMP error joined: the error that was joined (the first destination-unreachable
   * when there was one, else the first error), who sent it, and how many ICMP error packets named
   * this flow. Those packets are counted here, not in `packets`/`bytes` (which stay the transport
   * flow's own, as tshark and Zeek count them).
   */
  icmpError?: { type: number; code: number; from: string; packets?: number };
  firewall?: FirewallVerdict;
  app?: AppMark;
}

/**
 * One log line (or one flow tuple of a JSON log) as a firewall or flow log states it.
 * Parsers normalise endpoints so that `src` is the initiator whenever the format says so
 * (Cisco ASA `outbound` Built messages name the responder first; the parser swaps them).
 */
export interface Observation {
  /** Seconds since the Unix epoch (UTC) and the nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** IP protocol number (6, 17, 1, 58, 132, ...). */
  proto: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** What the firewall did; `unknown` for flow logs that only report traffic (Zeek, Suricata without action). */
  action: 'allowed' | 'denied' | 'unknown';
  /**
   * `attempt`: a connection attempt (TCP SYN without ACK, a line without flags, first UDP packet, ICMP echo).
   * `late`: TCP without SYN (ACK/PSH/FIN/RST): a late or out-of-state packet.
   * `session`: a session record (built/created/closed, flow-log summary) rather than one packet.
   */
  kind: 'attempt' | 'late' | 'session';
  /** True when `src` is known to be the initiator; false when the log only says packet direction. */
  initiatorKnown: boolean;
  /** TCP flags as the log printed them, as a bit set (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32). */
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  /** ICMP errors that quote the original packet (iptables `[SRC=... ]`): the flow the error refers to. */
  quoted?: { proto: number; src: string; srcPort: number; dst: string; dstPort: number };
  /**
   * Counts, when the log gives them: `src` → `dst` and back; `total` when the log gives only the
   * sum of both directions (Cisco ASA teardown `bytes N`).
   */
  packets?: { out?: number; back?: number; total?: number };
  bytes?: { out?: number; back?: number; total?: number };
  /** Session end time, when the record covers a span (flow logs, teardown messages). */
  endSec?: number;
  endNsec?: number;
  rule?: string;
  direction?: string;
  interface?: string;
  /**
   * Why a session ended, as the log printed it (ASA teardown `SYN Timeout`, `TCP FINs`; PAN-OS
   * `aged-out`, `tcp-rst-from-server`; SRX `TCP FIN`; FortiGate `timeout`, `ip-conn`). ASA
   * `SYN Timeout` and FortiGate `ip-conn` mean the responder never answered.
   */
  endReason?: string;
  /** A connection id that ties several lines to one flow (ASA Built/Teardown, SRX session id). */
  connId?: string;
  /**
   * The record describes the whole connection as its source finished it (a Zeek conn.log line, a
   * Suricata `flow` event): the flow table merges it with earlier lines of the same connection
   * and emits the flow at once, instead of holding it for lines that cannot come.
   */
  final?: boolean;
  /**
   * Flow logs that track connection state: Zeek's `conn_state` as printed (`S0`, `SF`, `REJ`, `OTH`, ...),
   * or the same vocabulary derived from a Suricata flow record. The flow table turns it into an
   * `Outcome` (mapping in docs/logs.md, `outcomeOfZeekConnState` in ingest/logs/zeek-conn.ts).
   */
  connState?: string;
  /** Zeek-style history string when the log carries one (Zeek conn.log `history`), `src` = originator. */
  history?: string;
  /** Registry name of the format that parsed the line (`iptables`, `cisco-asa`, ...). */
  format: string;
  evidence: Evidence;
}

export type AnomalySeverity = 'info' | 'warning' | 'error';

/** Something in the input that was not as the specification says: counted, never thrown. */
export interface Anomaly {
  /** Stable code, kebab-case: `truncated-record`, `bad-log-line`, `unknown-link-type`, ... */
  code: string;
  /** One line for a person: `capture.pcapng@0x1f40: truncated enhanced packet block (need 32 bytes, have 12)`. */
  message: string;
  /**
   * `info`: traffic that merely is not the protocol an observer looked for (a port-111 flow that
   * is not ONC RPC): counted in the JSON report, not printed as a warning.
   */
  severity: AnomalySeverity;
  file?: string;
  offset?: number;
  line?: number;
}

/** Counted anomalies: a count per code and the first few examples of each. */
export interface AnomalySummary {
  code: string;
  /** The most severe of its anomalies. */
  severity: AnomalySeverity;
  count: number;
  examples: Anomaly[];
}

/** Formats a flow's endpoints as text: `10.0.0.5:40112 → 10.1.0.7:21` (IPv6 in brackets). */
export type FlowText = string;
