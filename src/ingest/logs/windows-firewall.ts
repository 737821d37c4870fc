/**
 * Windows Firewall (Windows Defender Firewall with Advanced Security) log, `pfirewall.log`.
 * Spec: Microsoft, "Interpreting the Windows Firewall log" (the W3C-style `#Fields:` header and
 * the field meanings) and "Configure Windows Firewall logging" (Windows 10/11 and Server; the
 * `pid` column added to recent builds).
 *
 * The file opens with a header; column order comes from `#Fields:` (never assumed):
 *   #Version: 1.5
 *   #Software: Microsoft Windows Firewall
 *   #Time Format: Local
 *   #Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path [pid]
 *
 * Field          → Observation
 *   date time    tsSec/tsNsec; local time (`#Time Format: Local`): LogOptions.utcOffsetMinutes applies
 *   action       ALLOW, OPEN, OPEN-INBOUND → allowed; DROP → denied; CLOSE, INFO-EVENTS-LOST → skipped
 *   protocol     TCP, UDP, ICMP, ICMPv6 or a protocol number
 *   src-ip …     src, dst, srcPort, dstPort (`-` for protocols without ports)
 *   size         bytes.out of the one packet the line describes (0 on connection lines: not kept)
 *   tcpflags     flag letters (S, A, F, R, P, U) → tcpFlags; SYN without ACK is an attempt, other flags late
 *   icmptype …   icmpType, icmpCode
 *   path         SEND | RECEIVE | FORWARD → direction, as printed
 * The addresses are the packet's: for RECEIVE the source is the remote host, for SEND the local
 * one. A line says which side opened the connection only when it carries a SYN, so
 * `initiatorKnown` is true only then.
 */
import { IPPROTO } from '../../model.js';
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions } from './format.js';
import { canonicalIp, packetKind, parseCount, parseDateTime, parsePort, protoNumber, TCP_ACK, TCP_SYN, tcpFlagsFromLetters } from './fields.js';

const NAME = 'windows-firewall';

/** The `#Fields:` line of Windows Vista to Windows 10 (17 columns); recent builds append `pid`. */
const DEFAULT_FIELDS = [
  'date', 'time', 'action', 'protocol', 'src-ip', 'dst-ip', 'src-port', 'dst-port', 'size',
  'tcpflags', 'tcpsyn', 'tcpack', 'tcpwin', 'icmptype', 'icmpcode', 'info', 'path',
] as const;

/** Column positions of the fields this parser reads (-1: the file has no such column). */
interface Columns {
  count: number;
  date: number;
  time: number;
  action: number;
  protocol: number;
  srcIp: number;
  dstIp: number;
  srcPort: number;
  dstPort: number;
  size: number;
  tcpflags: number;
  icmptype: number;
  icmpcode: number;
  path: number;
}

function columnsOf(fields: readonly string[]): Columns {
  const at = (name: string): number => fields.indexOf(name);
  return {
    count: fields.length,
    date: at('date'),
    time: at('time'),
    action: at('action'),
    protocol: at('protocol'),
    srcIp: at('src-ip'),
    dstIp: at('dst-ip'),
    srcPort: at('src-port'),
    dstPort: at('dst-port'),
    size: at('size'),
    tcpflags: at('tcpflags'),
    icmptype: at('icmptype'),
    icmpcode: at('icmpcode'),
    path: at('path'),
  };
}

const DATA_LINE_RE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (ALLOW|DROP|OPEN|OPEN-INBOUND|CLOSE|INFO-EVENTS-LOST) /;

function createWindowsFirewallParser(_file: { file: string; options: LogOptions }): (line: string, ctx: LineContext) => LineResult {
  let columns: Columns | undefined;
  let localTime = true;

  return (line: string, ctx: LineContext): LineResult => {
    const text = line.trim();
    if (text.length === 0) return { skip: 'blank line' };
    if (text.charCodeAt(0) === 35 /* # */) {
      const colon = text.indexOf(':');
      const directive = (colon < 0 ? text.slice(1) : text.slice(1, colon)).trim().toLowerCase();
      const value = colon < 0 ? '' : text.slice(colon + 1).trim();
      if (directive === 'fields') {
        const names = value.split(/\s+/).filter((s) => s.length > 0).map((s) => s.toLowerCase());
        const c = columnsOf(names);
        if (c.date < 0 || c.time < 0 || c.action < 0 || c.protocol < 0 || c.srcIp < 0 || c.dstIp < 0) {
          return { code: 'windows-firewall-bad-header', error: `#Fields header lacks date, time, action, protocol, src-ip or dst-ip: "${value}"` };
        }
        columns = c;
      } else if (directive === 'time format') {
        localTime = value.toLowerCase() !== 'utc';
      }
      return { skip: 'header' };
    }

    const f = text.split(/\s+/);
    let c = columns;
    if (c === undefined) {
      // No #Fields header (a file cut from its head): the documented column order, by count.
      if (f.length === DEFAULT_FIELDS.length || f.length === DEFAULT_FIELDS.length + 1) {
        c = columnsOf(f.length === DEFAULT_FIELDS.length ? DEFAULT_FIELDS : [...DEFAULT_FIELDS, 'pid']);
      } else {
        return { code: 'windows-firewall-no-header', error: `no #Fields header before this line and ${f.length} columns is not the default layout (17 or 18)` };
      }
    }
    const need = Math.max(c.date, c.time, c.action, c.protocol, c.srcIp, c.dstIp);
    if (f.length <= need) return { code: 'windows-firewall-short-line', error: `${f.length} columns, the #Fields header names ${c.count}` };
    const get = (i: number): string | undefined => (i < 0 ? undefined : f[i]);

    const action = get(c.action);
    let verdict: 'allowed' | 'denied';
    switch (action) {
      case 'ALLOW':
      case 'OPEN':
      case 'OPEN-INBOUND':
        verdict = 'allowed';
        break;
      case 'DROP':
        verdict = 'denied';
        break;
      case 'CLOSE':
        return { skip: 'CLOSE of a connection logged when it opened' };
      case 'INFO-EVENTS-LOST':
        return { skip: 'INFO-EVENTS-LOST (the firewall dropped log events)' };
      default:
        return { code: 'windows-firewall-bad-action', error: `action "${action ?? ''}" is not ALLOW, DROP, OPEN or CLOSE` };
    }

    const when = `${get(c.date) ?? ''}T${get(c.time) ?? ''}`;
    const ts = localTime ? parseDateTime(when, ctx.options.utcOffsetMinutes) : parseDateTime(`${when}Z`);
    if (ts === undefined) return { code: 'windows-firewall-bad-time', error: `date/time "${when.replace('T', ' ')}" is not YYYY-MM-DD HH:MM:SS` };

    const protoText = get(c.protocol) ?? '';
    const proto = protoNumber(protoText);
    if (proto < 0) return { code: 'windows-firewall-bad-protocol', error: `protocol "${protoText}" is not a protocol name or number` };
    const srcText = get(c.srcIp) ?? '';
    const dstText = get(c.dstIp) ?? '';
    const src = canonicalIp(srcText);
    const dst = canonicalIp(dstText);
    if (src === undefined) return { code: 'windows-firewall-bad-address', error: `src-ip "${srcText}" is not an IP address` };
    if (dst === undefined) return { code: 'windows-firewall-bad-address', error: `dst-ip "${dstText}" is not an IP address` };

    const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
    let srcPort = 0;
    let dstPort = 0;
    if (hasPorts) {
      const sp = parsePort(get(c.srcPort) ?? '');
      const dp = parsePort(get(c.dstPort) ?? '');
      if (sp < 0) return { code: 'windows-firewall-bad-port', error: `src-port "${get(c.srcPort) ?? ''}" is not a port` };
      if (dp < 0) return { code: 'windows-firewall-bad-port', error: `dst-port "${get(c.dstPort) ?? ''}" is not a port` };
      srcPort = sp;
      dstPort = dp;
    }

    const flagsText = get(c.tcpflags);
    const flags = proto === IPPROTO.tcp && flagsText !== undefined && flagsText !== '-' ? tcpFlagsFromLetters(flagsText) : undefined;
    const obs: Observation = {
      tsSec: ts.sec,
      tsNsec: ts.nsec,
      proto,
      src,
      srcPort,
      dst,
      dstPort,
      action: verdict,
      kind: packetKind(proto, flags, undefined),
      initiatorKnown: flags !== undefined && (flags & TCP_SYN) !== 0 && (flags & TCP_ACK) === 0,
      format: NAME,
      evidence: { file: ctx.file, line: ctx.line },
    };
    if (flags !== undefined) obs.tcpFlags = flags;
    if (proto === IPPROTO.icmp || proto === IPPROTO.icmpv6) {
      const t = parseCount(get(c.icmptype));
      const k = parseCount(get(c.icmpcode));
      if (t !== undefined) obs.icmpType = t;
      if (k !== undefined) obs.icmpCode = k;
    }
    const size = parseCount(get(c.size));
    if (size !== undefined && size > 0) {
      obs.packets = { out: 1 };
      obs.bytes = { out: size };
    }
    const path = get(c.path);
    if (path !== undefined && path !== '-') obs.direction = path;
    return obs;
  };
}

export const windowsFirewallFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Windows Firewall log (pfirewall.log)',
  spec: 'Microsoft: "Interpreting the Windows Firewall log" and "Configure Windows Firewall logging"',
  sniff(line: string): number {
    if (line.startsWith('#Software: Microsoft Windows Firewall')) return 100;
    if (line.startsWith('#Fields:') && line.includes(' src-ip ') && line.includes(' dst-ip ') && line.includes(' action ')) return 95;
    if (DATA_LINE_RE.test(line)) return 70;
    if (line.startsWith('#Time Format: Local')) return 30;
    return 0;
  },
  createParser: createWindowsFirewallParser,
};
