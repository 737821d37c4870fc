/**
 * Check Point Log Exporter, syslog format: an RFC 5424 header and the log's fields as
 * `[key:"value"; key:"value"; ...]` in the structured-data position (values escape `"`, `\`, `]`
 * and `;` with a backslash). Check Point sk122323 "Log Exporter - Check Point log export"
 * (syslog format) and the Log Exporter field reference.
 *
 * | field | use |
 * |---|---|
 * | `action` | `Accept`/`Allow` → allowed; `Drop`, `Reject`, `Block` → denied; others (IPS `Detect`, `Prevent`, `Inform`, VPN `Key Install`...) are not firewall verdicts and are skipped |
 * | `src`, `dst`, `s_port`, `service` (destination port), `proto` (IANA number) | the connection (source = initiator) |
 * | `ifdir`, `ifname` | direction (`inbound`/`outbound`), interface |
 * | `rule_name`, `rule_uid`, `match_id` | rule |
 * | `time` | Unix time (preferred over the header's) |
 * | `tcp_flags`, `tcp_packet_out_of_state` | a Drop of a packet that is not a SYN is a late packet |
 * | `icmp_type`, `icmp_code` | ICMP |
 * | `packets` | "optimized drop" summaries: `<src,sport,dst,dport,proto;ifname> ...`, one denied attempt each |
 *
 * An Accept log is written when the connection is accepted (its first packet): an allowed
 * session. A Drop or Reject is a denied attempt, unless it says the packet was out of state.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { canonicalIp, parsePort, parseUint, protoNumber } from './fields.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';
import { quotedEnd, readQuoted } from './kv.js';

const NAME = 'checkpoint';

/** `key:"value";` pairs inside the brackets; backslash escapes the next character. */
function readFields(line: string, from: number, out: Map<string, string>): Map<string, string> {
  out.clear();
  const n = line.length;
  let i = from;
  while (i < n) {
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 32 || c === 59 || c === 91) i++;
      else break;
    }
    if (i >= n || line.charCodeAt(i) === 93) break;
    const k0 = i;
    while (i < n && line.charCodeAt(i) !== 58) i++;
    if (i >= n) break;
    const key = line.slice(k0, i);
    i++;
    // `sys_message::"..."` has a doubled colon.
    while (line.charCodeAt(i) === 58) i++;
    if (line.charCodeAt(i) !== 34) {
      const e = line.indexOf(';', i);
      out.set(key, line.slice(i, e < 0 ? n : e));
      i = e < 0 ? n : e + 1;
      continue;
    }
    out.set(key, readQuoted(line, i + 1));
    i = quotedEnd + 1;
  }
  return out;
}

const TCP_DROP_LATE = /ACK|FIN|RST|PSH/;

export const checkpointFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Check Point Log Exporter (syslog key:"value")',
  spec: 'Check Point sk122323 Log Exporter, syslog format; Log Exporter field reference',
  interleaved: true,
  sniff(line: string): number {
    if (line.indexOf('CheckPoint ') >= 0 && line.indexOf(':"') >= 0) return 85;
    return line.indexOf('[action:"') >= 0 || line.indexOf('; origin:"') >= 0 ? 70 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const syslog = new SyslogHeaderParser(pctx.options);
    const h = newSyslogHeader();
    const fields = new Map<string, string>();
    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      const open = h.sdStart >= 0 ? h.sdStart : line.indexOf('[', h.bodyOffset);
      if (open < 0) return { skip: 'not a Log Exporter line' };
      const f = readFields(line, open + 1, fields);
      const actionText = f.get('action');
      if (actionText === undefined) return { skip: 'log without an action' };
      const a = actionText.toLowerCase();
      let action: Observation['action'];
      if (a === 'accept' || a === 'allow') action = 'allowed';
      else if (a === 'drop' || a === 'reject' || a === 'block') action = 'denied';
      else return { skip: `${actionText} is not a firewall verdict` };

      let ts = h.sec;
      let nsec = h.nsec;
      const time = f.get('time');
      if (time !== undefined && /^\d{9,10}$/.test(time)) {
        ts = Number(time);
        nsec = 0;
      }
      const rule = f.get('rule_name') ?? f.get('rule_uid') ?? f.get('match_id');
      const ifdir = f.get('ifdir');
      const ifname = f.get('ifname');

      // "Optimized drop" logs list the dropped packets instead of one connection.
      const packets = f.get('packets');
      if (packets !== undefined && f.get('src') === undefined) {
        const out: Observation[] = [];
        // No `<` inside a tuple: each match attempt stops at the next `<`, so a run of `<` costs linear time.
        for (const m of packets.matchAll(/<([^,<>]+),(\d+),([^,<>]+),(\d+),(\d+)(?:;([^<>]*))?>/g)) {
          const src = canonicalIp(m[1]!);
          const dst = canonicalIp(m[3]!);
          if (src === undefined || dst === undefined) return { error: `packet "${m[0]}" has no addresses`, code: 'bad-address' };
          const proto = Number(m[5]);
          // `\d+` admits any length: a port past 65535 or a protocol past 255 is not a packet.
          if (Number(m[2]) > 65535 || Number(m[4]) > 65535 || proto > 255) return { error: `packet "${m[0]}" has a port or protocol out of range`, code: 'bad-port' };
          const icmp = proto === 1 || proto === 58;
          const o: Observation = {
            tsSec: ts,
            tsNsec: nsec,
            proto,
            src,
            srcPort: icmp ? 0 : Number(m[2]),
            dst,
            dstPort: icmp ? 0 : Number(m[4]),
            action,
            kind: 'attempt',
            initiatorKnown: false,
            format: NAME,
            evidence: { file: ctx.file, line: ctx.line },
          };
          if (rule !== undefined) o.rule = rule;
          if (ifdir !== undefined) o.direction = ifdir;
          const iface = m[6] ?? ifname;
          if (iface !== undefined && iface !== '') o.interface = iface;
          out.push(o);
        }
        return out.length > 0 ? out : { error: 'optimized drop without readable packets', code: 'missing-field' };
      }

      const srcText = f.get('src');
      const dstText = f.get('dst');
      if (srcText === undefined || dstText === undefined) return { skip: 'log without src/dst' };
      const src = canonicalIp(srcText);
      if (src === undefined) return { error: `src "${srcText}" is not an address`, code: 'bad-address' };
      const dst = canonicalIp(dstText);
      if (dst === undefined) return { error: `dst "${dstText}" is not an address`, code: 'bad-address' };
      const protoText = f.get('proto') ?? '';
      const proto = protoNumber(protoText);
      if (proto < 0) return { error: `proto "${protoText}" is not a protocol`, code: 'bad-protocol' };
      const icmp = proto === 1 || proto === 58;
      let sport = 0;
      let dport = 0;
      if (!icmp) {
        const s = f.get('s_port');
        const d = f.get('service');
        if (s !== undefined && s !== '') {
          sport = parsePort(s);
          if (sport < 0) return { error: `s_port "${s}" is not a number`, code: 'bad-port' };
        }
        if (d !== undefined && d !== '') {
          dport = parsePort(d);
          if (dport < 0) return { error: `service "${d}" is not a port number`, code: 'bad-port' };
        }
      }
      let kind: Observation['kind'] = action === 'allowed' ? 'session' : 'attempt';
      const flagsText = f.get('tcp_flags');
      if (action === 'denied' && (f.has('tcp_packet_out_of_state') || (flagsText !== undefined && !flagsText.includes('SYN') && TCP_DROP_LATE.test(flagsText)))) {
        kind = 'late';
      }
      const o: Observation = {
        tsSec: ts,
        tsNsec: nsec,
        proto,
        src,
        srcPort: sport,
        dst,
        dstPort: dport,
        action,
        kind,
        initiatorKnown: kind !== 'late',
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
      if (icmp) {
        const t = f.get('icmp_type');
        const c = f.get('icmp_code');
        if (t !== undefined && /^\d+$/.test(t)) o.icmpType = parseUint(t, 0, t.length);
        if (c !== undefined && /^\d+$/.test(c)) o.icmpCode = parseUint(c, 0, c.length);
      }
      if (rule !== undefined) o.rule = rule;
      if (ifdir !== undefined) o.direction = ifdir;
      if (ifname !== undefined) o.interface = ifname;
      const reason = f.get('tcp_packet_out_of_state') ?? f.get('drop_reason');
      if (reason !== undefined) o.endReason = reason;
      return o;
    };
  },
};
