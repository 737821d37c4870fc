/**
 * SonicWall (SonicOS) syslog: `id=firewall sn=... time="YYYY-MM-DD hh:mm:ss" fw=... pri=N c=N
 * m=N msg="..." src=ip:port:iface[:host] dst=ip:port:iface[:host] proto=tcp/443 ...` (SonicOS Log
 * Events Reference Guide; SonicOS syslog field descriptions).
 *
 * | field | use |
 * |---|---|
 * | `src`, `dst` (`srcV6`, `dstV6`) | `address:port:interface[:host]`; IPv6 bare (`2001:db8::1:443:X1`) or bracketed (`[2001:db8::1]:443:X1`) |
 * | `proto` | `tcp/https`, `udp/53`, `icmp`: the protocol before the `/` |
 * | `fw_action` | `forward` → allowed, `drop` → denied, `NA`/`mgmt` or absent → by message id |
 * | `m` | message id: 36/37/38/41 (TCP/UDP/ICMP/unknown-protocol packet dropped), 1153/1154 and 524 denied; 98 (connection opened), 537 (connection closed), 97, 1235 allowed |
 * | `time` | device local time |
 * | `sent`, `rcvd`, `spkt`, `rpkt`, `cdur` (ms) | counts and span of a closed connection (537) |
 * | `rule`, `n` | rule, repeat count |
 *
 * Addresses are read from the left: an IPv4 address ends at the first colon; a bare IPv6 address
 * is the longest text that is an address and is followed by `:port` and then an interface or the end.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { canonicalIp, parseIsoTime, parsePort, parseUint, protoNumber } from './fields.js';
import { readKeyValues } from './kv.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'sonicwall';

const DENY_IDS = new Set(['36', '37', '38', '41', '173', '174', '175', '176', '177', '178', '179', '524', '1153', '1154', '1155']);
const ALLOW_IDS = new Set(['97', '98', '537', '1235']);

/** SonicOS interface names: X0–Xn (and X0:V100 VLANs), U0/U1, W0, MGMT. */
const IFACE = /^(?:[XUWV]\d+|MGMT)$/;

interface SwEndpoint {
  ip: string;
  port: number;
  iface: string;
}

/** Longest IPv6 address text tried (45 characters, room for a zone id). */
const MAX_IPV6_TEXT = 64;

/** `address:port:interface[:host]` with the IPv6 rules above; undefined when unreadable. */
export function readSonicEndpoint(text: string): SwEndpoint | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const ip = canonicalIp(text, 1, close);
    if (ip === undefined) return undefined;
    const rest = text.slice(close + 1).split(':');
    const port = rest.length > 1 && rest[1] !== '' ? parsePort(rest[1]!) : 0;
    return port < 0 ? undefined : { ip, port, iface: rest[2] ?? '' };
  }
  const first = text.indexOf(':');
  if (first < 0) {
    const ip = canonicalIp(text);
    return ip === undefined ? undefined : { ip, port: 0, iface: '' };
  }
  const v4 = canonicalIp(text, 0, first);
  if (v4 !== undefined && !v4.includes(':')) {
    const rest = text.slice(first + 1).split(':');
    const head = rest[0] ?? '';
    // ICMP and other portless protocols: `address:interface`.
    if (IFACE.test(head)) return { ip: v4, port: 0, iface: head };
    const port = head === '' ? 0 : parsePort(head);
    return port < 0 ? undefined : { ip: v4, port, iface: rest[1] ?? '' };
  }
  // Bare IPv6: the longest prefix that is an address and leaves `:port[:iface...]`; failing
  // that (portless protocols), the longest that leaves `:iface`.
  const colons: number[] = [];
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) colons.push(i);
  for (let k = colons.length - 1; k >= 0; k--) {
    const cut = colons[k]!;
    // An IPv6 address is at most 45 characters (64 with a zone): a longer prefix is not one, and
    // trying every colon of a hostile run of colons would take quadratic time.
    if (cut > MAX_IPV6_TEXT) continue;
    const ip = canonicalIp(text, 0, cut);
    if (ip === undefined || !ip.includes(':')) continue;
    const next = text.indexOf(':', cut + 1);
    const port = parsePort(text.slice(cut + 1, next < 0 ? text.length : next));
    if (port < 0) continue;
    const iface = next < 0 ? '' : text.slice(next + 1).split(':')[0]!;
    // An interface name starts with a letter (X0, X1:V100); a digit would be one more group.
    if (iface !== '' && !/^[A-Za-z]/.test(iface)) continue;
    return { ip, port, iface };
  }
  for (let k = colons.length - 1; k >= 0; k--) {
    const cut = colons[k]!;
    if (cut > MAX_IPV6_TEXT) continue;
    const ip = canonicalIp(text, 0, cut);
    const iface = text.slice(cut + 1).split(':')[0]!;
    if (ip !== undefined && ip.includes(':') && IFACE.test(iface)) return { ip, port: 0, iface };
  }
  const ip = canonicalIp(text);
  return ip === undefined ? undefined : { ip, port: 0, iface: '' };
}

function count(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = parseUint(v, 0, v.length);
  return n < 0 ? undefined : n;
}

export const sonicwallFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'SonicWall SonicOS syslog',
  spec: 'SonicOS Log Events Reference Guide (syslog fields id, sn, time, m, src, dst, proto, fw_action)',
  interleaved: true,
  sniff(line: string): number {
    const i = line.indexOf('id=firewall');
    if (i < 0) return 0;
    return line.indexOf(' sn=', i) >= 0 ? 85 : 50;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    const kv = new Map<string, string>();
    const t = { sec: 0, nsec: 0 };
    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      const idAt = line.indexOf('id=', h.bodyOffset);
      if (idAt < 0) return { skip: 'not a SonicWall log' };
      const f = readKeyValues(line, idAt, kv);
      const srcText = f.get('srcV6') ?? f.get('src');
      const dstText = f.get('dstV6') ?? f.get('dst');
      if (srcText === undefined || dstText === undefined) return { skip: 'event without src/dst' };
      const protoField = f.get('proto');
      if (protoField === undefined) return { skip: 'event without a protocol' };
      const src = readSonicEndpoint(srcText);
      if (src === undefined) return { error: `src "${srcText}" is not address:port:interface`, code: 'bad-address' };
      const dst = readSonicEndpoint(dstText);
      if (dst === undefined) return { error: `dst "${dstText}" is not address:port:interface`, code: 'bad-address' };
      const slash = protoField.indexOf('/');
      const protoName = slash < 0 ? protoField : protoField.slice(0, slash);
      const proto = protoNumber(protoName);
      if (proto < 0) return { error: `proto "${protoField}" is not a protocol`, code: 'bad-protocol' };
      const icmp = proto === 1 || proto === 58;

      const fw = (f.get('fw_action') ?? '').toLowerCase();
      const m = f.get('m') ?? '';
      let action: Observation['action'];
      if (fw === 'drop' || fw === 'deny' || fw === 'reject') action = 'denied';
      else if (fw === 'forward' || fw === 'allow') action = 'allowed';
      else if (DENY_IDS.has(m)) action = 'denied';
      else if (ALLOW_IDS.has(m)) action = 'allowed';
      else return { skip: `message ${m} is not a verdict` };

      let end = h.sec;
      let nsec = h.nsec;
      const time = f.get('time');
      // Device local time, unless the firewall is set to log in UTC (`... UTC`).
      if (time !== undefined && parseIsoTime(time, 0, time.endsWith(' UTC') ? 0 : options.utcOffsetMinutes, t) > 0) {
        end = t.sec;
        nsec = t.nsec;
      }
      const closed = m === '537';
      const cdurMs = count(f.get('cdur'));
      const kind: Observation['kind'] = action === 'denied' ? 'attempt' : 'session';
      const o: Observation = {
        tsSec: closed && cdurMs !== undefined ? end - Math.floor(cdurMs / 1000) : end,
        tsNsec: closed && cdurMs !== undefined ? 0 : nsec,
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
      if (closed) {
        o.endSec = end;
        o.endNsec = nsec;
      }
      const so = count(f.get('spkt'));
      const sb = count(f.get('rpkt'));
      if (so !== undefined || sb !== undefined) o.packets = { ...(so !== undefined ? { out: so } : {}), ...(sb !== undefined ? { back: sb } : {}) };
      const bo = count(f.get('sent'));
      const bb = count(f.get('rcvd'));
      if (bo !== undefined || bb !== undefined) o.bytes = { ...(bo !== undefined ? { out: bo } : {}), ...(bb !== undefined ? { back: bb } : {}) };
      const rule = f.get('rule');
      if (rule !== undefined && rule !== '') o.rule = rule;
      if (src.iface !== '') o.interface = src.iface;
      const sz = f.get('srcZone');
      const dz = f.get('dstZone');
      if (sz !== undefined && dz !== undefined) o.direction = `${sz}->${dz}`;
      return o;
    };
  },
};
