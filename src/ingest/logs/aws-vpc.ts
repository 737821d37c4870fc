/**
 * AWS VPC Flow Logs. Spec: Amazon VPC User Guide, "Flow log records" (available fields, versions
 * 2-8, `-` for a value that is missing or not applicable, log-status OK/NODATA/SKIPDATA,
 * tcp-flags) and "Flow log record examples" (TCP flag sequence, NAT gateway, Transit Gateway).
 *
 * A record is space-separated. The default format is version 2:
 *   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
 * A custom format picks any fields in any order; S3 delivery writes them as a header line
 * (`version account-id ...`, names with `-` or `_`), CloudWatch does not. Without a header (and
 * without LogOptions.awsVpcFields) a record whose field count is that of "every field of versions
 * 2..N in the documented order" (14, 21, 25, 29, 39, 40) is read with that layout.
 *
 * Field              → Observation
 *   srcaddr dstaddr  src, dst; pkt-srcaddr/pkt-dstaddr win when present (the flow's real endpoints
 *                    behind a NAT or Transit Gateway interface, per the record examples)
 *   srcport dstport  srcPort, dstPort (0 for ICMP and other protocols without ports)
 *   protocol         proto (IANA number)
 *   packets bytes    packets.out, bytes.out (this record's direction only)
 *   start end        tsSec, endSec (Unix seconds)
 *   action           ACCEPT → allowed, REJECT → denied
 *   log-status       NODATA / SKIPDATA records carry no flow (`-` addresses): skipped
 *   tcp-flags        tcpFlags (v3+; FIN 1, SYN 2, RST 4, SYN-ACK 18; ACK and PSH alone are not reported)
 *   flow-direction   direction (ingress / egress, v5+)
 *   interface-id     interface
 *
 * Each record is one direction of traffic seen at one interface: the reply of a connection is a
 * separate record with the addresses swapped. Only tcp-flags tells the initiator: SYN without
 * SYN-ACK marks the record's source as the initiator; a record with SYN-ACK is the responder's,
 * so it is turned around (src = initiator, counts as `back`). Anything else leaves
 * `initiatorKnown` false. A REJECT is an attempt unless its flags show a packet after the handshake.
 */
import { IPPROTO } from '../../model.js';
import type { Observation } from '../../model.js';
import type { LineContext, LineFormat, LineResult, LogOptions } from './format.js';
import { canonicalIp, parseCount, parseEpochSeconds, parsePort, protoNumber, TCP_ACK, TCP_SYN } from './fields.js';

const NAME = 'aws-vpc';

/** Every field, in the order of the "Available fields" table, by the version that added it. */
const FIELDS_BY_VERSION: ReadonlyArray<readonly string[]> = [
  // version 2 (the default format)
  ['version', 'account-id', 'interface-id', 'srcaddr', 'dstaddr', 'srcport', 'dstport', 'protocol', 'packets', 'bytes', 'start', 'end', 'action', 'log-status'],
  // version 3
  ['vpc-id', 'subnet-id', 'instance-id', 'tcp-flags', 'type', 'pkt-srcaddr', 'pkt-dstaddr'],
  // version 4
  ['region', 'az-id', 'sublocation-type', 'sublocation-id'],
  // version 5
  ['pkt-src-aws-service', 'pkt-dst-aws-service', 'flow-direction', 'traffic-path'],
  // version 7 (ECS)
  [
    'ecs-cluster-arn', 'ecs-cluster-name', 'ecs-container-instance-arn', 'ecs-container-instance-id', 'ecs-container-id',
    'ecs-second-container-id', 'ecs-service-name', 'ecs-task-definition-arn', 'ecs-task-arn', 'ecs-task-id',
  ],
  // version 8
  ['reject-reason'],
];

const KNOWN_FIELDS: ReadonlySet<string> = new Set(FIELDS_BY_VERSION.flat());

/** Layouts tried for a record without a header, keyed by field count. */
const LAYOUT_BY_COUNT: ReadonlyMap<number, readonly string[]> = (() => {
  const m = new Map<number, readonly string[]>();
  let acc: string[] = [];
  for (const group of FIELDS_BY_VERSION) {
    acc = [...acc, ...group];
    m.set(acc.length, acc);
  }
  return m;
})();

/** Normalises a field name as written in a header or a format string (`${pkt_srcaddr}` → `pkt-srcaddr`). */
function fieldName(token: string): string {
  let t = token.trim();
  if (t.startsWith('${') && t.endsWith('}')) t = t.slice(2, -1);
  return t.toLowerCase().replace(/_/g, '-');
}

/** A header line or a format string → field names, or undefined when it is not one. */
export function parseAwsVpcFieldList(text: string): string[] | undefined {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length < 2) return undefined;
  const names = tokens.map(fieldName);
  if (!names.every((n) => KNOWN_FIELDS.has(n))) return undefined;
  if (!names.includes('srcaddr') && !names.includes('pkt-srcaddr')) return undefined;
  return names;
}

/** Column index of each field this parser reads (-1 when absent). */
interface Columns {
  count: number;
  srcaddr: number;
  dstaddr: number;
  pktSrcaddr: number;
  pktDstaddr: number;
  srcport: number;
  dstport: number;
  protocol: number;
  packets: number;
  bytes: number;
  start: number;
  end: number;
  action: number;
  logStatus: number;
  tcpFlags: number;
  flowDirection: number;
  interfaceId: number;
}

function columnsOf(names: readonly string[]): Columns {
  const at = (n: string): number => names.indexOf(n);
  return {
    count: names.length,
    srcaddr: at('srcaddr'),
    dstaddr: at('dstaddr'),
    pktSrcaddr: at('pkt-srcaddr'),
    pktDstaddr: at('pkt-dstaddr'),
    srcport: at('srcport'),
    dstport: at('dstport'),
    protocol: at('protocol'),
    packets: at('packets'),
    bytes: at('bytes'),
    start: at('start'),
    end: at('end'),
    action: at('action'),
    logStatus: at('log-status'),
    tcpFlags: at('tcp-flags'),
    flowDirection: at('flow-direction'),
    interfaceId: at('interface-id'),
  };
}

const INFERRED: ReadonlyMap<number, Columns> = new Map([...LAYOUT_BY_COUNT].map(([n, names]) => [n, columnsOf(names)]));

function createAwsVpcParser(file: { file: string; options: LogOptions }): (line: string, ctx: LineContext) => LineResult {
  let columns: Columns | undefined;
  if (file.options.awsVpcFields !== undefined) {
    const names = parseAwsVpcFieldList(file.options.awsVpcFields);
    if (names !== undefined) columns = columnsOf(names);
  }

  return (line: string, ctx: LineContext): LineResult => {
    const text = line.trim();
    if (text.length === 0) return { skip: 'blank line' };
    const f = text.split(/\s+/);
    const first = f[0]!;
    const c0 = first.charCodeAt(0);
    if (!(c0 >= 48 && c0 <= 57) && first !== '-') {
      const names = parseAwsVpcFieldList(text);
      if (names !== undefined) {
        columns = columnsOf(names);
        return { skip: 'header' };
      }
      // A custom format may begin with an address (`fe80::...`) or another non-numeric value.
      if (columns === undefined) return { code: 'aws-vpc-bad-header', error: `not a flow log record nor a header of known field names: "${text.slice(0, 80)}"` };
    }
    const c = columns ?? INFERRED.get(f.length);
    if (c === undefined) {
      return { code: 'aws-vpc-unknown-layout', error: `${f.length} fields and no header line: give the custom format (awsVpcFields)` };
    }
    if (f.length !== c.count) return { code: 'aws-vpc-field-count', error: `${f.length} fields, the format has ${c.count}` };
    const get = (i: number): string | undefined => {
      if (i < 0) return undefined;
      const v = f[i];
      return v === undefined || v === '-' ? undefined : v;
    };

    const status = get(c.logStatus);
    const srcText = get(c.pktSrcaddr) ?? get(c.srcaddr);
    const dstText = get(c.pktDstaddr) ?? get(c.dstaddr);
    if ((status === 'NODATA' || status === 'SKIPDATA') && (srcText === undefined || dstText === undefined)) {
      return { skip: `log-status ${status}` };
    }
    if (srcText === undefined || dstText === undefined) return { code: 'aws-vpc-missing-field', error: 'no source or destination address' };
    const src = canonicalIp(srcText);
    const dst = canonicalIp(dstText);
    if (src === undefined) return { code: 'aws-vpc-bad-field', error: `source address "${srcText}" is not an IP address` };
    if (dst === undefined) return { code: 'aws-vpc-bad-field', error: `destination address "${dstText}" is not an IP address` };

    const protoText = get(c.protocol);
    if (protoText === undefined) return { code: 'aws-vpc-missing-field', error: 'no protocol' };
    const proto = protoNumber(protoText);
    if (proto < 0) return { code: 'aws-vpc-bad-field', error: `protocol "${protoText}" is not a protocol number` };
    const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
    let srcPort = 0;
    let dstPort = 0;
    if (hasPorts) {
      const sp = parsePort(get(c.srcport) ?? '');
      const dp = parsePort(get(c.dstport) ?? '');
      if (sp < 0) return { code: 'aws-vpc-bad-field', error: `srcport "${f[c.srcport] ?? ''}" is not a port` };
      if (dp < 0) return { code: 'aws-vpc-bad-field', error: `dstport "${f[c.dstport] ?? ''}" is not a port` };
      srcPort = sp;
      dstPort = dp;
    }

    const actionText = get(c.action);
    let action: 'allowed' | 'denied';
    if (actionText === 'ACCEPT') action = 'allowed';
    else if (actionText === 'REJECT') action = 'denied';
    else return { code: 'aws-vpc-bad-field', error: `action "${actionText ?? '-'}" is not ACCEPT or REJECT` };

    const startText = get(c.start) ?? get(c.end);
    if (startText === undefined) return { code: 'aws-vpc-missing-field', error: 'no start or end time' };
    const start = parseEpochSeconds(startText);
    if (start === undefined) return { code: 'aws-vpc-bad-field', error: `start "${startText}" is not a Unix time` };
    const endText = get(c.end);
    const end = endText === undefined ? undefined : parseEpochSeconds(endText);
    if (endText !== undefined && end === undefined) return { code: 'aws-vpc-bad-field', error: `end "${endText}" is not a Unix time` };

    const flagsText = get(c.tcpFlags);
    const flags = flagsText === undefined || proto !== IPPROTO.tcp ? undefined : parseCount(flagsText);
    if (flagsText !== undefined && proto === IPPROTO.tcp && (flags === undefined || flags > 255)) {
      return { code: 'aws-vpc-bad-field', error: `tcp-flags "${flagsText}" is not a flag bit mask` };
    }
    const syn = flags !== undefined && (flags & TCP_SYN) !== 0;
    // SYN-ACK (18) is reported for the responder's direction: turn the record around.
    // (ACK is reported only as part of SYN-ACK, so an ACK bit means this direction sent the SYN-ACK.)
    const responder = syn && (flags & TCP_ACK) !== 0;

    let kind: Observation['kind'];
    if (action === 'allowed') kind = 'session';
    else if (flags === undefined || syn) kind = 'attempt';
    else kind = 'late'; // FIN, RST, or 0 (ACK/PSH only): a packet of a connection already open

    const obs: Observation = {
      tsSec: start.sec,
      tsNsec: start.nsec,
      proto,
      src: responder ? dst : src,
      srcPort: responder ? dstPort : srcPort,
      dst: responder ? src : dst,
      dstPort: responder ? srcPort : dstPort,
      action,
      kind,
      initiatorKnown: syn,
      format: NAME,
      evidence: { file: ctx.file, line: ctx.line },
    };
    if (flags !== undefined) obs.tcpFlags = flags;
    const packets = parseCount(get(c.packets));
    const bytes = parseCount(get(c.bytes));
    if (packets !== undefined) obs.packets = responder ? { back: packets } : { out: packets };
    if (bytes !== undefined) obs.bytes = responder ? { back: bytes } : { out: bytes };
    if (end !== undefined) {
      obs.endSec = end.sec;
      obs.endNsec = end.nsec;
    }
    const direction = get(c.flowDirection);
    if (direction !== undefined) obs.direction = direction;
    const iface = get(c.interfaceId);
    if (iface !== undefined) obs.interface = iface;
    return obs;
  };
}

const V2_RE = /^\d+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \S+ \d{9,11} \d{9,11} (ACCEPT|REJECT|-) (OK|NODATA|SKIPDATA)$/;

export const awsVpcFormat: LineFormat = {
  kind: 'lines',
  name: NAME,
  title: 'AWS VPC Flow Logs (default v2 and custom formats v3-v8)',
  spec: 'Amazon VPC User Guide: "Flow log records" and "Flow log record examples"',
  sniff(line: string): number {
    const t = line.trim();
    if (/^[a-z]/.test(t)) return parseAwsVpcFieldList(t) !== undefined ? 100 : 0;
    if (V2_RE.test(t)) return 90;
    if (/^\d{1,2} /.test(t) && / (ACCEPT|REJECT) /.test(` ${t} `) && / (OK|NODATA|SKIPDATA) /.test(` ${t} `)) return 60;
    return 0;
  },
  createParser: createAwsVpcParser,
};
