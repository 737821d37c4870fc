/**
 * Palo Alto Networks PAN-OS TRAFFIC logs in the syslog CSV format, with or without a syslog
 * header. Field positions per PAN-OS Administrator's Guide, "Syslog Field Descriptions → Traffic
 * Log Fields" (the same first 47 fields from PAN-OS 6.1 to 11.x; each version appends more at the
 * end, which are ignored, so newer and older lines read the same).
 *
 * | # | field | # | field |
 * |---|---|---|---|
 * | 0 | FUTURE_USE | 24 | Source Port |
 * | 1 | Receive Time | 25 | Destination Port |
 * | 2 | Serial Number | 26/27 | NAT Source/Destination Port |
 * | 3 | Type (`TRAFFIC`) | 28 | Flags |
 * | 4 | Subtype (`start`, `end`, `drop`, `deny`) | 29 | Protocol (`tcp`, `udp`, `icmp`, ...) |
 * | 6 | Generated Time (`YYYY/MM/DD hh:mm:ss`, device local time) | 30 | Action |
 * | 7/8 | Source / Destination Address | 31/32/33 | Bytes / Bytes Sent / Bytes Received |
 * | 9/10 | NAT Source / Destination IP | 34 | Packets |
 * | 11 | Rule Name | 35 | Start Time |
 * | 14 | Application | 36 | Elapsed Time (s) |
 * | 16/17 | Source / Destination Zone | 44/45 | Packets Sent / Received |
 * | 18/19 | Inbound / Outbound Interface | 46 | Session End Reason |
 * | 22 | Session ID | | |
 *
 * Action: `allow` → allowed; `deny`, `drop`, `drop-icmp`, `reset-client`, `reset-server`,
 * `reset-both`, `drop-all-packets`, `block-*` → denied; a `deny` or `drop` subtype also means
 * denied whatever the action column says. Source is the session's initiator (client).
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { canonicalIp, daysFromCivil, digitsAt, parsePort, parseUint, protoNumber } from './fields.js';
import { splitCsv } from './kv.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'panos';

const F = {
  type: 3,
  subtype: 4,
  generated: 6,
  src: 7,
  dst: 8,
  rule: 11,
  app: 14,
  fromZone: 16,
  toZone: 17,
  inIf: 18,
  session: 22,
  sport: 24,
  dport: 25,
  proto: 29,
  action: 30,
  bytesSent: 32,
  bytesReceived: 33,
  start: 35,
  elapsed: 36,
  packetsSent: 44,
  packetsReceived: 45,
  endReason: 46,
} as const;

/** Fields up to the session end reason are needed; older lines (PAN-OS < 6.1) stop at 44. */
const MIN_FIELDS = 37;

/** `YYYY/MM/DD hh:mm:ss` (device local time) → seconds UTC; NaN when it is not one. */
function panTime(text: string, utcOffsetMinutes: number): number {
  if (text.length < 19 || text.charCodeAt(4) !== 47 || text.charCodeAt(7) !== 47) return NaN;
  const y = digitsAt(text, 0, 4);
  const mo = digitsAt(text, 5, 2);
  const d = digitsAt(text, 8, 2);
  const hh = digitsAt(text, 11, 2);
  const mm = digitsAt(text, 14, 2);
  const ss = digitsAt(text, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || hh < 0 || mm < 0 || ss < 0) return NaN;
  return daysFromCivil(y, mo, d) * 86400 + hh * 3600 + mm * 60 + ss - utcOffsetMinutes * 60;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const n = parseUint(text, 0, text.length);
  return n < 0 ? undefined : n;
}

const DENY_ACTIONS = new Set(['deny', 'drop', 'drop-icmp', 'drop-all-packets', 'reset-client', 'reset-server', 'reset-both', 'block-url', 'block-ip', 'block-override', 'sinkhole']);

export const panosFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Palo Alto Networks PAN-OS traffic log (syslog CSV)',
  spec: 'PAN-OS Administrator\'s Guide: Syslog Field Descriptions, Traffic Log Fields (PAN-OS 9.1–11.x)',
  interleaved: true,
  sniff(line: string): number {
    const t = line.indexOf(',TRAFFIC,');
    if (t >= 0) return 80;
    // Other PAN-OS log types are recognised (and skipped) so that a PAN-OS file is read as one.
    return line.indexOf(',THREAT,') >= 0 || line.indexOf(',SYSTEM,') >= 0 ? 30 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      let f = splitCsv(line, h.bodyOffset);
      // The type is the fourth field; a header the syslog parser could not place shifts it.
      if (f[F.type] !== 'TRAFFIC') {
        const k = f.indexOf('TRAFFIC');
        if (k < 0 || k > 6) {
          return f.includes('THREAT') || f.includes('SYSTEM') || f.includes('CONFIG') ? { skip: 'not a traffic log' } : { skip: 'not a PAN-OS line' };
        }
        f = f.slice(k - F.type);
      }
      if (f.length < MIN_FIELDS) return { error: `traffic log has ${f.length} fields, expected at least ${MIN_FIELDS}`, code: 'short-record' };
      const src = canonicalIp(f[F.src]!);
      if (src === undefined) return { error: `source address "${f[F.src]!}" is not an address`, code: 'bad-address' };
      const dst = canonicalIp(f[F.dst]!);
      if (dst === undefined) return { error: `destination address "${f[F.dst]!}" is not an address`, code: 'bad-address' };
      const protoText = f[F.proto]!;
      const proto = protoNumber(protoText);
      if (proto < 0) return { error: `protocol "${protoText}" is not known`, code: 'bad-protocol' };
      const icmp = proto === 1 || proto === 58;
      const sport = parsePort(f[F.sport]!);
      if (sport < 0) return { error: `port "${f[F.sport]!}" is not a number`, code: 'bad-port' };
      const dport = parsePort(f[F.dport]!);
      if (dport < 0) return { error: `port "${f[F.dport]!}" is not a number`, code: 'bad-port' };
      const subtype = f[F.subtype]!;
      const actionText = f[F.action]!;
      const denied = DENY_ACTIONS.has(actionText) || actionText.startsWith('reset') || subtype === 'deny' || subtype === 'drop';
      const action: Observation['action'] = denied ? 'denied' : actionText === 'allow' ? 'allowed' : 'unknown';

      const generated = panTime(f[F.generated]!, options.utcOffsetMinutes);
      const startText = f[F.start];
      const start = startText !== undefined ? panTime(startText, options.utcOffsetMinutes) : NaN;
      const ts = !Number.isNaN(start) ? start : !Number.isNaN(generated) ? generated : h.sec;
      const packetsBack = count(f[F.packetsReceived]);
      let kind: Observation['kind'] = 'session';
      if (denied) {
        // A session the server answered before the deny (App-ID decided after the handshake) was
        // not blocked at its port: a late denial.
        kind = proto === 6 && packetsBack !== undefined && packetsBack > 0 ? 'late' : 'attempt';
      }
      const o: Observation = {
        tsSec: ts,
        tsNsec: 0,
        proto,
        src,
        srcPort: icmp ? 0 : sport,
        dst,
        dstPort: icmp ? 0 : dport,
        action,
        kind,
        initiatorKnown: true,
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
      if (subtype === 'end' && !Number.isNaN(generated)) {
        o.endSec = generated;
        o.endNsec = 0;
      }
      const po = count(f[F.packetsSent]);
      if (po !== undefined || packetsBack !== undefined) o.packets = { ...(po !== undefined ? { out: po } : {}), ...(packetsBack !== undefined ? { back: packetsBack } : {}) };
      const bo = count(f[F.bytesSent]);
      const bb = count(f[F.bytesReceived]);
      if (bo !== undefined || bb !== undefined) o.bytes = { ...(bo !== undefined ? { out: bo } : {}), ...(bb !== undefined ? { back: bb } : {}) };
      if (f[F.rule] !== '') o.rule = f[F.rule]!;
      if (f[F.inIf] !== '') o.interface = f[F.inIf]!;
      if (f[F.fromZone] !== '' || f[F.toZone] !== '') o.direction = `${f[F.fromZone]!}->${f[F.toZone]!}`;
      const reason = f[F.endReason];
      if (reason !== undefined && reason !== '' && reason !== 'n/a') o.endReason = reason;
      const session = f[F.session];
      if (session !== undefined && session !== '' && session !== '0') o.connId = `${f[2]!}:${session}`;
      // An `end` log is written when the session is over: nothing more comes for it.
      if (subtype === 'end') o.final = true;
      return o;
    };
  },
};
