/**
 * Suricata EVE JSON (`eve.json`), one event per line. Spec: Suricata user guide, "Eve JSON
 * Format" (common section: timestamp, flow_id, in_iface, event_type, src_ip, src_port, dest_ip,
 * dest_port, proto; event types flow, netflow, alert, drop) and "Eve JSON Output".
 *
 * Events read (every other event type is skipped):
 *   flow     a bidirectional flow record: src is the side that sent the first packet (Suricata's
 *            "to server" direction). flow.pkts_toserver/pkts_toclient → packets.out/.back,
 *            flow.bytes_toserver/bytes_toclient → bytes.out/.back, flow.start/end → ts/endSec,
 *            flow.action drop|reject (IPS) → denied, otherwise `unknown`; kind `session`.
 *            connState is derived in Zeek's vocabulary from tcp.tcp_flags_ts/tcp_flags_tc and
 *            the packet counts: REJ (server answered the SYN with RST), S0 (nothing came back),
 *            S1 (SYN-ACK came back), OTH (no SYN from the client seen); UDP S0/SF; ICMP SF/OTH.
 *   netflow  one direction of a flow (netflow.pkts/bytes/start/end): packets.out/bytes.out,
 *            initiatorKnown false (the reply direction is a record of its own).
 *   drop     a packet an IPS dropped: denied; drop.syn/ack/fin/rst/psh/urg → tcpFlags
 *            (SYN without ACK: attempt; other flags: late).
 *   alert    only when alert.action is `blocked` (IPS drop or reject rule): denied. Alerts fire
 *            on the packet that matched, in either direction: `flow.src_ip` (Suricata 7) or
 *            `direction: to_client` restore the flow's orientation. A TCP alert after the server
 *            answered (flow.pkts_toclient > 0) is `late`: the connection was open.
 * Protocol names are Suricata's (TCP, UDP, ICMP, IPv6-ICMP, SCTP, or a number); for ICMP the
 * top-level icmp_type/icmp_code are kept and ports are 0.
 */
import type { Observation } from '../../model.js';
import { IPPROTO } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions } from './format.js';
import {
  canonicalIp,
  packetKind,
  parseDateTime,
  protoNumber,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from './fields.js';
import type { JsonObject, JsonValue } from './json-stream.js';
import { int, isJsonObject, obj, str, text } from './json-stream.js';

const NAME = 'suricata-eve';

/** Hex flag text (`"1b"`) → bit set, or undefined. */
function hexFlags(s: string | undefined): number | undefined {
  if (s === undefined || !/^[0-9a-fA-F]{1,2}$/.test(s)) return undefined;
  return parseInt(s, 16);
}

/** Zeek-style conn_state for a Suricata flow record (see the header comment). */
function connStateOfFlow(proto: number, ev: JsonObject, flow: JsonObject): string | undefined {
  const toClient = int(flow, 'pkts_toclient');
  const toServer = int(flow, 'pkts_toserver');
  if (proto === IPPROTO.tcp) {
    const tcp = obj(ev, 'tcp');
    const ts = hexFlags(str(tcp, 'tcp_flags_ts'));
    const tc = hexFlags(str(tcp, 'tcp_flags_tc'));
    if (ts === undefined) return undefined;
    if ((ts & TCP_SYN) === 0) return 'OTH';
    const fromServer = tc ?? 0;
    if ((fromServer & TCP_SYN) !== 0 && (fromServer & TCP_ACK) !== 0) return 'S1';
    if ((fromServer & TCP_RST) !== 0) return 'REJ';
    if (toClient === 0 || tc === undefined) return 'S0';
    return 'OTH';
  }
  if (toClient === undefined || toServer === undefined) return undefined;
  if (proto === IPPROTO.udp) return toClient > 0 ? 'SF' : 'S0';
  return toClient > 0 && toServer > 0 ? 'SF' : 'OTH';
}

interface Tuple {
  proto: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

/** Reads the five-tuple of the event's common section (or of `flow` for oriented alerts). */
function tupleOf(o: JsonObject, srcKey: string, srcPortKey: string, dstKey: string, dstPortKey: string, proto: number): Tuple | { error: string } {
  const s = str(o, srcKey);
  const d = str(o, dstKey);
  if (s === undefined || d === undefined) return { error: `no ${srcKey} or ${dstKey}` };
  const src = canonicalIp(s);
  const dst = canonicalIp(d);
  if (src === undefined) return { error: `${srcKey} "${s}" is not an IP address` };
  if (dst === undefined) return { error: `${dstKey} "${d}" is not an IP address` };
  const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
  let srcPort = 0;
  let dstPort = 0;
  if (hasPorts) {
    const sp = int(o, srcPortKey);
    const dp = int(o, dstPortKey);
    if (sp === undefined || sp > 65535) return { error: `${srcPortKey} ${JSON.stringify(o[srcPortKey] ?? null)} is not a port` };
    if (dp === undefined || dp > 65535) return { error: `${dstPortKey} ${JSON.stringify(o[dstPortKey] ?? null)} is not a port` };
    srcPort = sp;
    dstPort = dp;
  }
  return { proto, src, srcPort, dst, dstPort };
}

function setCounts(obs: Observation, pOut: number | undefined, pBack: number | undefined, bOut: number | undefined, bBack: number | undefined): void {
  if (pOut !== undefined || pBack !== undefined) {
    obs.packets = {};
    if (pOut !== undefined) obs.packets.out = pOut;
    if (pBack !== undefined) obs.packets.back = pBack;
  }
  if (bOut !== undefined || bBack !== undefined) {
    obs.bytes = {};
    if (bOut !== undefined) obs.bytes.out = bOut;
    if (bBack !== undefined) obs.bytes.back = bBack;
  }
}

export function observationOfEveEvent(ev: JsonObject, file: string, line: number): LineResult {
  const type = str(ev, 'event_type');
  if (type === undefined) return { skip: 'no event_type' };
  const alert = obj(ev, 'alert');
  const blockedAlert = type === 'alert' && str(alert, 'action') === 'blocked';
  if (type !== 'flow' && type !== 'netflow' && type !== 'drop' && !blockedAlert) return { skip: `event_type ${type}` };

  const protoText = text(ev, 'proto');
  const proto = protoText === undefined ? -1 : protoNumber(protoText);
  if (proto < 0) return { code: 'suricata-bad-field', error: `proto "${protoText ?? '-'}" is not a protocol name or number` };

  const flow = obj(ev, 'flow');
  let t = tupleOf(ev, 'src_ip', 'src_port', 'dest_ip', 'dest_port', proto);
  if ('error' in t) return { code: 'suricata-bad-field', error: t.error };
  let initiatorKnown = type === 'flow';
  if (blockedAlert) {
    // Alerts name the packet's direction; restore the flow's (Suricata 7: flow.src_ip; older: direction).
    const oriented = flow !== undefined && str(flow, 'src_ip') !== undefined ? tupleOf(flow, 'src_ip', 'src_port', 'dest_ip', 'dest_port', proto) : undefined;
    if (oriented !== undefined && !('error' in oriented)) {
      t = oriented;
      initiatorKnown = true;
    } else {
      const dir = str(ev, 'direction');
      if (dir === 'to_client') t = { proto, src: t.dst, srcPort: t.dstPort, dst: t.src, dstPort: t.srcPort };
      initiatorKnown = dir === 'to_client' || dir === 'to_server';
    }
  }

  const net = obj(ev, 'netflow');
  const startText = type === 'flow' ? str(flow, 'start') : type === 'netflow' ? str(net, 'start') : undefined;
  const when = startText ?? str(ev, 'timestamp');
  if (when === undefined) return { code: 'suricata-missing-field', error: 'no timestamp' };
  const ts = parseDateTime(when);
  if (ts === undefined) return { code: 'suricata-bad-field', error: `time "${when}" is not an ISO 8601 time` };

  let action: Observation['action'] = 'unknown';
  let kind: Observation['kind'] = 'session';
  let tcpFlags: number | undefined;
  if (type === 'flow') {
    const fa = str(flow, 'action');
    if (fa === 'drop' || fa === 'reject') {
      action = 'denied';
      kind = 'attempt';
    }
  } else if (type === 'drop') {
    action = 'denied';
    const d = obj(ev, 'drop');
    if (proto === IPPROTO.tcp && d !== undefined) {
      const bit = (k: string, b: number): number => (d[k] === true ? b : 0);
      tcpFlags = bit('fin', TCP_FIN) | bit('syn', TCP_SYN) | bit('rst', TCP_RST) | bit('psh', TCP_PSH) | bit('ack', TCP_ACK) | bit('urg', TCP_URG);
      kind = packetKind(IPPROTO.tcp, tcpFlags === 0 ? undefined : tcpFlags, undefined);
      initiatorKnown = kind === 'attempt' && tcpFlags !== 0;
    } else kind = 'attempt';
  } else if (blockedAlert) {
    action = 'denied';
    kind = proto === IPPROTO.tcp && (int(flow, 'pkts_toclient') ?? 0) > 0 ? 'late' : 'attempt';
  }

  const obs: Observation = {
    tsSec: ts.sec,
    tsNsec: ts.nsec,
    proto,
    src: t.src,
    srcPort: t.srcPort,
    dst: t.dst,
    dstPort: t.dstPort,
    action,
    kind,
    initiatorKnown,
    format: NAME,
    evidence: { file, line },
  };
  if (tcpFlags !== undefined && tcpFlags !== 0) obs.tcpFlags = tcpFlags;
  if (proto === IPPROTO.icmp || proto === IPPROTO.icmpv6) {
    const it = int(ev, 'icmp_type');
    const ic = int(ev, 'icmp_code');
    if (it !== undefined) obs.icmpType = it;
    if (ic !== undefined) obs.icmpCode = ic;
  }
  if (type === 'flow' && flow !== undefined) {
    setCounts(obs, int(flow, 'pkts_toserver'), int(flow, 'pkts_toclient'), int(flow, 'bytes_toserver'), int(flow, 'bytes_toclient'));
    const end = str(flow, 'end');
    const e = end === undefined ? undefined : parseDateTime(end);
    if (e !== undefined) {
      obs.endSec = e.sec;
      obs.endNsec = e.nsec;
    }
    const cs = connStateOfFlow(proto, ev, flow);
    if (cs !== undefined) obs.connState = cs;
    // Suricata writes a flow event once, when the flow ends (timeout, shutdown): nothing follows it.
    obs.final = true;
  } else if (type === 'netflow' && net !== undefined) {
    setCounts(obs, int(net, 'pkts'), undefined, int(net, 'bytes'), undefined);
    const end = str(net, 'end');
    const e = end === undefined ? undefined : parseDateTime(end);
    if (e !== undefined) {
      obs.endSec = e.sec;
      obs.endNsec = e.nsec;
    }
  }
  if (blockedAlert && alert !== undefined) {
    const sig = str(alert, 'signature');
    const sid = int(alert, 'signature_id');
    if (sid !== undefined) obs.rule = sig === undefined ? `sid ${sid}` : `sid ${sid}: ${sig}`;
  }
  const flowId = text(ev, 'flow_id');
  if (flowId !== undefined) obs.connId = flowId;
  const iface = str(ev, 'in_iface');
  if (iface !== undefined) obs.interface = iface;
  return obs;
}

/** The raw digits of `"flow_id"`: 16-17 digit ids do not survive a double. */
const FLOW_ID_RE = /"flow_id"\s*:\s*(\d+)/;

function createSuricataEveParser(_file: { file: string; options: LogOptions }): (line: string, ctx: LineContext) => LineResult {
  return (line: string, ctx: LineContext): LineResult => {
    const t = line.trim();
    if (t.length === 0) return { skip: 'blank line' };
    let v: JsonValue;
    try {
      v = JSON.parse(t) as JsonValue;
    } catch {
      return { code: 'suricata-bad-json', error: 'not valid JSON' };
    }
    if (!isJsonObject(v)) return { code: 'suricata-bad-json', error: 'not a JSON object' };
    const r = observationOfEveEvent(v, ctx.file, ctx.line);
    if (!Array.isArray(r) && 'connId' in r) {
      const raw = FLOW_ID_RE.exec(t)?.[1];
      if (raw !== undefined) r.connId = raw;
    }
    return r;
  };
}

export const suricataEveFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Suricata EVE JSON (flow, netflow, drop and blocked alert events)',
  spec: 'Suricata user guide: "Eve JSON Format" and "Eve JSON Output"',
  sniff(line: string): number {
    if (line.charCodeAt(0) !== 123 || !line.includes('"event_type"')) return 0;
    if (line.includes('"src_ip"') && line.includes('"dest_ip"')) return 95;
    return 50; // stats and other events open many eve.json files
  },
  createParser: createSuricataEveParser,
};
