/**
 * Zeek (formerly Bro) `conn.log`, TSV or JSON. Spec: Zeek documentation, "Logs › conn.log"
 * (fields, conn_state values, history letters) and "Zeek's log formats" (the ASCII writer's
 * `#separator`, `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#fields`, `#types`
 * header lines; the JSON writer's one object per line with dotted keys).
 *
 * TSV columns come from `#fields`. Without a header (lines cut out of a log) the documented
 * column orders are assumed by count: 20 columns = Bro 2.x (no `local_resp`); 21 or more = the
 * current order, whose first 21 columns are:
 *   ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes
 *   conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts
 *   resp_ip_bytes tunnel_parents
 *
 * Field                   → Observation
 *   ts (+ duration)       tsSec/tsNsec (+ endSec/endNsec); epoch seconds or ISO 8601 in JSON
 *   id.orig_h/_p          src, srcPort: the originator, Zeek's initiator
 *   id.resp_h/_p          dst, dstPort (ICMP: orig_p is the type; resp_p is the counterpart type for
 *                         request/reply types, such as 8 → 0, and the code for one-way types — Zeek's
 *                         ICMP4_counterpart/ICMP6_counterpart — so the code is 0 or resp_p accordingly)
 *   proto                 tcp / udp / icmp (ICMPv6 too: told by the address family); ip_proto when present
 *   conn_state            connState, as printed (the flow table maps it: `outcomeOfZeekConnState`)
 *   history               history, as printed (letters and `^` only)
 *   orig_pkts, resp_pkts  packets.out / .back
 *   orig_ip_bytes, ...    bytes.out / .back (IP-level; orig_bytes/resp_bytes, payload only, when absent)
 *   uid                   connId
 * Zeek only reports traffic: `action` is `unknown`, `kind` is `session`. The originator is the
 * initiator when Zeek saw the first packet; a `^` in history (Zeek flipped the endpoints) or a
 * state that saw no SYN from the originator (OTH, SHR, RSTRH) leaves `initiatorKnown` false.
 */
import type { Observation, Outcome } from '../../model.js';
import { IPPROTO } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions } from './format.js';
import { canonicalIp, isIpv6, parseCount, parseDateTime, parseEpochSeconds, parsePort, protoNumber } from './fields.js';
import type { JsonObject, JsonValue } from './json-stream.js';
import { int, isJsonObject, str, text } from './json-stream.js';

const NAME = 'zeek-conn';

/**
 * Zeek conn_state → portolan outcome (docs/logs.md has the table and the reasons).
 * TCP follows Zeek's definitions; for UDP, ICMP and others Zeek uses S0 (originator only),
 * SHR (responder only), SF (both) and OTH (ICMP and the rest): OTH becomes `established` when
 * packets went both ways and `partial` otherwise.
 */
export function outcomeOfZeekConnState(
  state: string,
  proto: number,
  counts: { orig?: number | undefined; resp?: number | undefined } = {},
): Outcome | undefined {
  switch (state) {
    case 'S0': // connection attempt seen, no reply
    case 'RSTOS0': // originator sent a SYN then a RST, no SYN-ACK seen
    case 'SH': // originator sent a SYN then a FIN, no SYN-ACK seen ("half open")
      return 'unanswered';
    case 'REJ': // connection attempt rejected (SYN answered by RST)
      return 'rejected';
    case 'S1': // established, not terminated
    case 'S2': // established, close attempt by originator seen (no reply from responder)
    case 'S3': // established, close attempt by responder seen (no reply from originator)
    case 'SF': // normal establishment and termination
    case 'RSTO': // established, originator aborted (sent a RST)
    case 'RSTR': // responder sent a RST (after the handshake)
      return 'established';
    case 'RSTRH': // responder sent a SYN-ACK then a RST, no SYN from the originator seen
    case 'SHR': // responder sent a SYN-ACK then a FIN (UDP: only responder packets), no SYN seen
      return 'partial';
    case 'OTH': // no SYN seen, midstream traffic; ICMP and non-TCP/UDP always
      if (proto !== IPPROTO.tcp && (counts.orig ?? 0) > 0 && (counts.resp ?? 0) > 0) return 'established';
      return 'partial';
    default:
      return undefined;
  }
}

/** TCP states in which the originator is not known to have sent the first packet (no SYN from it seen). */
const TCP_ORIGINATOR_GUESSED: ReadonlySet<string> = new Set(['OTH', 'SHR', 'RSTRH']);

/**
 * ICMP and ICMPv6 types that have a counterpart (request/reply pairs, code always 0): for them
 * Zeek logs the counterpart type as id.resp_p, for every other type the code.
 */
const ICMP4_TWO_WAY: ReadonlySet<number> = new Set([0, 8, 9, 10, 13, 14, 15, 16, 17, 18]);
const ICMP6_TWO_WAY: ReadonlySet<number> = new Set([128, 129, 130, 131, 133, 134, 135, 136, 139, 140, 144, 145]);

/** The values one conn record gives, as text, whatever the writer. */
interface ConnFields {
  ts: string | undefined;
  uid: string | undefined;
  origH: string | undefined;
  origP: string | undefined;
  respH: string | undefined;
  respP: string | undefined;
  proto: string | undefined;
  ipProto: string | undefined;
  duration: string | undefined;
  connState: string | undefined;
  history: string | undefined;
  origPkts: string | undefined;
  respPkts: string | undefined;
  origIpBytes: string | undefined;
  respIpBytes: string | undefined;
  origBytes: string | undefined;
  respBytes: string | undefined;
}

/** A Zeek `history` value: letters and the `^` flip mark, bounded. */
const ZEEK_HISTORY = /^\^?[A-Za-z]{1,64}$/;

function observationOfConn(v: ConnFields, file: string, line: number): LineResult {
  if (v.ts === undefined) return { code: 'zeek-missing-field', error: 'no ts' };
  const ts = /^\d/.test(v.ts) && !v.ts.includes('-') ? parseEpochSeconds(v.ts) : parseDateTime(v.ts);
  if (ts === undefined) return { code: 'zeek-bad-field', error: `ts "${v.ts}" is not an epoch time or ISO 8601` };
  if (v.origH === undefined || v.respH === undefined) return { code: 'zeek-missing-field', error: 'no id.orig_h or id.resp_h' };
  const src = canonicalIp(v.origH);
  const dst = canonicalIp(v.respH);
  if (src === undefined) return { code: 'zeek-bad-field', error: `id.orig_h "${v.origH}" is not an IP address` };
  if (dst === undefined) return { code: 'zeek-bad-field', error: `id.resp_h "${v.respH}" is not an IP address` };

  let proto = -1;
  if (v.ipProto !== undefined) proto = protoNumber(v.ipProto);
  if (proto < 0) {
    if (v.proto === 'icmp') proto = isIpv6(src) ? IPPROTO.icmpv6 : IPPROTO.icmp;
    else if (v.proto === 'unknown_transport') return { skip: 'proto unknown_transport without ip_proto: protocol number not logged' };
    else proto = v.proto === undefined ? -1 : protoNumber(v.proto);
  }
  if (proto < 0) return { code: 'zeek-bad-field', error: `proto "${v.proto ?? '-'}" is not tcp, udp or icmp` };

  const op = parsePort(v.origP ?? '');
  const rp = parsePort(v.respP ?? '');
  const icmp = proto === IPPROTO.icmp || proto === IPPROTO.icmpv6;
  const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
  if (hasPorts && op < 0) return { code: 'zeek-bad-field', error: `id.orig_p "${v.origP ?? '-'}" is not a port` };
  if (hasPorts && rp < 0) return { code: 'zeek-bad-field', error: `id.resp_p "${v.respP ?? '-'}" is not a port` };

  const state = v.connState;
  const history = v.history ?? '';
  const obs: Observation = {
    tsSec: ts.sec,
    tsNsec: ts.nsec,
    proto,
    src,
    srcPort: hasPorts ? op : 0,
    dst,
    dstPort: hasPorts ? rp : 0,
    action: 'unknown',
    kind: 'session',
    initiatorKnown:
      !history.startsWith('^') &&
      !(state !== undefined && (proto === IPPROTO.tcp ? TCP_ORIGINATOR_GUESSED.has(state) : state === 'SHR')),
    format: NAME,
    evidence: { file, line },
  };
  if (icmp && op >= 0) {
    obs.icmpType = op;
    const twoWay = (proto === IPPROTO.icmp ? ICMP4_TWO_WAY : ICMP6_TWO_WAY).has(op);
    if (twoWay) obs.icmpCode = 0;
    else if (rp >= 0) obs.icmpCode = rp;
  }
  if (state !== undefined) obs.connState = state;
  // Zeek's own history letters, kept as logged (a hostile field is only letters and `^`, and short).
  if (ZEEK_HISTORY.test(history)) obs.history = history;
  if (v.uid !== undefined) obs.connId = v.uid;
  // Zeek writes a conn.log line once, when the connection is over: nothing more comes for it.
  obs.final = true;
  const op2 = parseCount(v.origPkts);
  const rp2 = parseCount(v.respPkts);
  if (op2 !== undefined || rp2 !== undefined) {
    obs.packets = {};
    if (op2 !== undefined) obs.packets.out = op2;
    if (rp2 !== undefined) obs.packets.back = rp2;
  }
  const ob = parseCount(v.origIpBytes) ?? parseCount(v.origBytes);
  const rb = parseCount(v.respIpBytes) ?? parseCount(v.respBytes);
  if (ob !== undefined || rb !== undefined) {
    obs.bytes = {};
    if (ob !== undefined) obs.bytes.out = ob;
    if (rb !== undefined) obs.bytes.back = rb;
  }
  if (v.duration !== undefined) {
    const d = parseEpochSeconds(v.duration);
    if (d !== undefined) {
      let sec = ts.sec + d.sec;
      let nsec = ts.nsec + d.nsec;
      if (nsec >= 1e9) {
        nsec -= 1e9;
        sec += 1;
      }
      obs.endSec = sec;
      obs.endNsec = nsec;
    }
  }
  return obs;
}

// ---------------------------------------------------------------- TSV

const FIELDS_BRO2 = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes',
  'conn_state', 'local_orig', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes', 'tunnel_parents',
];
const FIELDS_CURRENT = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes', 'resp_bytes',
  'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes',
  'tunnel_parents',
];

interface TsvColumns {
  ts: number;
  uid: number;
  origH: number;
  origP: number;
  respH: number;
  respP: number;
  proto: number;
  ipProto: number;
  duration: number;
  connState: number;
  history: number;
  origPkts: number;
  respPkts: number;
  origIpBytes: number;
  respIpBytes: number;
  origBytes: number;
  respBytes: number;
}

function tsvColumnsOf(names: readonly string[]): TsvColumns {
  const at = (n: string): number => names.indexOf(n);
  return {
    ts: at('ts'),
    uid: at('uid'),
    origH: at('id.orig_h'),
    origP: at('id.orig_p'),
    respH: at('id.resp_h'),
    respP: at('id.resp_p'),
    proto: at('proto'),
    ipProto: at('ip_proto'),
    duration: at('duration'),
    connState: at('conn_state'),
    history: at('history'),
    origPkts: at('orig_pkts'),
    respPkts: at('resp_pkts'),
    origIpBytes: at('orig_ip_bytes'),
    respIpBytes: at('resp_ip_bytes'),
    origBytes: at('orig_bytes'),
    respBytes: at('resp_bytes'),
  };
}

const BRO2_COLUMNS = tsvColumnsOf(FIELDS_BRO2);
const CURRENT_COLUMNS = tsvColumnsOf(FIELDS_CURRENT);

/** `\x09` → a tab: the ASCII writer escapes its separator in the `#separator` line. */
function unescapeZeek(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

// ---------------------------------------------------------------- JSON

/** The raw text of a top-level numeric `"ts"`, so nanoseconds survive (JSON.parse rounds to a double). */
const JSON_TS_RE = /"ts"\s*:\s*(\d+(?:\.\d+)?)\s*[,}]/;

function jsonFields(o: JsonObject, rawTs: string | undefined): ConnFields {
  const id = isJsonObject(o['id']) ? o['id'] : undefined; // some shippers nest id.* as an object
  const get = (dotted: string, nested: string): string | undefined => text(o, dotted) ?? text(id, nested);
  const count = (k: string): string | undefined => {
    const n = int(o, k);
    return n === undefined ? undefined : String(n);
  };
  return {
    ts: rawTs ?? text(o, 'ts'),
    uid: str(o, 'uid'),
    origH: get('id.orig_h', 'orig_h'),
    origP: get('id.orig_p', 'orig_p'),
    respH: get('id.resp_h', 'resp_h'),
    respP: get('id.resp_p', 'resp_p'),
    proto: str(o, 'proto'),
    ipProto: text(o, 'ip_proto'),
    duration: text(o, 'duration'),
    connState: str(o, 'conn_state'),
    history: str(o, 'history'),
    origPkts: count('orig_pkts'),
    respPkts: count('resp_pkts'),
    origIpBytes: count('orig_ip_bytes'),
    respIpBytes: count('resp_ip_bytes'),
    origBytes: count('orig_bytes'),
    respBytes: count('resp_bytes'),
  };
}

function createZeekConnParser(_file: { file: string; options: LogOptions }): (line: string, ctx: LineContext) => LineResult {
  let separator = '\t';
  let unset = '-';
  let empty = '(empty)';
  let path: string | undefined;
  let columns: TsvColumns | undefined;

  return (raw: string, ctx: LineContext): LineResult => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return { skip: 'blank line' };

    if (line.charCodeAt(0) === 123 /* { */) {
      let v: JsonValue;
      try {
        v = JSON.parse(line) as JsonValue;
      } catch {
        return { code: 'zeek-bad-json', error: 'not valid JSON' };
      }
      if (!isJsonObject(v)) return { code: 'zeek-bad-json', error: 'not a JSON object' };
      const p = str(v, '_path');
      if (p !== undefined && p !== 'conn') return { skip: `Zeek ${p}.log record, not conn` };
      if (v['id.orig_h'] === undefined && !isJsonObject(v['id'])) return { skip: 'not a conn record (no id.orig_h)' };
      return observationOfConn(jsonFields(v, JSON_TS_RE.exec(line)?.[1]), ctx.file, ctx.line);
    }

    if (line.charCodeAt(0) === 35 /* # */) {
      if (line.startsWith('#separator')) {
        separator = unescapeZeek(line.slice('#separator'.length).trim()) || '\t';
        return { skip: 'header' };
      }
      const parts = line.split(separator);
      const key = parts[0];
      if (key === '#fields') columns = tsvColumnsOf(parts.slice(1));
      else if (key === '#unset_field' && parts[1] !== undefined) unset = parts[1];
      else if (key === '#empty_field' && parts[1] !== undefined) empty = parts[1];
      else if (key === '#path' && parts[1] !== undefined) path = parts[1];
      return { skip: 'header' };
    }

    if (path !== undefined && path !== 'conn') return { skip: `Zeek ${path}.log record, not conn` };
    const f = line.split(separator);
    let c = columns;
    if (c === undefined) {
      if (f.length === FIELDS_BRO2.length) c = BRO2_COLUMNS;
      else if (f.length >= FIELDS_CURRENT.length) c = CURRENT_COLUMNS;
      else return { code: 'zeek-no-header', error: `no #fields header and ${f.length} columns is not a conn.log layout (20, or 21 and more)` };
    }
    const get = (i: number): string | undefined => {
      if (i < 0) return undefined;
      const s = f[i];
      return s === undefined || s === unset || s === empty ? undefined : s;
    };
    return observationOfConn(
      {
        ts: get(c.ts),
        uid: get(c.uid),
        origH: get(c.origH),
        origP: get(c.origP),
        respH: get(c.respH),
        respP: get(c.respP),
        proto: get(c.proto),
        ipProto: get(c.ipProto),
        duration: get(c.duration),
        connState: get(c.connState),
        history: get(c.history),
        origPkts: get(c.origPkts),
        respPkts: get(c.respPkts),
        origIpBytes: get(c.origIpBytes),
        respIpBytes: get(c.respIpBytes),
        origBytes: get(c.origBytes),
        respBytes: get(c.respBytes),
      },
      ctx.file,
      ctx.line,
    );
  };
}

const CONN_STATES = /^(S0|S1|S2|S3|SF|REJ|RSTO|RSTR|RSTOS0|RSTRH|SH|SHR|OTH)$/;

export const zeekConnFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Zeek conn.log (TSV with #fields header, or JSON lines)',
  spec: 'Zeek documentation: "Logs > conn.log" and "Zeek log formats" (ASCII and JSON writers)',
  sniff(line: string): number {
    if (line.startsWith('#fields\t') && line.includes('\tid.orig_h\t') && line.includes('\tconn_state')) return 100;
    if (line.startsWith('#path\tconn')) return 100;
    if (line.startsWith('#separator ')) return 60;
    if (line.charCodeAt(0) === 123) {
      if (line.includes('"id.orig_h"') && line.includes('"conn_state"')) return 95;
      if (line.includes('"id.orig_h"')) return 20;
      return 0;
    }
    const f = line.split('\t');
    if (f.length >= 20 && /^\d+\.\d+$/.test(f[0]!) && /^(tcp|udp|icmp|unknown_transport)$/.test(f[6]!) && CONN_STATES.test(f[11]!)) return 90;
    return 0;
  },
  createParser: createZeekConnParser,
};
