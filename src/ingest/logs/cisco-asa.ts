/**
 * Cisco ASA (and PIX, and Firepower Threat Defense's ASA-engine messages) syslog, after any
 * syslog header: `%ASA-<severity>-<id>: <text>` (`%FTD-`, `%PIX-`; the `%` is sometimes missing,
 * and relays sometimes strip the tag and keep only the text, which is matched by its wording).
 * Cisco Secure Firewall ASA Series Syslog Messages (message texts below); FTD connection events
 * 430002/430003 per the Firepower Threat Defense syslog guide (comma-separated `Key: value`).
 *
 * | id | text (fields read) | observation |
 * |---|---|---|
 * | 106001 | `Inbound TCP connection denied from A/p to B/p flags F on interface I` | denied, kind by flags |
 * | 106006 | `Deny inbound UDP from A/p to B/p on interface I` | denied attempt |
 * | 106007 | `Deny inbound UDP from A/p to B/p due to DNS {Response\|Query}` | denied attempt |
 * | 106010 | `Deny inbound <proto> src I:A/p dst I:B/p` | denied attempt |
 * | 106014 | `Deny {inbound\|outbound} icmp src I:A dst I:B (type t, code c)` | denied ICMP |
 * | 106015 | `Deny TCP (no connection) from A/p to B/p flags F on interface I` | denied **late** (not a policy block) |
 * | 106021 | `Deny <proto> reverse path check from A to B on interface I` | denied attempt (no ports) |
 * | 106023 | `Deny <proto> src I:A/p dst I:B/p [(type t, code c)] by access-group "acl"` | denied attempt, rule = acl |
 * | 106100 | `access-list acl {permitted\|denied\|est-allowed} <proto> I/A(p) -> I/B(p) hit-cnt n ...` | per verdict; ICMP: (type) and (code) in place of ports |
 * | 110002/110003 | `Failed to locate egress interface for <proto> from I:A/p to B/p` | denied attempt (no route) |
 * | 302013/302015 | `Built {inbound\|outbound} {TCP\|UDP} connection id for I:A/p (M/p) to I:B/p (M/p)` | allowed session, connId |
 * | 302014/302016 | `Teardown {TCP\|UDP} connection id for I:A/p to I:B/p duration h:mm:ss bytes n [reason]` | allowed session with span, total bytes, end reason |
 * | 302020 | `Built {inbound\|outbound} ICMP connection for faddr F/x gaddr G/x laddr L/x [type t code c]` | allowed session |
 * | 302021 | `Teardown ICMP connection for faddr F/x gaddr G/x laddr L/x [type t code c]` | allowed session |
 * | 313004 | `Denied ICMP type=t, from [laddr] A on interface I to B: no matching session` | denied ICMP (a reply: late) |
 * | 313005 | `No matching connection for ICMP error message: icmp src I:A dst I:B (type t, code c) on I interface. Original IP payload: <proto> src A/p dst B/p.` | denied ICMP error, quoted packet |
 * | 419001 | `Dropping TCP packet from I:A/p to I:B/p, reason: ...` | denied late |
 * | 419002 | `Duplicate TCP SYN from I:A/p to I:B/p with different initial sequence number` | denied late |
 * | 710001/2/3/5/6 | `{TCP\|UDP} access {requested\|permitted\|denied by ACL} from A/p to I:B/port`, `... request discarded ...` | to-the-box: unknown/allowed/denied attempt |
 * | 430002/430003 | FTD `AccessControlRuleAction: Allow, SrcIP: .., DstIP: .., SrcPort: .., DstPort: .., Protocol: .., InitiatorPackets: ..` | session (start/end) |
 *
 * Direction: in Built messages the first endpoint (`for`) is the outside one: for `outbound` it is
 * the responder, so the endpoints are swapped to make `src` the initiator; for `inbound` it is the
 * initiator. Cisco: "If inbound is specified, the original control connection was initiated from
 * the outside" — FTP active data channels take the control channel's direction, so a TCP
 * connection whose responder side is port 20 (ftp-data) is swapped back: the port-20 side opened it.
 * Teardown messages have no direction word: they take the orientation of their Built message
 * (same connection id, remembered per file) or keep the printed order with `initiatorKnown: false`.
 *
 * Endpoints `interface:address/port`: interface names may contain `:`, and IPv6 addresses do,
 * so the split takes the longest tail that is an address. A host name in place of an address
 * (the ASA `names` feature) is kept as printed.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions, ParserContext } from './format.js';
import { TCP_FLAG_WORDS, canonicalIp, isHostName, packetKind, parseIsoTime, parsePort, parseUint, protoNumber } from './fields.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'cisco-asa';

/**
 * A 302014 end reason without its trailing `(user)` and spaces: `TCP FINs (jdoe)` → `TCP FINs`.
 * By hand, not `/\s*\([^)]*\)\s*$/`, which tried every space and `(` of the line as a start and
 * read on from each: quadratic on a hostile line of spaces or `(`.
 */
function endReasonOf(text: string): string {
  const t = text.trimEnd();
  if (!t.endsWith(')')) return t;
  const open = t.lastIndexOf('(');
  if (open < 0 || t.indexOf(')', open) !== t.length - 1) return t;
  return t.slice(0, open).trimEnd();
}

/** An endpoint as read: interface (may be empty), address text (canonical) and port (-1 when none). */
interface Endpoint {
  iface: string;
  ip: string;
  port: number;
}

type Bad = { error: string; code: string };

function bad(code: string, error: string): Bad {
  return { error, code };
}

function isBad(v: Endpoint | Bad): v is Bad {
  return 'error' in v;
}

/** Address text → canonical, or a host name kept as printed; undefined if neither. */
function readAddress(text: string): string | undefined {
  const ip = canonicalIp(text);
  if (ip !== undefined) return ip;
  return isHostName(text) && !/^[0-9.]+$/.test(text) ? text : undefined;
}

/** A port in decimal; service names are not resolved (the ASA prints numbers). */
function readPort(text: string): number | Bad {
  const p = parsePort(text);
  if (p >= 0) return p;
  return /^\d+$/.test(text) ? bad('bad-port', `port ${text} is out of range`) : bad('bad-port', `port "${text}" is not a number`);
}

/**
 * `[interface:]address[/port]` (106023, 302013, 710003 ...). With `withInterface`, the interface
 * is everything before the longest tail that reads as an address.
 */
function readEndpoint(token: string, withInterface: boolean, withPort: boolean): Endpoint | Bad {
  // The usual shape first: `interface:a.b.c.d/port`, read without intermediate strings.
  const slash = withPort ? token.lastIndexOf('/') : token.length;
  if (slash > 0) {
    const colon = withInterface ? token.lastIndexOf(':', slash) : -1;
    if (colon > 0 || !withInterface) {
      const port = withPort ? parsePort(token, slash + 1, token.length) : -1;
      if (port >= 0 || !withPort) {
        const ip = canonicalIp(token, colon + 1, slash);
        if (ip !== undefined && !ip.includes(':')) return { iface: colon > 0 ? token.slice(0, colon) : '', ip, port };
      }
    }
  }
  return readEndpointSlow(token, withInterface, withPort);
}

/** Every other shape: IPv6, interface names with colons, host names, and the errors. */
function readEndpointSlow(token: string, withInterface: boolean, withPort: boolean): Endpoint | Bad {
  let addrPart = token;
  let port = -1;
  if (withPort) {
    const slash = token.lastIndexOf('/');
    if (slash < 0) return bad('missing-field', `endpoint "${token}" has no port`);
    const p = readPort(token.slice(slash + 1));
    if (typeof p !== 'number') return p;
    port = p;
    addrPart = token.slice(0, slash);
  }
  if (!withInterface) {
    const ip = readAddress(addrPart);
    return ip === undefined ? bad('bad-address', `"${addrPart}" is not an address`) : { iface: '', ip, port };
  }
  // IPv4 or a name: the tail after the last colon.
  const last = addrPart.lastIndexOf(':');
  if (last < 0) return bad('bad-address', `endpoint "${token}" has no interface`);
  const tail = addrPart.slice(last + 1);
  if (tail.includes('.') || (tail.length > 0 && isHostName(tail) && !/^[0-9a-fA-F]{1,4}$/.test(tail))) {
    const ip = readAddress(tail);
    if (ip !== undefined) return { iface: addrPart.slice(0, last), ip, port };
  }
  // IPv6: the longest tail after a colon that is an address.
  for (let c = addrPart.indexOf(':'); c >= 0 && c < last; c = addrPart.indexOf(':', c + 1)) {
    const ip = canonicalIp(addrPart, c + 1);
    if (ip !== undefined && ip.includes(':')) return { iface: addrPart.slice(0, c), ip, port };
  }
  return bad('bad-address', `"${tail}" is not an address`);
}

/** `interface/address(port)` (106100); IPv6 has no `/`, so the split is at the last `/`. */
function readSlashEndpoint(token: string): Endpoint | Bad {
  const open = token.indexOf('(');
  const close = token.indexOf(')', open);
  if (open < 0 || close < 0) return bad('missing-field', `endpoint "${token}" has no (port)`);
  const head = token.slice(0, open);
  const slash = head.lastIndexOf('/');
  if (slash < 0) return bad('bad-address', `endpoint "${token}" has no interface`);
  const ip = readAddress(head.slice(slash + 1));
  if (ip === undefined) return bad('bad-address', `"${head.slice(slash + 1)}" is not an address`);
  const p = readPort(token.slice(open + 1, close));
  if (typeof p !== 'number') return p;
  return { iface: head.slice(0, slash), ip, port: p };
}

/** True when an endpoint token ends in `/port` (the last `/` comes after the last `:`). */
function hasPort(token: string): boolean {
  return token.lastIndexOf('/') > token.lastIndexOf(':');
}

/** Protocol word (`tcp`, `UDP`, `icmp6`, `protocol 103`, `103`) → number. */
function readProto(text: string): number {
  const t = text.startsWith('protocol ') ? text.slice(9) : text;
  return protoNumber(t);
}

function readFlags(text: string): number {
  let flags = 0;
  for (const w of text.trim().split(/\s+/)) flags |= TCP_FLAG_WORDS[w.toUpperCase()] ?? 0;
  return flags;
}

/** Message texts by id. Endpoint tokens are `\S+`; the helpers above split them. */
const RX = {
  // The optional `(...)` after an address (ASA prints a user or a mapped address there) is at most
  // 128 characters without parentheses: `[^)]*` was read to the end of the line from every `(` a
  // lazy address tried, quadratic on a line of `(`.
  m106001: /^(Inbound|Outbound) (\S+) connection denied from (\S+) to (\S+) flags ([A-Za-z ]*?)\s+on interface (\S+)/,
  m106006: /^Deny (inbound|outbound) (UDP|TCP|udp|tcp) from (\S+) to (\S+?)(?: on interface (\S+?)| due to (DNS \w+))?\.?$/,
  m106010: /^Deny (inbound|outbound) (protocol \d+|\S+) src (\S+) dst (\S+)/,
  m106014: /^Deny (inbound|outbound) (icmp6?|ICMP6?) src (\S+) dst (\S+?) ?\(type (\d+), code (\d+)\)/,
  m106015: /^Deny TCP \(no connection\) from (\S+) to (\S+) flags ([A-Za-z ]*?)\s+on interface (\S+)/,
  m106021: /^Deny (\S+) reverse path check from (\S+) to (\S+) on interface (\S+)/,
  m106023: /^Deny (protocol \d+|\S+) src (\S+?)(?:\([^()]{0,128}\))? dst (\S+?)(?:\([^()]{0,128}\))?(?: ?\(type (\d+), code (\d+)\))? by access-group "([^"]*)"/,
  m106100: /^access-list (\S+) (permitted|denied|est-allowed) (\S+) (\S+) -> (\S+) hit-cnt (\d+)/,
  m110002: /^Failed to locate egress interface for (\S+) from (\S+) to (\S+)/,
  m302013: /^Built (inbound|outbound) (TCP|UDP) connection (\d+) for (\S+) \(\S+\)(?: \([^()]{0,128}\))? to (\S+) \(\S+\)/,
  m302014: /^Teardown (TCP|UDP) connection (\d+) for (\S+?)(?:\([^()]{0,128}\))? to (\S+?)(?:\([^()]{0,128}\))? duration (\d+):(\d\d):(\d\d) bytes (\d+)(?: (.*))?$/,
  m302020: /^Built (inbound|outbound) (ICMP|ICMPv6|ICMP6) connection for faddr (\S+?)(?:\([^()]{0,128}\))? gaddr (\S+) laddr (\S+?)(?:\([^()]{0,128}\))?(?: type (\d+) code (\d+))?\s*$/,
  m302021: /^Teardown (ICMP|ICMPv6|ICMP6) connection for faddr (\S+?)(?:\([^()]{0,128}\))? gaddr (\S+) laddr (\S+?)(?:\([^()]{0,128}\))?(?: \([^()\s]{1,128}\))?(?: type (\d+) code (\d+))?\s*$/,
  m313004: /^Denied ICMP type=(\d+), (?:code=(\d+), )?from (?:laddr )?(\S+) on interface (\S+) to (\S+?):? ?no matching session/,
  m313005: /^No matching connection for ICMP error message: (icmp6?) src (\S+) dst (\S+) \(type (\d+), code (\d+)\) on (\S+) interface\.\s+Original IP payload: (\S+) src (\S+) dst (\S+?)\.?$/,
  m419001: /^Dropping TCP packet from (\S+) to (\S+?),/,
  m419002: /^Duplicate TCP SYN from (\S+) to (\S+) with/,
  m7100xx: /^(TCP|UDP) (access requested|access permitted|access denied by ACL|request discarded) from (\S+) to (\S+)/,
  m710006: /^(\S+) request discarded from (\S+) to (\S+)/,
};

/** Bare text (no `%ASA-n-id:` tag) → message id, by its opening words. */
const BARE: ReadonlyArray<[RegExp, string]> = [
  [/^Deny (?:tcp|udp|icmp6?|protocol \d+|\S+) src /, '106023'],
  [/^(?:Inbound|Outbound) \S+ connection denied from /, '106001'],
  [/^Deny (?:inbound|outbound) (?:UDP|TCP|udp|tcp) from /, '106006'],
  [/^Deny (?:inbound|outbound) icmp6? src /i, '106014'],
  [/^Deny (?:inbound|outbound) \S+ src /, '106010'],
  [/^Deny TCP \(no connection\)/, '106015'],
  [/^Deny \S+ reverse path check/, '106021'],
  [/^access-list \S+ (?:permitted|denied|est-allowed) /, '106100'],
  [/^Failed to locate egress interface/, '110002'],
  [/^Built (?:inbound|outbound) (?:TCP|UDP) connection/, '302013'],
  [/^Teardown (?:TCP|UDP) connection/, '302014'],
  [/^Built (?:inbound|outbound) ICMP/, '302020'],
  [/^Teardown ICMP/, '302021'],
  [/^Denied ICMP type=\d+, (?:code=\d+, )?from /, '313004'],
  [/^No matching connection for ICMP error/, '313005'],
  [/^Dropping TCP packet from/, '419001'],
  [/^Duplicate TCP SYN/, '419002'],
  [/^(?:TCP|UDP) (?:access requested|access permitted|access denied by ACL|request discarded) from/, '710003'],
  [/^AccessControlRuleAction: /, '430003'],
];

/** Quick test for the bare wordings, for sniffing and for lines without a tag. */
const BARE_ANY =
  /(?:Deny (?:tcp|udp|icmp|inbound|outbound|protocol|TCP \(no)|connection denied from|Built (?:in|out)bound|Teardown (?:TCP|UDP|ICMP)|access-list \S+ (?:permitted|denied|est-allowed)|access denied by ACL|No matching connection for ICMP|Denied ICMP type=|AccessControlRuleAction:)/;

/** Index of the `%ASA-n-nnnnnn:` (or FTD/PIX/FWSM) tag after its `%`, or -1. */
function findTag(line: string, from: number): number {
  let i = line.indexOf('%', from);
  while (i >= 0) {
    if (isTagAt(line, i + 1)) return i + 1;
    i = line.indexOf('%', i + 1);
  }
  return -1;
}

/**
 * The message id and text of a line without a `%` tag: `ASA-2-106001: text` (relays that drop
 * the `%`), `302021: text`, `6|Nov 28 2014 12:59:03|302021: text`, or the text alone, recognised
 * by its opening words. Undefined when the line is not an ASA message.
 */
function untagged(line: string, at: number): [string, string] | undefined {
  const c = line.charCodeAt(at);
  if (c === 65 && isTagAt(line, at)) {
    const colon = line.indexOf(':', at);
    if (colon > 0) return [line.slice(line.lastIndexOf('-', colon) + 1, colon), line.slice(colon + 1).trimStart()];
  }
  if (c >= 48 && c <= 57) {
    // `302021: text`, or `6|Nov 28 2014 12:59:03|302021: text` (a relay's own framing).
    let body = line.slice(at);
    const bar = body.lastIndexOf('|');
    if (bar >= 0) body = body.slice(bar + 1);
    const m = /^(\d{6}): /.exec(body);
    return m === null ? undefined : [m[1]!, body.slice(m[0].length)];
  }
  // Only wordings that start with one of these letters are ASA flow messages.
  if (c !== 68 && c !== 73 && c !== 79 && c !== 66 && c !== 84 && c !== 97 && c !== 78 && c !== 70 && c !== 65 && c !== 85) return undefined;
  const body = line.slice(at);
  for (const [rx, mid] of BARE) if (rx.test(body)) return [mid, body];
  return undefined;
}

function isTagAt(line: string, i: number): boolean {
  const a = line.charCodeAt(i);
  const ok =
    (a === 65 && line.startsWith('ASA-', i)) || (a === 70 && line.startsWith('FTD-', i)) || (a === 80 && (line.startsWith('PIX-', i) || line.startsWith('FWSM-', i)));
  if (!ok) return false;
  const d = line.indexOf('-', i) + 1;
  const sev = line.charCodeAt(d);
  return sev >= 48 && sev <= 55 && line.charCodeAt(d + 1) === 45;
}

interface Parsed {
  ts: number;
  nsec: number;
  file: string;
  line: number;
}

/** Session orientation remembered per connection id, for Teardown messages (bounded). */
const CONN_MEMORY = 65536;

export const ciscoAsaFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'Cisco ASA / FTD syslog',
  spec: 'Cisco Secure Firewall ASA Series Syslog Messages; Cisco Firepower Threat Defense Syslog Messages (430002/430003)',
  interleaved: true,
  sniff(line: string): number {
    if (findTag(line, 0) >= 0) return 90;
    const a = line.indexOf('ASA-');
    if (a >= 0 && isTagAt(line, a)) return 85;
    return BARE_ANY.test(line) ? 40 : 0;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options: LogOptions = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    /** connection id → true when the Built message's endpoints were swapped. */
    const swapped = new Map<string, boolean>();
    /** ICMP `faddr laddr` → direction of the Built message (ICMP has no connection id). */
    const icmpDir = new Map<string, string>();
    const remember = <V>(m: Map<string, V>, k: string, v: V): void => {
      if (m.size >= CONN_MEMORY) m.clear();
      m.set(k, v);
    };

    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      let id: string;
      let text: string;
      const tagAt = findTag(line, h.msgOffset);
      if (tagAt >= 0) {
        const colon = line.indexOf(':', tagAt);
        if (colon < 0) return { skip: 'no message text' };
        id = line.slice(line.lastIndexOf('-', colon) + 1, colon);
        let t = colon + 1;
        while (line.charCodeAt(t) === 32) t++;
        text = line.slice(t);
      } else {
        let u = untagged(line, h.bodyOffset);
        if (u === undefined && h.msgOffset !== h.bodyOffset) u = untagged(line, h.msgOffset);
        if (u === undefined) return { skip: 'not an ASA message' };
        [id, text] = u;
      }
      if (h.time === 'uptime') pctx.note?.('log-time-relative', 'times are seconds since boot: no date is known');
      const p: Parsed = { ts: h.sec, nsec: h.nsec, file: ctx.file, line: ctx.line };
      const r = parseMessage(id, text, p);
      // Several messages print the protocol as a word (`Inbound TCP connection ...`); a word that
      // is no protocol gives -1, which must not become a flow (`ip--1`).
      if ('proto' in r && r.proto < 0) return bad('bad-protocol', `protocol of ${id} is not known`);
      return r;
    };

    function base(p: Parsed, proto: number, src: Endpoint, dst: Endpoint, action: Observation['action'], kind: Observation['kind']): Observation {
      return {
        tsSec: p.ts,
        tsNsec: p.nsec,
        proto,
        src: src.ip,
        srcPort: src.port < 0 ? 0 : src.port,
        dst: dst.ip,
        dstPort: dst.port < 0 ? 0 : dst.port,
        action,
        kind,
        initiatorKnown: false,
        format: NAME,
        evidence: { file: p.file, line: p.line },
      };
    }

    /** A denied or allowed packet: kind from its flags/type, initiator known for attempts. */
    function packet(
      p: Parsed,
      proto: number,
      src: Endpoint,
      dst: Endpoint,
      action: Observation['action'],
      extra: { flags?: number; icmpType?: number; icmpCode?: number; rule?: string; direction?: string; kind?: Observation['kind'] },
    ): Observation {
      const kind = extra.kind ?? packetKind(proto, extra.flags, extra.icmpType);
      const o = base(p, proto, src, dst, action, kind);
      if (extra.flags !== undefined) o.tcpFlags = extra.flags;
      if (extra.icmpType !== undefined) o.icmpType = extra.icmpType;
      if (extra.icmpCode !== undefined) o.icmpCode = extra.icmpCode;
      // The ASA checks access rules on the first packet of a connection only: the sender of an
      // attempt is its initiator (an ICMP request's sender too).
      if (kind === 'attempt' && (!(proto === 1 || proto === 58) || extra.icmpType !== undefined)) o.initiatorKnown = true;
      if (extra.rule !== undefined) o.rule = extra.rule;
      if (extra.direction !== undefined) o.direction = extra.direction;
      if (src.iface !== '') o.interface = src.iface;
      return o;
    }

    function parseMessage(id: string, text: string, p: Parsed): LineResult {
      // 106023 first: most deny lines are access-group denials.
      switch (id) {
        case '106023': {
          const m = RX.m106023.exec(text);
          if (m === null) return unreadable(id);
          const proto = readProto(m[1]!);
          if (proto < 0) return bad('bad-protocol', `protocol "${m[1]!}" is not known`);
          // A port follows the address when the protocol has one (`Deny protocol 103 src outside:A/p` prints one too).
          const ports = proto !== 1 && proto !== 58 && hasPort(m[2]!);
          const src = readEndpoint(m[2]!, true, ports);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[3]!, true, ports);
          if (isBad(dst)) return dst;
          const extra: Parameters<typeof packet>[5] = { rule: m[6]! };
          if (m[4] !== undefined) {
            extra.icmpType = Number(m[4]);
            extra.icmpCode = Number(m[5]);
          }
          return packet(p, proto, src, dst, 'denied', extra);
        }
        case '106001': {
          const m = RX.m106001.exec(text);
          if (m === null) return unreadable(id);
          const proto = protoNumber(m[2]!);
          const src = readEndpoint(m[3]!, false, true);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[4]!, false, true);
          if (isBad(dst)) return dst;
          src.iface = m[6]!;
          return packet(p, proto, src, dst, 'denied', { flags: readFlags(m[5]!), direction: m[1]!.toLowerCase() });
        }
        case '106006':
        case '106007': {
          const m = RX.m106006.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[3]!, false, true);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[4]!, false, true);
          if (isBad(dst)) return dst;
          if (m[5] !== undefined) src.iface = m[5];
          return packet(p, protoNumber(m[2]!), src, dst, 'denied', { direction: m[1]!, ...(m[6] !== undefined ? { rule: m[6] } : {}) });
        }
        case '106010': {
          const m = RX.m106010.exec(text);
          if (m === null) return unreadable(id);
          const proto = readProto(m[2]!);
          if (proto < 0) return bad('bad-protocol', `protocol "${m[2]!}" is not known`);
          const ports = proto === 6 || proto === 17 || proto === 132;
          const src = readEndpoint(m[3]!, true, ports);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[4]!, true, ports);
          if (isBad(dst)) return dst;
          return packet(p, proto, src, dst, 'denied', { direction: m[1]! });
        }
        case '106014': {
          const m = RX.m106014.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[3]!, true, false);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[4]!, true, false);
          if (isBad(dst)) return dst;
          const proto = m[2]!.toLowerCase() === 'icmp' ? 1 : 58;
          return packet(p, proto, src, dst, 'denied', { icmpType: Number(m[5]), icmpCode: Number(m[6]), direction: m[1]! });
        }
        case '106015': {
          const m = RX.m106015.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[1]!, false, true);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[2]!, false, true);
          if (isBad(dst)) return dst;
          src.iface = m[4]!;
          // No connection for this packet: a late or out-of-state packet, never a policy block.
          return packet(p, 6, src, dst, 'denied', { flags: readFlags(m[3]!), kind: 'late' });
        }
        case '106021': {
          const m = RX.m106021.exec(text);
          if (m === null) return unreadable(id);
          const proto = readProto(m[1]!);
          const src = readEndpoint(m[2]!, false, false);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[3]!, false, false);
          if (isBad(dst)) return dst;
          src.iface = m[4]!;
          return packet(p, proto < 0 ? 0 : proto, src, dst, 'denied', { rule: 'reverse path check', kind: 'attempt' });
        }
        case '106100': {
          const m = RX.m106100.exec(text);
          if (m === null) return unreadable(id);
          const proto = readProto(m[3]!);
          if (proto < 0) return bad('bad-protocol', `protocol "${m[3]!}" is not known`);
          const src = readSlashEndpoint(m[4]!);
          if (isBad(src)) return src;
          const dst = readSlashEndpoint(m[5]!);
          if (isBad(dst)) return dst;
          const verdict = m[2]!;
          const action = verdict === 'denied' ? 'denied' : 'allowed';
          const extra: Parameters<typeof packet>[5] = { rule: m[1]! };
          if (proto === 1 || proto === 58) {
            // For ICMP the parentheses hold the type (source side) and the code (destination side).
            extra.icmpType = src.port;
            extra.icmpCode = dst.port;
            src.port = -1;
            dst.port = -1;
          }
          // `est-allowed`: a packet of an established connection (TCP state bypass), not an attempt.
          if (verdict === 'est-allowed') extra.kind = 'late';
          return packet(p, proto, src, dst, action, extra);
        }
        case '110002':
        case '110003': {
          const m = RX.m110002.exec(text);
          if (m === null) return unreadable(id);
          const proto = readProto(m[1]!);
          const ports = proto === 6 || proto === 17;
          const src = readEndpoint(m[2]!, true, ports);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[3]!, false, ports);
          if (isBad(dst)) return dst;
          return packet(p, proto < 0 ? 0 : proto, src, dst, 'denied', { rule: 'no route', kind: 'attempt' });
        }
        case '302013':
        case '302015':
          return built(text, p, id);
        case '302014':
        case '302016':
          return teardown(text, p, id);
        case '302020':
        case '302021':
          return icmpSession(text, p, id);
        case '313004': {
          const m = RX.m313004.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[3]!, false, false);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[5]!, false, false);
          if (isBad(dst)) return dst;
          src.iface = m[4]!;
          const extra: Parameters<typeof packet>[5] = { icmpType: Number(m[1]), rule: 'no matching session' };
          if (m[2] !== undefined) extra.icmpCode = Number(m[2]);
          return packet(p, 1, src, dst, 'denied', extra);
        }
        case '313005': {
          const m = RX.m313005.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[2]!, true, false);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[3]!, true, false);
          if (isBad(dst)) return dst;
          const proto = m[1] === 'icmp6' ? 58 : 1;
          const o = packet(p, proto, src, dst, 'denied', { icmpType: Number(m[4]), icmpCode: Number(m[5]), rule: 'no matching connection', kind: 'late' });
          const qProto = readProto(m[7]!);
          const qPorts = qProto === 6 || qProto === 17;
          const qs = readEndpoint(m[8]!, false, qPorts);
          const qd = readEndpoint(m[9]!, false, qPorts);
          if (!isBad(qs) && !isBad(qd) && qProto >= 0) {
            o.quoted = { proto: qProto, src: qs.ip, srcPort: Math.max(qs.port, 0), dst: qd.ip, dstPort: Math.max(qd.port, 0) };
          }
          return o;
        }
        case '419001':
        case '419002': {
          const m = (id === '419001' ? RX.m419001 : RX.m419002).exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[1]!, true, true);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[2]!, true, true);
          if (isBad(dst)) return dst;
          return packet(p, 6, src, dst, 'denied', { kind: 'late', rule: id === '419001' ? 'TCP normalizer' : 'duplicate SYN' });
        }
        case '710001':
        case '710002':
        case '710003':
        case '710005': {
          const m = RX.m7100xx.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[3]!, false, true);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[4]!, true, true);
          if (isBad(dst)) return dst;
          const what = m[2]!;
          const action = what === 'access permitted' ? 'allowed' : what === 'access requested' ? 'unknown' : 'denied';
          return packet(p, protoNumber(m[1]!), src, dst, action, { kind: 'attempt', direction: 'to-the-box' });
        }
        case '710006': {
          const m = RX.m710006.exec(text);
          if (m === null) return unreadable(id);
          const src = readEndpoint(m[2]!, false, false);
          if (isBad(src)) return src;
          const dst = readEndpoint(m[3]!, true, false);
          if (isBad(dst)) return dst;
          const proto = readProto(m[1]!);
          return packet(p, proto < 0 ? 0 : proto, src, dst, 'denied', { kind: 'attempt', direction: 'to-the-box' });
        }
        case '430002':
        case '430003':
          return ftdConnection(text, p, id);
        default:
          return { skip: `message ${id} is not about a flow` };
      }
    }

    function unreadable(id: string): Bad {
      return bad('unreadable-message', `message ${id} does not read as documented`);
    }

    function built(text: string, p: Parsed, _id: string): LineResult {
      const m = RX.m302013.exec(text);
      if (m === null) return unreadable(_id);
      const proto = m[2] === 'TCP' ? 6 : 17;
      const first = readEndpoint(m[4]!, true, true);
      if (isBad(first)) return first;
      const second = readEndpoint(m[5]!, true, true);
      if (isBad(second)) return second;
      const dir = m[1]!;
      // outbound: the first (`for`) endpoint is the responder.
      let swap = dir === 'outbound';
      let src = swap ? second : first;
      let dst = swap ? first : second;
      // Active FTP data follows the control channel's direction: the port-20 side opened it.
      if (proto === 6 && dst.port === 20 && src.port !== 20) {
        swap = !swap;
        [src, dst] = [dst, src];
      }
      remember(swapped, m[3]!, swap);
      const o = base(p, proto, src, dst, 'allowed', 'session');
      o.initiatorKnown = true;
      o.connId = m[3]!;
      o.direction = dir;
      if (src.iface !== '') o.interface = src.iface;
      return o;
    }

    function teardown(text: string, p: Parsed, _id: string): LineResult {
      const m = RX.m302014.exec(text);
      if (m === null) return unreadable(_id);
      const proto = m[1] === 'TCP' ? 6 : 17;
      const first = readEndpoint(m[3]!, true, true);
      if (isBad(first)) return first;
      const second = readEndpoint(m[4]!, true, true);
      if (isBad(second)) return second;
      const known = swapped.get(m[2]!);
      const src = known === true ? second : first;
      const dst = known === true ? first : second;
      // `\d+` admits any length: hours past 7 digits (a thousand years) or a byte count past 15
      // digits (not an exact number) would make absurd times and counts.
      if (m[5]!.length > 7 || m[8]!.length > 15) return bad('bad-field', `duration ${m[5]!}:${m[6]!}:${m[7]!} or bytes ${m[8]!} out of range`);
      const duration = Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]);
      const o = base({ ...p, ts: p.ts - duration }, proto, src, dst, 'allowed', 'session');
      o.initiatorKnown = known !== undefined;
      o.endSec = p.ts;
      o.endNsec = p.nsec;
      o.bytes = { total: Number(m[8]) };
      o.connId = m[2]!;
      // A Teardown ends its connection: a later packet on the tuple is another flow.
      o.final = true;
      const reason = endReasonOf(m[9] ?? '');
      if (reason !== '') o.endReason = reason;
      // "SYN Timeout: force termination after 30 seconds awaiting three-way handshake completion"
      // (ASA syslog guide, 302014 reasons): allowed, but never answered — Zeek's S0.
      if (proto === 6 && o.endReason !== undefined && o.endReason.toLowerCase() === 'syn timeout') o.connState = 'S0';
      if (src.iface !== '') o.interface = src.iface;
      if (known !== undefined) swapped.delete(m[2]!);
      return o;
    }

    function icmpSession(text: string, p: Parsed, id: string): LineResult {
      const isBuilt = id === '302020';
      const m = (isBuilt ? RX.m302020 : RX.m302021).exec(text);
      if (m === null) return unreadable(id);
      const off = isBuilt ? 1 : 0;
      const proto = m[1 + off]!.toUpperCase() === 'ICMP' ? 1 : 58;
      // faddr/gaddr/laddr carry `/id` or `/type`: not ports.
      const f = readEndpoint(m[2 + off]!.replace(/\/\d+$/, ''), false, false);
      if (isBad(f)) return f;
      const l = readEndpoint(m[4 + off]!.replace(/\/\d+$/, ''), false, false);
      if (isBad(l)) return l;
      const key = `${f.ip} ${l.ip}`;
      const dir = isBuilt ? m[1]! : icmpDir.get(key);
      if (isBuilt) remember(icmpDir, key, m[1]!);
      // inbound: the foreign address initiated; outbound: the local one.
      const src = dir === 'inbound' ? f : l;
      const dst = dir === 'inbound' ? l : f;
      const o = base(p, proto, src, dst, 'allowed', 'session');
      o.initiatorKnown = dir !== undefined;
      if (dir !== undefined) o.direction = dir;
      if (!isBuilt) o.final = true;
      const t = m[5 + off];
      if (t !== undefined) {
        o.icmpType = Number(t);
        o.icmpCode = Number(m[6 + off]);
      }
      return o;
    }

    function ftdConnection(text: string, p: Parsed, id: string): LineResult {
      const f = new Map<string, string>();
      for (const part of text.split(', ')) {
        const c = part.indexOf(': ');
        if (c > 0) f.set(part.slice(0, c).trim(), part.slice(c + 2).trim());
      }
      const srcIp = f.get('SrcIP');
      const dstIp = f.get('DstIP');
      const actionText = f.get('AccessControlRuleAction');
      if (srcIp === undefined || dstIp === undefined || actionText === undefined) return { skip: 'FTD event without a connection' };
      const src = canonicalIp(srcIp);
      const dst = canonicalIp(dstIp);
      if (src === undefined) return bad('bad-address', `SrcIP "${srcIp}" is not an address`);
      if (dst === undefined) return bad('bad-address', `DstIP "${dstIp}" is not an address`);
      const protoText = f.get('Protocol') ?? '';
      const proto = protoNumber(protoText);
      if (proto < 0) return bad('bad-protocol', `Protocol "${protoText}" is not known`);
      const sp = f.has('SrcPort') ? readPort(f.get('SrcPort')!) : 0;
      if (typeof sp !== 'number') return sp;
      const dp = f.has('DstPort') ? readPort(f.get('DstPort')!) : 0;
      if (typeof dp !== 'number') return dp;
      const a = actionText.toLowerCase();
      const action: Observation['action'] = a.startsWith('block') || a.startsWith('interactive block') ? 'denied' : a === 'allow' || a === 'trust' || a === 'fastpath' ? 'allowed' : 'unknown';
      const num = (k: string): number | undefined => {
        const v = f.get(k);
        if (v === undefined) return undefined;
        const n = parseUint(v, 0, v.length);
        return n < 0 ? undefined : n;
      };
      const ip = num('InitiatorPackets');
      const rp = num('ResponderPackets');
      const ib = num('InitiatorBytes');
      const rb = num('ResponderBytes');
      let kind: Observation['kind'] = 'session';
      if (action === 'denied') kind = proto === 6 && rp !== undefined && rp > 0 ? 'late' : 'attempt';
      let start = p.ts;
      let startNsec = p.nsec;
      const first = f.get('FirstPacketSecond');
      const duration = num('ConnectionDuration');
      if (first !== undefined) {
        const t = { sec: 0, nsec: 0 };
        if (parseIsoTime(first, 0, options.utcOffsetMinutes, t) > 0) {
          start = t.sec;
          startNsec = t.nsec;
        }
      } else if (id === '430003' && duration !== undefined) {
        start = p.ts - duration;
      }
      const o: Observation = {
        tsSec: start,
        tsNsec: startNsec,
        proto,
        src,
        srcPort: sp,
        dst,
        dstPort: dp,
        action,
        kind,
        initiatorKnown: true,
        format: NAME,
        evidence: { file: p.file, line: p.line },
      };
      if (id === '430003') {
        o.endSec = p.ts;
        o.endNsec = p.nsec;
        o.final = true;
      }
      if (ip !== undefined || rp !== undefined) o.packets = { ...(ip !== undefined ? { out: ip } : {}), ...(rp !== undefined ? { back: rp } : {}) };
      if (ib !== undefined || rb !== undefined) o.bytes = { ...(ib !== undefined ? { out: ib } : {}), ...(rb !== undefined ? { back: rb } : {}) };
      const icmpType = f.get('ICMPType');
      if (icmpType !== undefined && (proto === 1 || proto === 58)) {
        const t = FTD_ICMP_TYPES[icmpType] ?? parseUint(icmpType, 0, icmpType.length);
        if (t >= 0) o.icmpType = t;
      }
      const rule = f.get('AccessControlRuleName');
      if (rule !== undefined) o.rule = rule;
      const reason = f.get('AccessControlRuleReason');
      if (reason !== undefined) o.endReason = reason;
      const ingress = f.get('IngressInterface');
      if (ingress !== undefined) o.interface = ingress;
      const cid = f.get('ConnectionID');
      if (cid !== undefined) o.connId = cid;
      return o;
    }
  },
};

/** FTD prints ICMP types by name. */
const FTD_ICMP_TYPES: Readonly<Record<string, number>> = {
  'Echo Reply': 0,
  'Destination Unreachable': 3,
  'Source Quench': 4,
  Redirect: 5,
  'Echo Request': 8,
  'Time Exceeded': 11,
  'Parameter Problem': 12,
  'Timestamp Request': 13,
  'Timestamp Reply': 14,
};
