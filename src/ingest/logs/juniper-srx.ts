/**
 * Juniper SRX (Junos OS) `RT_FLOW` session logs, in both of Junos's syslog shapes, and the
 * older ScreenOS (NetScreen) traffic log. Junos OS System Log Reference: RT_FLOW_SESSION_CREATE,
 * RT_FLOW_SESSION_CLOSE, RT_FLOW_SESSION_DENY (and their `_LS` logical-system forms); ScreenOS
 * Message Log Reference Guide, 00257 (traffic).
 *
 * Structured data (`set system syslog ... structured-data`, RFC 5424 SD-ELEMENT `junos@2636...`):
 *
 * | param | use |
 * |---|---|
 * | `source-address`, `source-port`, `destination-address`, `destination-port`, `protocol-id` | the session (source = client) |
 * | `policy-name`, `source-zone-name`, `destination-zone-name`, `packet-incoming-interface` | rule, direction, interface |
 * | `session-id-32` (or `session-id`) | connection id |
 * | `packets-from-client`, `bytes-from-client`, `packets-from-server`, `bytes-from-server`, `elapsed-time` | CLOSE counts and span |
 * | `reason` | CLOSE end reason / DENY reason |
 * | `icmp-type` | DENY of ICMP |
 *
 * Plain text (the default):
 * - `RT_FLOW_SESSION_CREATE: session created S/sp->D/dp [tag] service NS/nsp->ND/ndp [tag] <src-nat-rule> <dst-nat-rule> proto policy szone dzone id ...`
 * - `RT_FLOW_SESSION_CLOSE: session closed <reason>: S/sp->D/dp [tag] service NS/nsp->ND/ndp [tag] <src-nat-rule> <dst-nat-rule> proto policy szone dzone id pc(bc) ps(bs) elapsed ...`
 * - `RT_FLOW_SESSION_DENY: session denied S/sp->D/dp [tag] service proto(icmp-type) policy szone dzone ...`
 * The NAT rule columns grew with Junos releases (rule type + name), so fields after the tuples
 * are found by shape: the protocol is the first decimal token after the NAT tuple.
 *
 * CREATE → allowed session; CLOSE → allowed session with counts (start = time − elapsed);
 * DENY → denied attempt. ICMP sessions carry the ICMP id/type in the port columns: not ports.
 *
 * ScreenOS: `NetScreen device_id=... [Root]system-notification-00257(traffic): start_time="..."
 * duration=N policy_id=N service=... proto=N src zone=Z dst zone=Z action=Permit|Deny|Reject
 * sent=N rcvd=N src=A dst=B src_port=N dst_port=N ... session_id=N reason=...`.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { canonicalIp, parseIsoTime, parsePort, parseUint, protoNumber } from './fields.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'juniper-srx';

type Event = 'CREATE' | 'CLOSE' | 'DENY';

const EVENT_RX = /RT_FLOW_SESSION_(CREATE|CLOSE|DENY)(?:_LS)?\b/;

/** `name="value"` params of a structured-data element (RFC 5424 §6.3.3 escapes `\" \\ \]`). */
function readSdParams(line: string, from: number, out: Map<string, string>): Map<string, string> {
  out.clear();
  // A name is at most 64 characters (RFC 5424 allows 32): an unbounded name tried from every
  // start of a long run of name characters without `=` was quadratic in the line.
  const rx = /([A-Za-z0-9_.-]{1,64})=["\u201d]((?:[^"\\\u201d]|\\.)*)["\u201d]/g;
  rx.lastIndex = from;
  let m: RegExpExecArray | null;
  while ((m = rx.exec(line)) !== null) out.set(m[1]!, m[2]!.replace(/\\(.)/g, '$1'));
  return out;
}

function count(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = parseUint(v, 0, v.length);
  return n < 0 ? undefined : n;
}

/** `addr/port` (IPv6 has no `/`). */
function endpoint(text: string): { ip: string; port: number } | undefined {
  const slash = text.lastIndexOf('/');
  if (slash < 0) return undefined;
  const ip = canonicalIp(text, 0, slash);
  const port = parsePort(text, slash + 1);
  return ip === undefined || port < 0 ? undefined : { ip, port };
}

// `address/port->address/port`. Each side is at most 64 characters before its `/` (an IPv6
// address with a zone fits): an unbounded `\S+` would try every start in a long run of
// non-space characters and read to its end from each, quadratic in the line's length.
const TUPLE_RX = /(\S{1,64}\/\d+)->(\S{1,64}\/\d+)/g;

export const juniperSrxFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Juniper SRX RT_FLOW session logs (and ScreenOS traffic logs)',
  spec: 'Junos OS System Log Reference: RT_FLOW_SESSION_CREATE, RT_FLOW_SESSION_CLOSE, RT_FLOW_SESSION_DENY; ScreenOS message 00257',
  interleaved: true,
  sniff(line: string): number {
    if (line.indexOf('RT_FLOW_SESSION_') >= 0) return 85;
    if (line.indexOf('RT_FLOW') >= 0 || line.indexOf('APPTRACK_SESSION') >= 0) return 40;
    return line.indexOf('NetScreen device_id=') >= 0 ? 80 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    const params = new Map<string, string>();

    function make(ctx: LineContext, proto: number, src: { ip: string; port: number }, dst: { ip: string; port: number }, action: Observation['action'], kind: Observation['kind']): Observation {
      const icmp = proto === 1 || proto === 58;
      return {
        tsSec: h.sec,
        tsNsec: h.nsec,
        proto,
        src: src.ip,
        srcPort: icmp ? 0 : src.port,
        dst: dst.ip,
        dstPort: icmp ? 0 : dst.port,
        action,
        kind,
        initiatorKnown: true,
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
    }

    function finish(o: Observation, event: Event, elapsed: number | undefined): Observation {
      if (event === 'CLOSE') {
        o.endSec = o.tsSec;
        o.endNsec = o.tsNsec;
        if (elapsed !== undefined) {
          o.tsSec -= elapsed;
          o.tsNsec = 0;
        }
      }
      return o;
    }

    function structured(line: string, ctx: LineContext, event: Event, sdAt: number): LineResult {
      const p = readSdParams(line, sdAt, params);
      const sa = p.get('source-address');
      const da = p.get('destination-address');
      if (sa === undefined || da === undefined) return { error: `${event} without source-address/destination-address`, code: 'missing-field' };
      const src = canonicalIp(sa);
      if (src === undefined) return { error: `source-address "${sa}" is not an address`, code: 'bad-address' };
      const dst = canonicalIp(da);
      if (dst === undefined) return { error: `destination-address "${da}" is not an address`, code: 'bad-address' };
      const protoText = p.get('protocol-id') ?? '';
      const proto = protoNumber(protoText);
      if (proto < 0) return { error: `protocol-id "${protoText}" is not a protocol`, code: 'bad-protocol' };
      const icmp = proto === 1 || proto === 58;
      const sp = icmp ? 0 : parsePort(p.get('source-port') ?? '');
      const dp = icmp ? 0 : parsePort(p.get('destination-port') ?? '');
      if (sp < 0 || dp < 0) return { error: `port "${sp < 0 ? p.get('source-port') : p.get('destination-port')}" is not a number`, code: 'bad-port' };
      const denied = event === 'DENY';
      const o = make(ctx, proto, { ip: src, port: sp }, { ip: dst, port: dp }, denied ? 'denied' : 'allowed', denied ? 'attempt' : 'session');
      if (icmp && denied) {
        const t = count(p.get('icmp-type'));
        if (t !== undefined) o.icmpType = t;
      }
      const policy = p.get('policy-name');
      if (policy !== undefined && policy !== '') o.rule = policy;
      const sz = p.get('source-zone-name');
      const dz = p.get('destination-zone-name');
      if (sz !== undefined && dz !== undefined) o.direction = `${sz}->${dz}`;
      const intf = p.get('packet-incoming-interface');
      if (intf !== undefined && intf !== '') o.interface = intf;
      const sid = p.get('session-id-32') ?? p.get('session-id');
      if (sid !== undefined && sid !== '' && sid !== '0') o.connId = sid;
      if (event === 'CLOSE') {
        // RT_FLOW_SESSION_CLOSE: the session is over.
        o.final = true;
        const pc = count(p.get('packets-from-client'));
        const ps = count(p.get('packets-from-server'));
        const bc = count(p.get('bytes-from-client'));
        const bs = count(p.get('bytes-from-server'));
        if (pc !== undefined || ps !== undefined) o.packets = { ...(pc !== undefined ? { out: pc } : {}), ...(ps !== undefined ? { back: ps } : {}) };
        if (bc !== undefined || bs !== undefined) o.bytes = { ...(bc !== undefined ? { out: bc } : {}), ...(bs !== undefined ? { back: bs } : {}) };
      }
      const reason = p.get('reason');
      if (reason !== undefined && reason !== '' && event === 'CLOSE') o.endReason = reason;
      return finish(o, event, event === 'CLOSE' ? count(p.get('elapsed-time')) : undefined);
    }

    function plain(line: string, ctx: LineContext, event: Event, textAt: number): LineResult {
      const text = line.slice(textAt);
      let reason: string | undefined;
      if (event === 'CLOSE') {
        const m = /session closed ([^:]{0,256}):/.exec(text);
        if (m !== null) reason = m[1]!;
      }
      TUPLE_RX.lastIndex = 0;
      const first = TUPLE_RX.exec(text);
      if (first === null) return { error: `${event} without a source->destination tuple`, code: 'missing-field' };
      const src = endpoint(first[1]!);
      const dst = endpoint(first[2]!);
      if (src === undefined || dst === undefined) return { error: `tuple "${first[0]}" is not address/port->address/port`, code: 'bad-address' };
      const afterFirst = TUPLE_RX.lastIndex;
      let tokens: string[];
      let proto: number;
      let icmpType: number | undefined;
      let k: number;
      if (event === 'DENY') {
        // service proto(icmp-type) policy szone dzone ...
        tokens = text.slice(afterFirst).trim().split(/\s+/);
        k = tokens.findIndex((t) => /^\d+\(\d+\)$/.test(t));
        if (k < 0) return { error: 'DENY without protocol(icmp-type)', code: 'missing-field' };
        const pm = /^(\d+)\((\d+)\)$/.exec(tokens[k]!)!;
        proto = Number(pm[1]);
        icmpType = Number(pm[2]);
        // `\d+` admits any length: a protocol past 255 is no protocol.
        if (proto > 255) return { error: `protocol ${pm[1]!} is out of range`, code: 'bad-protocol' };
      } else {
        const second = TUPLE_RX.exec(text);
        const rest = text.slice(second === null ? afterFirst : TUPLE_RX.lastIndex).trim();
        tokens = rest.split(/\s+/);
        k = tokens.findIndex((t) => /^\d{1,3}$/.test(t) && Number(t) <= 255);
        if (k < 0) return { error: `${event} without a protocol number`, code: 'missing-field' };
        proto = Number(tokens[k]);
      }
      const denied = event === 'DENY';
      const o = make(ctx, proto, src, dst, denied ? 'denied' : 'allowed', denied ? 'attempt' : 'session');
      if (denied && (proto === 1 || proto === 58) && icmpType !== undefined) o.icmpType = icmpType;
      const policy = tokens[k + 1];
      if (policy !== undefined) o.rule = denied ? policy.replace(/\([^)]*\)$/, '') : policy;
      const sz = tokens[k + 2];
      const dz = tokens[k + 3];
      if (sz !== undefined && dz !== undefined) o.direction = `${sz}->${dz}`;
      let elapsed: number | undefined;
      if (!denied) {
        const sid = tokens[k + 4];
        if (sid !== undefined && /^\d+$/.test(sid) && sid !== '0') o.connId = sid;
        if (event === 'CLOSE') {
          o.final = true;
          const c = /^(\d+)\((\d+)\)$/.exec(tokens[k + 5] ?? '');
          const s = /^(\d+)\((\d+)\)$/.exec(tokens[k + 6] ?? '');
          // count(): at most 15 digits, so a counter cannot become Infinity or lose precision.
          const pc = count(c?.[1]);
          const bc = count(c?.[2]);
          const ps = count(s?.[1]);
          const bs = count(s?.[2]);
          if (pc !== undefined && bc !== undefined && ps !== undefined && bs !== undefined) {
            o.packets = { out: pc, back: ps };
            o.bytes = { out: bc, back: bs };
          }
          elapsed = count(tokens[k + 7]);
          if (reason !== undefined && reason !== '') o.endReason = reason;
        }
      }
      return finish(o, event, elapsed);
    }

    function screenos(line: string, ctx: LineContext): LineResult {
      const at = line.indexOf('(traffic):');
      if (at < 0) return { skip: 'ScreenOS event that is not a traffic log' };
      const text = line.slice(at + 10);
      const get = (key: string): string | undefined => {
        const m = new RegExp(`(?:^|\\s)${key}=("[^"]*"|\\S+)`).exec(text);
        return m === null ? undefined : m[1]!.replace(/^"|"$/g, '');
      };
      const sa = get('src');
      const da = get('dst');
      if (sa === undefined || da === undefined) return { error: 'traffic log without src/dst', code: 'missing-field' };
      const src = canonicalIp(sa);
      const dst = canonicalIp(da);
      if (src === undefined) return { error: `src "${sa}" is not an address`, code: 'bad-address' };
      if (dst === undefined) return { error: `dst "${da}" is not an address`, code: 'bad-address' };
      const proto = protoNumber(get('proto') ?? '');
      if (proto < 0) return { error: `proto "${get('proto') ?? ''}" is not a protocol`, code: 'bad-protocol' };
      const sp = get('src_port');
      const dp = get('dst_port');
      const sport = sp === undefined ? 0 : parsePort(sp);
      const dport = dp === undefined ? 0 : parsePort(dp);
      if (sport < 0 || dport < 0) return { error: `port "${sport < 0 ? sp : dp}" is not a number`, code: 'bad-port' };
      const actionText = (get('action') ?? '').toLowerCase();
      const denied = actionText === 'deny' || actionText === 'reject';
      const o = make(ctx, proto, { ip: src, port: sport }, { ip: dst, port: dport }, denied ? 'denied' : actionText === 'permit' ? 'allowed' : 'unknown', denied ? 'attempt' : 'session');
      const start = get('start_time');
      const tt = { sec: 0, nsec: 0 };
      if (start !== undefined && parseIsoTime(start, 0, options.utcOffsetMinutes, tt) > 0) {
        o.tsSec = tt.sec;
        o.tsNsec = 0;
        const duration = count(get('duration'));
        if (!denied && duration !== undefined && duration > 0) {
          o.endSec = tt.sec + duration;
          o.endNsec = 0;
        }
      }
      const policy = get('policy_id');
      if (policy !== undefined) o.rule = policy;
      const sz = /\bsrc zone=(\S+)/.exec(text)?.[1];
      const dz = /\bdst zone=(\S+)/.exec(text)?.[1];
      if (sz !== undefined && dz !== undefined) o.direction = `${sz}->${dz}`;
      const sent = count(get('sent'));
      const rcvd = count(get('rcvd'));
      if (sent !== undefined || rcvd !== undefined) o.bytes = { ...(sent !== undefined ? { out: sent } : {}), ...(rcvd !== undefined ? { back: rcvd } : {}) };
      const sid = get('session_id');
      if (sid !== undefined && sid !== '0') o.connId = sid;
      const reason = get('reason');
      if (reason !== undefined && !denied && reason !== 'Creation') o.endReason = reason;
      return o;
    }

    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      if (h.time === 'uptime') pctx.note?.('log-time-relative', 'times are seconds since boot: no date is known');
      const ev = EVENT_RX.exec(line);
      if (ev === null) {
        if (line.indexOf('NetScreen device_id=') >= 0) return screenos(line, ctx);
        return { skip: 'not an RT_FLOW session log' };
      }
      const word = ev[1];
      const event: Event | undefined = word === 'CREATE' || word === 'CLOSE' || word === 'DENY' ? word : undefined;
      if (event === undefined) return { skip: 'not an RT_FLOW session log' };
      const sd = line.indexOf('[junos@', ev.index);
      if (sd >= 0) return structured(line, ctx, event, sd);
      return plain(line, ctx, event, ev.index + ev[0].length);
    };
  },
};
