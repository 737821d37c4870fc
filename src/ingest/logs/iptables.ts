/**
 * iptables / ip6tables / nftables `log` / ebtables-on-IP kernel LOG lines, UFW, Shorewall,
 * SuSEfirewall2, Ubiquiti EdgeOS and ulogd LOGEMU — all printed by the kernel's netfilter syslog
 * formatter (net/netfilter/nf_log_syslog.c, formerly nf_log_ipv4.c/nf_log_ipv6.c) or by ulogd's
 * copy of it (ulogd2 util/printpkt.c), after any syslog header (syslog.ts).
 *
 * | part | fields (in the order printed) |
 * |---|---|
 * | common | `<prefix>IN=<if> OUT=<if> [PHYSIN=] [PHYSOUT=] [MAC=aa:..] or [MACSRC= MACDST= [VPROTO= VID=] MACPROTO=]` |
 * | IPv4 | `SRC= DST= LEN= TOS= PREC= TTL= ID= [CE] [DF] [MF] [FRAG:n] [OPT (..)]` |
 * | IPv6 | `SRC= DST= LEN= TC= HOPLIMIT= FLOWLBL= [FRAG:n [INCOMPLETE] ID:x]` (addresses fully expanded) |
 * | TCP | `PROTO=TCP SPT= DPT= [SEQ= ACK=] WINDOW= RES=0x.. [AE CWR ECE URG ACK PSH RST SYN FIN] URGP= [OPT (..)]` |
 * | UDP | `PROTO=UDP|UDPLITE SPT= DPT= LEN=` (a second `LEN=`: keys repeat, so fields are read in order) |
 * | ICMP | `PROTO=ICMP TYPE= CODE= [ID= SEQ=] [PARAMETER=] [GATEWAY=] [[<quoted IPv4 packet>]] [MTU=]` |
 * | ICMPv6 | `PROTO=ICMPv6 TYPE= CODE= [ID= SEQ=] [POINTER=] [[<quoted IPv6 packet>]] [MTU=]` |
 * | other | `PROTO=ESP SPI=`, `PROTO=AH SPI=`, `PROTO=<number>` |
 * | trailer | `[UID= GID=] [MARK=0x..]` |
 *
 * Non-first fragments and headers the kernel could not read (`INCOMPLETE [n bytes]`) carry no
 * ports: they are skipped (the first fragment is the one that says which flow it belongs to).
 *
 * The IP header's `LEN=` (the first one; a UDP header repeats the key) is the packet's IP length:
 * it becomes the line's one packet and its bytes (`packets.out` 1, `bytes.out` LEN).
 *
 * The action is not in the kernel's text: it lives only in the log prefix the rule author chose.
 * See `prefixAction` for the mapping; an unmapped prefix gives action `unknown`.
 */
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions, ParserContext } from './format.js';
import { canonicalIp, packetKind, protoNumber, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './fields.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

const NAME = 'iptables';

/** Words that mean a verdict in a log prefix, after splitting it on non-letters. */
const DENY_WORDS = new Set(['DROP', 'DROPPED', 'DENY', 'DENIED', 'REJECT', 'REJECTED', 'BLOCK', 'BLOCKED', 'DISCARD', 'DISCARDED']);
const ALLOW_WORDS = new Set(['ACCEPT', 'ACCEPTED', 'ALLOW', 'ALLOWED', 'PASS', 'PASSED', 'PERMIT', 'PERMITTED', 'ACC']);

/**
 * The action a log prefix states:
 * 1. the user's `--prefix-action` mappings (case-insensitive substring), first match wins;
 * 2. UFW: `[UFW BLOCK]`, `[UFW LIMIT BLOCK]` → denied, `[UFW ALLOW]` → allowed, `[UFW AUDIT]` → unknown
 *    (audit lines are logged before the verdict);
 * 3. Ubiquiti EdgeOS/VyOS `[<ruleset>-<rule>-<A|D|R>]` (`[WAN_IN-4000-D]`): A allowed, D (drop) and R (reject) denied;
 * 4. words (split on anything not a letter): DROP, DENY, REJECT, BLOCK, DISCARD (and -ED forms) → denied;
 *    ACCEPT, ALLOW, PASS, PERMIT (and -ED forms), SuSEfirewall2's ACC → allowed; words of both kinds → unknown;
 * 5. otherwise `unknown`: counted as a flow the firewall logged, never as a denial.
 */
export function prefixAction(prefix: string, options: LogOptions): Observation['action'] {
  if (options.prefixActions.length > 0) {
    const upper = prefix.toUpperCase();
    for (const m of options.prefixActions) if (upper.includes(m.match.toUpperCase())) return m.action;
  }
  const ufw = prefix.indexOf('[UFW ');
  if (ufw >= 0) {
    const close = prefix.indexOf(']', ufw);
    const words = prefix.slice(ufw + 5, close < 0 ? prefix.length : close);
    if (words.includes('BLOCK')) return 'denied';
    if (words.includes('ALLOW')) return 'allowed';
    return 'unknown';
  }
  const open = prefix.indexOf('[');
  if (open >= 0) {
    const close = prefix.indexOf(']', open);
    if (close > open + 2 && prefix.charCodeAt(close - 2) === 45) {
      const v = prefix.charCodeAt(close - 1);
      if (v === 68 || v === 82) return 'denied'; // -D, -R
      if (v === 65) return 'allowed'; // -A
    }
  }
  let deny = false;
  let allow = false;
  const words = prefix.toUpperCase().split(/[^A-Z]+/);
  for (const w of words) {
    if (DENY_WORDS.has(w)) deny = true;
    else if (ALLOW_WORDS.has(w)) allow = true;
  }
  if (deny && !allow) return 'denied';
  if (allow && !deny) return 'allowed';
  return 'unknown';
}

/** The prefix as a rule name: trimmed of spaces, brackets and trailing colons (`[UFW BLOCK] ` → `UFW BLOCK`). */
function ruleName(prefix: string): string {
  let s = 0;
  let e = prefix.length;
  while (s < e) {
    const c = prefix.charCodeAt(s);
    if (c === 32 || c === 91) s++;
    else break;
  }
  while (e > s) {
    const c = prefix.charCodeAt(e - 1);
    if (c === 32 || c === 93 || c === 58) e--;
    else break;
  }
  return prefix.slice(s, e);
}

/** End of the value starting at `i` (next space, or `]` closing a quoted packet, or the end). */
function valueEnd(line: string, i: number): number {
  const sp = line.indexOf(' ', i);
  return sp < 0 ? line.length : sp;
}

/** Index of ` KEY=` (or `KEY=` at `from`) at or after `from`, before `limit`; returns the value start or -1. */
function findKey(line: string, key: string, spacedKey: string, from: number, limit: number): number {
  if (line.startsWith(key, from)) return from + key.length;
  const k = line.indexOf(spacedKey, from);
  return k < 0 || k >= limit ? -1 : k + spacedKey.length;
}

interface PacketFields {
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  flags: number;
  hasFlags: boolean;
  icmpType: number;
  icmpCode: number;
  /** Index after the fields read (for the quoted packet). */
  end: number;
  /** Why the packet has no flow, when it has none. */
  noFlow: string;
  /** The IP header's `LEN=` (the packet's IP length, header included), -1 when not printed. */
  ipLen: number;
}

function newPacketFields(): PacketFields {
  return { src: '', dst: '', proto: -1, srcPort: 0, dstPort: 0, flags: 0, hasFlags: false, icmpType: -1, icmpCode: -1, end: 0, noFlow: '', ipLen: -1 };
}

/** True when `line` has `key` at `i` (compared by character: cheaper than `startsWith` on a sliced line). */
function keyAt(line: string, i: number, key: string): boolean {
  const n = key.length;
  for (let k = 0; k < n; k++) if (line.charCodeAt(i + k) !== key.charCodeAt(k)) return false;
  return true;
}

/** Decimal digits at `i` up to a space or the end; sets `num` (-1 when not a number ≤ 65535) and returns the index after. */
let num = 0;
function readNumber(line: string, i: number, limit: number): number {
  let v = 0;
  const start = i;
  while (i < limit) {
    const d = line.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  const c = i < limit ? line.charCodeAt(i) : 32;
  num = i === start || i - start > 5 || v > 65535 || (c !== 32 && c !== 93) ? -1 : v;
  return i;
}

/** End of the address read by `readAddress`. */
let addrEnd = 0;

/**
 * The address starting at `i` (ending at a space, `]` or the end), canonical; sets `addrEnd`.
 * A plain dotted quad (the usual case) is checked in the same pass that finds its end.
 */
function readAddress(line: string, i: number): string | undefined {
  const n = line.length;
  let j = i;
  let dots = 0;
  let digits = 0;
  let octet = 0;
  let plain = true;
  for (; j < n; j++) {
    const c = line.charCodeAt(j);
    if (c >= 48 && c <= 57) {
      // A leading zero (`010`) is legal but not canonical: leave it to the general reader.
      if (digits === 1 && octet === 0) plain = false;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) plain = false;
    } else if (c === 46) {
      if (digits === 0) plain = false;
      dots++;
      digits = 0;
      octet = 0;
    } else if (c === 32 || c === 93) {
      break;
    } else {
      plain = false;
      const sp = line.indexOf(' ', j);
      j = sp < 0 ? n : sp;
      break;
    }
  }
  addrEnd = j;
  if (plain && dots === 3 && digits > 0) return line.slice(i, j);
  return canonicalIp(line, i, j);
}

/**
 * Reads `SRC= DST= ... PROTO= ...` starting at `from` (up to `limit`) into `p`. Returns an error
 * message, or '' when read. The kernel's order is fixed (SRC, DST, then PROTO after the IP
 * header fields; SPT and DPT right after PROTO), so each key is first looked for where the
 * kernel puts it and searched for only when it is not there.
 */
function readPacket(line: string, from: number, limit: number, p: PacketFields): string {
  p.srcPort = 0;
  p.dstPort = 0;
  p.flags = 0;
  p.hasFlags = false;
  p.icmpType = -1;
  p.icmpCode = -1;
  p.noFlow = '';
  p.ipLen = -1;
  const srcAt = findKey(line, 'SRC=', ' SRC=', from, limit);
  if (srcAt < 0) {
    p.noFlow = 'not an IP packet';
    return '';
  }
  const src = readAddress(line, srcAt);
  const srcEnd = addrEnd;
  if (src === undefined) return `SRC "${line.slice(srcAt, srcEnd)}" is not an address`;
  const dstAt = keyAt(line, srcEnd + 1, 'DST=') ? srcEnd + 5 : findKey(line, 'DST=', ' DST=', srcEnd + 1, limit);
  if (dstAt < 0) return 'no DST=';
  const dst = readAddress(line, dstAt);
  const dstEnd = addrEnd;
  if (dst === undefined) return `DST "${line.slice(dstAt, dstEnd)}" is not an address`;
  p.src = src;
  p.dst = dst;
  // `LEN=` right after DST= is the IP length: IPv4 tot_len, IPv6 payload length + 40 (nf_log_syslog.c).
  if (keyAt(line, dstEnd + 1, 'LEN=')) {
    readNumber(line, dstEnd + 5, limit);
    if (num >= 0) p.ipLen = num;
  }
  const pk = line.indexOf(' PROTO=', dstEnd);
  if (pk < 0 || pk >= limit) return 'no PROTO=';
  const protoAt = pk + 7;
  const protoEnd = valueEnd(line, protoAt);
  const proto = kernelProto(line, protoAt, protoEnd);
  if (proto < 0) return `PROTO "${line.slice(protoAt, protoEnd)}" is not a protocol`;
  p.proto = proto;
  let i = protoEnd + 1;
  p.end = i;
  if (proto === 6 || proto === 17 || proto === 136 || proto === 132) {
    if (!keyAt(line, i, 'SPT=')) {
      // A non-first fragment (the kernel prints the protocol and nothing else), or `INCOMPLETE [n bytes]`.
      p.noFlow = keyAt(line, i, 'INCOMPLETE') ? 'transport header incomplete' : 'fragment without ports';
      return '';
    }
    i = readNumber(line, i + 4, limit);
    const spt = num;
    if (spt < 0) return `SPT "${line.slice(protoEnd + 5, valueEnd(line, protoEnd + 5))}" is not a port`;
    if (!keyAt(line, i + 1, 'DPT=')) return 'no DPT=';
    const dptAt = i + 5;
    i = readNumber(line, dptAt, limit);
    const dpt = num;
    if (dpt < 0) return `DPT "${line.slice(dptAt, valueEnd(line, dptAt))}" is not a port`;
    p.srcPort = spt;
    p.dstPort = dpt;
    i++;
    if (proto === 6) i = readTcpFlags(line, i, limit, p);
    p.end = i;
    return '';
  }
  if (proto === 1 || proto === 58) {
    // `PROTO=1` as a number (some firmwares) or a fragment: an ICMP packet without its type.
    if (!keyAt(line, i, 'TYPE=')) return '';
    const typeAt = i + 5;
    i = readNumber(line, typeAt, limit);
    if (num < 0 || num > 255) return `ICMP TYPE "${line.slice(typeAt, valueEnd(line, typeAt))}" is not a number`;
    p.icmpType = num;
    if (keyAt(line, i + 1, 'CODE=')) {
      const codeAt = i + 6;
      i = readNumber(line, codeAt, limit);
      if (num < 0 || num > 255) return `ICMP CODE "${line.slice(codeAt, valueEnd(line, codeAt))}" is not a number`;
      p.icmpCode = num;
      p.end = i + 1;
    }
  }
  return '';
}

/** Flag words between `RES=0x..` and `URGP=` (or up to the next `KEY=` when the layout differs). */
function readTcpFlags(line: string, i: number, limit: number, p: PacketFields): number {
  const resAt = findKey(line, 'RES=', ' RES=', i, limit);
  if (resAt >= 0) i = valueEnd(line, resAt) + 1;
  let flags = 0;
  let seen = false;
  while (i < limit) {
    // Flag words are three letters (two for AE) followed by a space.
    const c3 = line.charCodeAt(i + 3);
    if (c3 === 32 || i + 3 === limit) {
      const bit = flagWord(line, i);
      if (bit === 0) break;
      flags |= bit;
      seen = true;
      i += 4;
    } else if (line.charCodeAt(i + 2) === 32 && line.charCodeAt(i) === 65 && line.charCodeAt(i + 1) === 69) {
      seen = true;
      i += 3;
    } else if (resAt < 0 && !keyAt(line, i, 'URGP=')) {
      // No `RES=` to anchor on (another printer): skip words until the flags or `URGP=`.
      const e = line.indexOf(' ', i);
      if (e < 0 || e >= limit) break;
      i = e + 1;
    } else {
      break;
    }
  }
  // With RES= printed, an empty flag list is a packet with no flags at all (a null scan).
  p.flags = flags;
  p.hasFlags = seen || resAt >= 0;
  return i;
}

/** The kernel's protocol words (`TCP`, `UDP`, `ICMP`, `ICMPv6`, `UDPLITE`, `ESP`, `AH`) or a number, without slicing. */
function kernelProto(line: string, at: number, end: number): number {
  const n = end - at;
  const c = line.charCodeAt(at);
  if (n === 3) {
    if (c === 84 && line.startsWith('TCP', at)) return 6;
    if (c === 85 && line.startsWith('UDP', at)) return 17;
    if (c === 69 && line.startsWith('ESP', at)) return 50;
  } else if (n === 4 && c === 73 && line.startsWith('ICMP', at)) {
    return 1;
  } else if (n === 6 && c === 73 && line.startsWith('ICMPv6', at)) {
    return 58;
  }
  return protoNumber(line.slice(at, end));
}

/** Bits of a three-letter TCP flag word at `line[i]`, 0 if it is not one. */
function flagWord(line: string, i: number): number {
  const a = line.charCodeAt(i);
  const b = line.charCodeAt(i + 1);
  const c = line.charCodeAt(i + 2);
  switch (a) {
    case 65: // ACK
      return b === 67 && c === 75 ? TCP_ACK : 0;
    case 83: // SYN
      return b === 89 && c === 78 ? TCP_SYN : 0;
    case 70: // FIN
      return b === 73 && c === 78 ? TCP_FIN : 0;
    case 82: // RST
      return b === 83 && c === 84 ? TCP_RST : 0;
    case 80: // PSH
      return b === 83 && c === 72 ? TCP_PSH : 0;
    case 85: // URG
      return b === 82 && c === 71 ? TCP_URG : 0;
    case 67: // CWR
      return b === 87 && c === 82 ? TCP_CWR : 0;
    case 69: // ECE
      return b === 67 && c === 69 ? TCP_ECE : 0;
    default:
      return 0;
  }
}

export const iptablesFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'iptables / nftables / UFW kernel LOG lines (and ulogd LOGEMU)',
  spec: 'Linux net/netfilter/nf_log_syslog.c (dump_ipv4_packet, dump_ipv6_packet); ulogd2 util/printpkt.c',
  interleaved: true,
  sniff(line: string): number {
    const s = line.indexOf(' SRC=');
    if (s < 0) return 0;
    const i = line.indexOf('IN=');
    if (i < 0 || i > s) return 0;
    const o = line.indexOf(' OUT=', i);
    if (o < 0 || o > s) return 0;
    return 80;
  },
  createParser(pctx: ParserContext): (line: string, ctx: LineContext) => LineResult {
    const options = pctx.options;
    const syslog = new SyslogHeaderParser(options);
    const h = newSyslogHeader();
    const outer = newPacketFields();
    const inner = newPacketFields();
    // Prefixes repeat on every line of a rule: remember their action and rule name.
    const prefixCache = new Map<string, Verdict>();
    const recent: Verdict[] = [];
    let recentNext = 0;
    let lastIn = '';
    let lastOut = '';

    return (line: string, ctx: LineContext): LineResult => {
      syslog.parse(line, h);
      const inAt = line.indexOf('IN=', h.msgOffset);
      if (inAt < 0) return { skip: 'not a netfilter packet line' };
      const inEnd = valueEnd(line, inAt + 3);
      if (!keyAt(line, inEnd, ' OUT=')) return { skip: 'not a netfilter packet line' };
      const outAt = inEnd + 5;
      const outEnd = valueEnd(line, outAt);
      if (line.startsWith('ARP ', outEnd + 1)) return { skip: 'not an IP packet' };

      // The prefix: after `kernel: [uptime] ` when the tag is the kernel, else from the start of MSG
      // (a host-less `Jan  8 03:37:09 DENY: IN=...` has its prefix where the tag would be).
      let pStart = h.msgOffset;
      if (h.tagStart >= 0 && isProgramTag(line, h.tagStart, h.tagEnd, h.bodyOffset)) pStart = h.bodyOffset;
      if (line.charCodeAt(pStart) === 91) {
        // `[ 1234.567890] ` kernel uptime inside the body.
        const close = line.indexOf(']', pStart);
        if (close > 0 && close < inAt) {
          let k = pStart + 1;
          while (line.charCodeAt(k) === 32) k++;
          let digits = true;
          for (; k < close; k++) {
            const c = line.charCodeAt(k);
            if (!((c >= 48 && c <= 57) || c === 46)) {
              digits = false;
              break;
            }
          }
          if (digits) {
            pStart = close + 1;
            while (line.charCodeAt(pStart) === 32) pStart++;
          }
        }
      }
      // A handful of prefixes make up a whole log: find this one among the recent ones by
      // comparing characters in place, before slicing it out and hashing it.
      const plen = inAt - pStart;
      let verdict: Verdict | undefined;
      for (let k = 0; k < recent.length; k++) {
        const v = recent[k]!;
        if (v.prefix.length === plen && sameAt(line, pStart, v.prefix)) {
          verdict = v;
          break;
        }
      }
      if (verdict === undefined) {
        const prefix = plen > 0 ? line.slice(pStart, inAt) : '';
        verdict = prefixCache.get(prefix);
        if (verdict === undefined) {
          verdict = { prefix, action: prefixAction(prefix, options), rule: ruleName(prefix) };
          if (prefixCache.size >= 4096) prefixCache.clear();
          prefixCache.set(prefix, verdict);
        }
        recent[recentNext] = verdict;
        recentNext = (recentNext + 1) % RECENT_PREFIXES;
      }

      const limit = line.length;
      const err = readPacket(line, outEnd, limit, outer);
      if (err !== '') return { error: err, code: errorCode(err) };
      if (outer.noFlow !== '') return { skip: outer.noFlow };

      if (h.time === 'uptime') pctx.note?.('log-time-relative', 'times are seconds since boot (dmesg): no date is known');
      // Interface names repeat line after line: keep the last ones rather than slicing again.
      if (inEnd - inAt - 3 !== lastIn.length || !line.startsWith(lastIn, inAt + 3)) lastIn = line.slice(inAt + 3, inEnd);
      if (outEnd - outAt !== lastOut.length || !line.startsWith(lastOut, outAt)) lastOut = line.slice(outAt, outEnd);
      const inIf = lastIn;
      const outIf = lastOut;
      const proto = outer.proto;
      const isIcmp = proto === 1 || proto === 58;
      const flags = proto === 6 && outer.hasFlags ? outer.flags : undefined;
      const icmpType = isIcmp && outer.icmpType >= 0 ? outer.icmpType : undefined;
      let kind = packetKind(proto, flags, icmpType);
      const obs: Observation = {
        tsSec: h.sec,
        tsNsec: h.nsec,
        proto,
        src: outer.src,
        srcPort: outer.srcPort,
        dst: outer.dst,
        dstPort: outer.dstPort,
        action: verdict.action,
        kind,
        initiatorKnown: false,
        format: NAME,
        evidence: { file: ctx.file, line: ctx.line },
      };
      if (flags !== undefined) obs.tcpFlags = flags;
      // One packet, of LEN bytes at the IP layer (the log's own count: no link header).
      if (outer.ipLen >= 0) {
        obs.packets = { out: 1 };
        obs.bytes = { out: outer.ipLen };
      }
      if (icmpType !== undefined) {
        obs.icmpType = icmpType;
        if (outer.icmpCode >= 0) obs.icmpCode = outer.icmpCode;
        // An ICMP error quotes the packet it answers: `[SRC=... DST=... PROTO=UDP SPT= DPT= ...]`
        // (ICMP 3/4/5/11/12, ICMPv6 1–4: the types the kernel recurses into).
        const isError = proto === 1 ? icmpType === 3 || icmpType === 4 || icmpType === 5 || icmpType === 11 || icmpType === 12 : icmpType >= 1 && icmpType <= 4;
        const open = isError ? line.indexOf(' [SRC=', outer.end - 1) : -1;
        if (open >= 0) {
          const close = line.indexOf(']', open);
          const innerLimit = close < 0 ? limit : close;
          const innerErr = readPacket(line, open + 2, innerLimit, inner);
          if (innerErr === '' && inner.noFlow === '') {
            obs.quoted = { proto: inner.proto, src: inner.src, srcPort: inner.srcPort, dst: inner.dst, dstPort: inner.dstPort };
            kind = 'late';
            obs.kind = kind;
          }
        }
      }
      // Only a SYN without ACK (or an ICMP request) names its sender as the initiator.
      if (kind === 'attempt' && ((flags !== undefined && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) || (icmpType !== undefined))) {
        obs.initiatorKnown = true;
      }
      if (verdict.rule !== '') obs.rule = verdict.rule;
      if (inIf !== '' && outIf !== '') {
        obs.direction = 'forward';
        obs.interface = inIf;
      } else if (inIf !== '') {
        obs.direction = 'in';
        obs.interface = inIf;
      } else if (outIf !== '') {
        obs.direction = 'out';
        obs.interface = outIf;
      }
      return obs;
    };
  },
};

/** Programs that write netfilter lines through syslog (their tag is not part of the log prefix). */
const PROGRAM_TAGS = new Set(['kernel', 'ulogd', 'ulogd2', 'klogd', 'vmunix']);

/**
 * True when the syslog tag at `line[start, end)` names the program (`kernel:`, `ulogd[812]:`),
 * false when it is the rule author's prefix read as a tag (`Jan  8 03:37:09 DENY: IN=...`).
 */
function isProgramTag(line: string, start: number, end: number, bodyOffset: number): boolean {
  if (line.charCodeAt(end) === 91) return true; // `name[pid]:`
  if (end - start === 6 && keyAt(line, start, 'kernel')) return true;
  return end > start && end < bodyOffset && PROGRAM_TAGS.has(line.slice(start, end));
}

/** What a log prefix says, computed once per distinct prefix. */
interface Verdict {
  prefix: string;
  action: Observation['action'];
  rule: string;
}

const RECENT_PREFIXES = 8;

/** True when `line` holds `text` at `at`. */
function sameAt(line: string, at: number, text: string): boolean {
  for (let k = text.length - 1; k >= 0; k--) if (line.charCodeAt(at + k) !== text.charCodeAt(k)) return false;
  return true;
}

/** A stable reason code per kind of bad line. */
function errorCode(message: string): string {
  if (message.startsWith('no ')) return 'missing-field';
  if (message.includes('not an address')) return 'bad-address';
  if (message.includes('not a port')) return 'bad-port';
  if (message.includes('not a protocol')) return 'bad-protocol';
  return 'bad-field';
}
