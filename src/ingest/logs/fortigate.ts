/**
 * Fortinet FortiGate (FortiOS) traffic logs: `key=value` pairs, values bare or in double quotes,
 * with or without a syslog header. FortiOS Log Message Reference (6.0–7.6), traffic log ids
 * 0000000013 (forward), 0001000014 (local), 0000000020/0000000021, 0002000012 (multicast),
 * 0004000017 (sniffer) and the rest of type `traffic`; other types (`event`, `utm`) are skipped.
 *
 * | field | meaning |
 * |---|---|
 * | `type`, `subtype` | `traffic` / `forward`, `local`, `multicast`, `sniffer` |
 * | `date`, `time`, `tz` | device local date and time, optional `tz="-0800"` |
 * | `eventtime` | Unix time in s, ms, µs or ns (by its number of digits): preferred when present |
 * | `srcip`, `srcport`, `dstip`, `dstport`, `proto` | the session (source = initiator) |
 * | `action` | see below |
 * | `policyid`, `policyname` | the policy |
 * | `sentbyte`, `rcvdbyte`, `sentpkt`, `rcvdpkt`, `duration` | counts (sent = source → destination) |
 * | `srcintf`, `dstintf`, `sessionid` | interface, connection id |
 * | `icmptype`, `icmpcode` | ICMP sessions: type and code, written `0x08` (hex) or `8` |
 *
 * `action` (FortiOS: "deny = blocked by firewall policy; all others = allowed by firewall policy
 * and the status indicates how it was closed"): `deny` → denied attempt; `accept`, `start`,
 * `close`, `timeout`, `client-rst`, `server-rst`, `dns` → allowed session; `ip-conn` (failed
 * connection attempt) → allowed session whose end reason says the responder never answered.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { canonicalIp, daysFromCivil, digitsAt, parsePort, parseUint, protoNumber } from './fields.js';
import { readKeyValues } from './kv.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'fortigate';

const ALLOWED_ACTIONS = new Set(['accept', 'start', 'close', 'timeout', 'client-rst', 'server-rst', 'dns', 'ip-conn']);

/** `eventtime` in s/ms/µs/ns by digit count → seconds and nanoseconds. */
function eventTime(text: string, out: { sec: number; nsec: number }): boolean {
  const n = text.length;
  if (n < 10 || n > 19 || parseUint(text, 0, Math.min(n, 15)) < 0 || (n > 15 && parseUint(text, 15, n) < 0)) return false;
  out.sec = parseUint(text, 0, 10);
  const frac = text.slice(10);
  out.nsec = frac.length === 0 ? 0 : Number((frac + '000000000').slice(0, 9));
  return true;
}

/** `date=YYYY-MM-DD time=hh:mm:ss` with `tz=±hhmm` or the configured offset. */
function localTime(date: string, time: string, tz: string | undefined, utcOffsetMinutes: number): number {
  const y = digitsAt(date, 0, 4);
  const mo = digitsAt(date, 5, 2);
  const d = digitsAt(date, 8, 2);
  const hh = digitsAt(time, 0, 2);
  const mm = digitsAt(time, 3, 2);
  const ss = digitsAt(time, 6, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || hh < 0 || mm < 0 || ss < 0) return NaN;
  let offset = utcOffsetMinutes;
  if (tz !== undefined && /^[+-]\d{4}$/.test(tz)) {
    offset = (tz.charCodeAt(0) === 45 ? -1 : 1) * (digitsAt(tz, 1, 2) * 60 + digitsAt(tz, 3, 2));
  }
  return daysFromCivil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - offset * 60;
}

/** `0x08` or `8` → 8; -1 when absent or not a byte. */
function icmpNumber(v: string | undefined): number {
  if (v === undefined || v === '') return -1;
  const hex = v.length > 2 && v.charCodeAt(0) === 48 && (v.charCodeAt(1) | 0x20) === 120;
  const n = hex ? (/^[0-9a-fA-F]{1,2}$/.test(v.slice(2)) ? parseInt(v.slice(2), 16) : -1) : parseUint(v, 0, v.length);
  return n >= 0 && n <= 255 ? n : -1;
}

function count(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = parseUint(v, 0, v.length);
  return n < 0 ? undefined : n;
}

export const fortigateFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Fortinet FortiGate traffic log (key=value)',
  spec: 'FortiOS Log Message Reference (traffic logs, e.g. 0000000013 LOG_ID_TRAFFIC_END_FORWARD)',
  interleaved: true,
  sniff(line: string): number {
    const l = line.indexOf('logid=');
    if (l < 0) return 0;
    if (line.indexOf('type="traffic"', l) >= 0 || line.indexOf('type=traffic', l) >= 0) return 80;
    return line.indexOf(' subtype=', l) >= 0 ? 60 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    const kv = new Map<string, string>();
    const t = { sec: 0, nsec: 0 };
    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      const f = readKeyValues(line, h.bodyOffset, kv);
      const type = f.get('type');
      if (type === undefined) return { skip: 'not a FortiGate log' };
      if (type !== 'traffic') return { skip: `${type} log` };
      const srcText = f.get('srcip');
      const dstText = f.get('dstip');
      if (srcText === undefined || dstText === undefined) return { error: 'traffic log without srcip/dstip', code: 'missing-field' };
      const src = canonicalIp(srcText);
      if (src === undefined) return { error: `srcip "${srcText}" is not an address`, code: 'bad-address' };
      const dst = canonicalIp(dstText);
      if (dst === undefined) return { error: `dstip "${dstText}" is not an address`, code: 'bad-address' };
      const protoText = f.get('proto') ?? '';
      const proto = protoNumber(protoText);
      if (proto < 0) return { error: `proto "${protoText}" is not a protocol number`, code: 'bad-protocol' };
      const icmp = proto === 1 || proto === 58;
      let sport = 0;
      let dport = 0;
      if (!icmp) {
        const s = f.get('srcport');
        const d = f.get('dstport');
        if (s !== undefined) {
          sport = parsePort(s);
          if (sport < 0) return { error: `srcport "${s}" is not a number`, code: 'bad-port' };
        }
        if (d !== undefined) {
          dport = parsePort(d);
          if (dport < 0) return { error: `dstport "${d}" is not a number`, code: 'bad-port' };
        }
      }
      const actionText = f.get('action') ?? '';
      const denied = actionText === 'deny';
      const action: Observation['action'] = denied ? 'denied' : ALLOWED_ACTIONS.has(actionText) ? 'allowed' : 'unknown';

      let end = NaN;
      let endNsec = 0;
      const et = f.get('eventtime');
      if (et !== undefined && eventTime(et, t)) {
        end = t.sec;
        endNsec = t.nsec;
      } else {
        const date = f.get('date');
        const time = f.get('time');
        if (date !== undefined && time !== undefined) end = localTime(date, time, f.get('tz'), options.utcOffsetMinutes);
      }
      if (Number.isNaN(end)) {
        end = h.sec;
        endNsec = h.nsec;
      }
      const duration = count(f.get('duration'));
      const isSession = !denied && actionText !== 'start';
      const o: Observation = {
        tsSec: isSession && duration !== undefined ? end - duration : end,
        tsNsec: isSession && duration !== undefined ? 0 : endNsec,
        proto,
        src,
        srcPort: sport,
        dst,
        dstPort: dport,
        action,
        kind: denied ? 'attempt' : 'session',
        initiatorKnown: true,
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
      if (isSession) {
        // Every traffic log but `deny` and `start` is written when the session closes (its action says how).
        o.final = true;
        o.endSec = end;
        o.endNsec = endNsec;
        o.endReason = actionText;
      }
      const po = count(f.get('sentpkt'));
      const pb = count(f.get('rcvdpkt'));
      if (po !== undefined || pb !== undefined) o.packets = { ...(po !== undefined ? { out: po } : {}), ...(pb !== undefined ? { back: pb } : {}) };
      const bo = count(f.get('sentbyte'));
      const bb = count(f.get('rcvdbyte'));
      if (bo !== undefined || bb !== undefined) o.bytes = { ...(bo !== undefined ? { out: bo } : {}), ...(bb !== undefined ? { back: bb } : {}) };
      const policy = f.get('policyname') ?? f.get('policyid');
      if (policy !== undefined && policy !== '') o.rule = policy;
      const sub = f.get('subtype');
      if (sub !== undefined) o.direction = sub;
      const intf = f.get('srcintf');
      if (intf !== undefined) o.interface = intf;
      const sid = f.get('sessionid');
      if (sid !== undefined) o.connId = sid;
      if (icmp) {
        const type = icmpNumber(f.get('icmptype'));
        if (type >= 0) {
          o.icmpType = type;
          const code = icmpNumber(f.get('icmpcode'));
          o.icmpCode = code >= 0 ? code : 0;
        }
      }
      return o;
    };
  },
};
