/**
 * pfSense and OPNsense `filterlog` lines: `filterlog[pid]: <CSV>` after an RFC 3164 or RFC 5424
 * header. Netgate, "Raw Filter Log Format" (pfSense 2.2+); OPNsense ports
 * opnsense/filterlog/files/description.txt (the newer OPNsense ICMP layout).
 *
 * | part | fields |
 * |---|---|
 * | common | rule number, sub rule, anchor, tracker (label), interface, reason, action, direction, IP version |
 * | IPv4 | tos, ecn, ttl, id, offset, flags, **protocol id, protocol name**, length, source, destination |
 * | IPv6 | class, flow label, hop limit, **protocol name, protocol id**, length, source, destination |
 * | TCP | source port, destination port, data length, TCP flags (`S`, `SA`, `FPA`, `R` ...), seq, ack, window, urg, options |
 * | UDP | source port, destination port, data length |
 * | ICMP (pfSense) | type word, then: `request`/`reply`: id, seq; `unreachproto`: destination, protocol; `unreachport`: destination, protocol, port; `needfrag`: destination, mtu; `tstamp`/`tstampreply`: id, seq[, times]; others: a description |
 * | ICMP/ICMPv6 (OPNsense) | `datalength=N`, type keyword (pf.conf `echoreq`, `unreach` ...), code keyword (`port-unr` ...), id, seq, mtu |
 * | other | `datalength=N` (CARP: type, ttl, vhid, version, advskew, advbase) |
 *
 * Action `pass` → allowed, `block` (and `synproxy-drop`) → denied; `rdr`/`nat`/`binat`/`match`
 * lines are rule matches, not verdicts, and are skipped. Each line is one packet: a TCP packet
 * with SYN and without ACK is an attempt, other TCP packets are late.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, ParserContext } from './format.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG, canonicalIp, packetKind, parsePort, parseUint } from './fields.js';
import { splitCsv } from './kv.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'pfsense';

const LETTER_FLAGS: Readonly<Record<string, number>> = {
  F: TCP_FIN,
  S: TCP_SYN,
  R: TCP_RST,
  P: TCP_PSH,
  A: TCP_ACK,
  U: TCP_URG,
  E: TCP_ECE,
  W: TCP_CWR,
};

/** pfSense's ICMP type words (filterlog.c) → ICMP type. */
const PFSENSE_ICMP: Readonly<Record<string, number>> = {
  reply: 0,
  unreach: 3,
  unreachproto: 3,
  unreachport: 3,
  needfrag: 3,
  redirect: 5,
  request: 8,
  routeradvert: 9,
  routersol: 10,
  timexceed: 11,
  paramprob: 12,
  tstamp: 13,
  tstampreply: 14,
  inforeq: 15,
  inforeply: 16,
  maskreq: 17,
  maskreply: 18,
};

/** pf.conf(5) icmp-type keywords (OPNsense), IPv4. */
const PF_ICMP4: Readonly<Record<string, number>> = {
  echorep: 0,
  unreach: 3,
  squench: 4,
  redir: 5,
  althost: 6,
  echoreq: 8,
  routeradv: 9,
  routersol: 10,
  timex: 11,
  paramprob: 12,
  timereq: 13,
  timerep: 14,
  inforeq: 15,
  inforep: 16,
  maskreq: 17,
  maskrep: 18,
  trace: 30,
  dataconv: 31,
  mobredir: 32,
  'ipv6-where': 33,
  'ipv6-here': 34,
  mobregreq: 35,
  mobregrep: 36,
  skip: 39,
  photuris: 40,
};

/** pf.conf(5) icmp6-type keywords (OPNsense), IPv6. */
const PF_ICMP6: Readonly<Record<string, number>> = {
  unreach: 1,
  toobig: 2,
  timex: 3,
  paramprob: 4,
  echoreq: 128,
  echorep: 129,
  groupqry: 130,
  listqry: 130,
  grouprep: 131,
  listenrep: 131,
  groupterm: 132,
  listendone: 132,
  routersol: 133,
  routeradv: 134,
  neighbrsol: 135,
  neighbradv: 136,
  redir: 137,
  routrrenum: 138,
  wrureq: 139,
  wrurep: 140,
  fqdnreq: 139,
  fqdnrep: 140,
  niqry: 139,
  nirep: 140,
  mtraceresp: 200,
  mtrace: 201,
};

/** pf.conf(5) icmp-code keywords of destination unreachable, IPv4 (RFC 792, RFC 1812). */
const PF_CODES4: Readonly<Record<string, number>> = {
  'net-unr': 0,
  'host-unr': 1,
  'proto-unr': 2,
  'port-unr': 3,
  needfrag: 4,
  srcfail: 5,
  'net-unk': 6,
  'host-unk': 7,
  isolate: 8,
  'net-prohib': 9,
  'host-prohib': 10,
  'net-tos': 11,
  'host-tos': 12,
  'filter-prohib': 13,
  'host-preced': 14,
  'cutoff-preced': 15,
};

/** pf.conf(5) icmp6-code keywords of destination unreachable, IPv6 (RFC 4443 §3.1). */
const PF_CODES6: Readonly<Record<string, number>> = {
  'noroute-unr': 0,
  'admin-unr': 1,
  'beyond-unr': 2,
  'addr-unr': 3,
  'port-unr': 4,
};

function flagsOf(text: string): number | undefined {
  if (text === '' || text === 'none') return text === 'none' ? 0 : undefined;
  let f = 0;
  for (let i = 0; i < text.length; i++) {
    const bit = LETTER_FLAGS[text[i]!];
    if (bit === undefined) return undefined;
    f |= bit;
  }
  return f;
}

/** `unknown(N)` or a keyword from `table`. */
function icmpKeyword(text: string, table: Readonly<Record<string, number>>): number | undefined {
  const m = /^unknown\((\d+)\)$/.exec(text);
  if (m !== null) return Number(m[1]);
  if (/^\d+$/.test(text)) return Number(text);
  return table[text];
}

export const pfsenseFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'pfSense / OPNsense filterlog',
  spec: 'Netgate pfSense documentation, "Raw Filter Log Format"; OPNsense filterlog description.txt',
  interleaved: true,
  sniff(line: string): number {
    const i = line.indexOf('filterlog');
    if (i < 0) return 0;
    const c = line.charCodeAt(i + 9);
    return c === 58 || c === 91 || c === 32 ? 85 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const syslog = new SyslogHeaderParser(pctx.options);
    const h = newSyslogHeader();
    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      let at = h.bodyOffset;
      if (!(h.tagStart >= 0 && line.startsWith('filterlog', h.tagStart))) {
        const k = line.indexOf('filterlog');
        if (k < 0) return { skip: 'not a filterlog line' };
        const colon = line.indexOf(': ', k);
        at = colon < 0 ? line.indexOf(' ', k) + 1 : colon + 2;
        if (at <= 0) return { skip: 'not a filterlog line' };
      }
      const f = splitCsv(line, at);
      if (f.length < 9) return { error: `filterlog record has ${f.length} fields`, code: 'short-record' };
      const actionText = f[6]!;
      let action: Observation['action'];
      if (actionText === 'pass') action = 'allowed';
      else if (actionText === 'block' || actionText === 'synproxy-drop' || actionText === 'reject') action = 'denied';
      else return { skip: `${actionText} is a rule match, not a verdict` };
      const ver = f[8]!;
      let protoAt: number;
      let srcAt: number;
      if (ver === '4') {
        protoAt = 15;
        srcAt = 18;
      } else if (ver === '6') {
        protoAt = 13;
        srcAt = 15;
      } else {
        return { error: `IP version "${ver}" is neither 4 nor 6`, code: 'bad-field' };
      }
      if (f.length < srcAt + 2) return { error: `IPv${ver} record has ${f.length} fields`, code: 'short-record' };
      const proto = parseUint(f[protoAt]!, 0, f[protoAt]!.length);
      if (proto < 0 || proto > 255) return { error: `protocol id "${f[protoAt]!}" is not a number`, code: 'bad-protocol' };
      const src = canonicalIp(f[srcAt]!);
      if (src === undefined) return { error: `source "${f[srcAt]!}" is not an address`, code: 'bad-address' };
      const dst = canonicalIp(f[srcAt + 1]!);
      if (dst === undefined) return { error: `destination "${f[srcAt + 1]!}" is not an address`, code: 'bad-address' };
      const d = srcAt + 2;
      let sport = 0;
      let dport = 0;
      let flags: number | undefined;
      let icmpType: number | undefined;
      let icmpCode: number | undefined;
      let quoted: Observation['quoted'];
      if (proto === 6 || proto === 17 || proto === 132) {
        sport = parsePort(f[d] ?? '');
        dport = parsePort(f[d + 1] ?? '');
        if (sport < 0 || dport < 0) return { error: `port "${sport < 0 ? f[d] : f[d + 1]}" is not a number`, code: 'bad-port' };
        if (proto === 6) flags = flagsOf(f[d + 3] ?? '');
      } else if (proto === 1 || proto === 58) {
        const first = f[d] ?? '';
        if (first.startsWith('datalength=')) {
          // OPNsense: datalength=N, type, code, id, seq, mtu
          icmpType = icmpKeyword(f[d + 1] ?? '', proto === 1 ? PF_ICMP4 : PF_ICMP6);
          const code = f[d + 2] ?? '';
          if (code !== '') icmpCode = icmpKeyword(code, proto === 1 ? PF_CODES4 : PF_CODES6);
        } else if (proto === 1) {
          icmpType = PFSENSE_ICMP[first];
          if (first === 'unreachport' || first === 'unreachproto') {
            icmpCode = first === 'unreachport' ? 3 : 2;
            // The packet the error answers: it was sent by this error's destination.
            const qdst = canonicalIp(f[d + 1] ?? '');
            const qproto = parseUint(f[d + 2] ?? '', 0, (f[d + 2] ?? '').length);
            const qport = first === 'unreachport' ? parsePort(f[d + 3] ?? '') : 0;
            if (qdst !== undefined && qproto >= 0) quoted = { proto: qproto, src: dst, srcPort: 0, dst: qdst, dstPort: Math.max(qport, 0) };
          } else if (first === 'needfrag') {
            icmpCode = 4;
          }
        }
      }
      const kind = quoted !== undefined ? 'late' : packetKind(proto, flags, icmpType);
      const o: Observation = {
        tsSec: h.sec,
        tsNsec: h.nsec,
        proto,
        src,
        srcPort: sport,
        dst,
        dstPort: dport,
        action,
        kind,
        initiatorKnown: kind === 'attempt' && (proto === 6 ? flags !== undefined : icmpType !== undefined),
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
      if (flags !== undefined) o.tcpFlags = flags;
      if (icmpType !== undefined) o.icmpType = icmpType;
      if (icmpCode !== undefined) o.icmpCode = icmpCode;
      if (quoted !== undefined) o.quoted = quoted;
      const tracker = f[3]!;
      o.rule = tracker !== '' && tracker !== '0' ? tracker : f[0]!;
      if (f[7] !== '') o.direction = f[7]!;
      if (f[4] !== '') o.interface = f[4]!;
      return o;
    };
  },
};
