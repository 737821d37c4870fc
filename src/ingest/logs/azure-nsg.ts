/**
 * Azure Network Watcher flow logs: NSG flow logs version 1 and 2, and virtual network (VNet) flow
 * logs. Spec: Microsoft Learn, "Flow logging for network security groups" (log format, flow tuple
 * fields, version 2 flow state and counts) and "Virtual network flow logs" (log format: flowRecords,
 * flowGroups, flow state D = deny). One blob is one JSON document `{"records":[...]}` (often on a
 * single line); it is read as a token stream and each flow tuple is handled as it arrives.
 *
 * Where the tuples are:
 *   NSG   records[i].properties.Version, .properties.flows[j].rule, .flows[j].flows[k].mac,
 *         .flows[j].flows[k].flowTuples[m]
 *   VNet  records[i].flowLogVersion, .macAddress, .flowRecords.flows[j].aclID,
 *         .flowRecords.flows[j].flowGroups[k].rule, .flowGroups[k].flowTuples[m]
 *   (a bare array of records, or one record per line, is read the same way)
 *
 * Flow tuple fields (comma separated):
 *   #   NSG v1              NSG v2                           VNet (v4+)
 *   0   unix seconds        unix seconds                     unix milliseconds
 *   1-4 src, dst, sport, dport (the flow's source: its initiator)
 *   5   T | U               T | U                            IANA protocol number
 *   6   I | O (inbound: the source is remote; outbound: the source is local)
 *   7   A | D decision      A | D decision                   state B | C | E | D (D = denied)
 *   8   -                   state B | C | E                  encryption (X, NX, NX_HW_NOT_SUPPORTED...)
 *   9-12 -                  packets/bytes src→dst, dst→src   packets/bytes src→dst, dst→src
 *   (counts are empty on NSG B tuples and zero on VNet B and D tuples: read only on C and E)
 */
import type { Observation } from '../../model.js';
import { IPPROTO } from '../../model.js';
import type { DocumentFormat, LogOptions } from './format.js';
import { canonicalIp, parseCount, parseEpochMillis, parseEpochSeconds, parsePort, protoNumber } from './fields.js';
import type { JsonValue, JsonWalkContext, PathStep } from './json-stream.js';
import { formatJsonPath, walkJsonDocument } from './json-stream.js';

const NAME = 'azure-nsg';

interface PendingTuple {
  text: string;
  line: number;
  where: string;
}

/** Index in `path` where a record's own steps begin, or -1 when the path is not inside a record. */
function recordBase(path: readonly PathStep[]): number {
  if (path[0] === 'records') return typeof path[1] === 'number' ? 2 : -1;
  if (typeof path[0] === 'number') return 1; // a bare array of records
  return 0; // one record per root value
}

/** Which part of a record a path names (relative to the record). */
type Place =
  | { kind: 'nsg-version' | 'vnet-version' | 'vnet-mac' }
  | { kind: 'nsg-rule' | 'vnet-rule' }
  | { kind: 'nsg-mac' }
  | { kind: 'nsg-tuple' | 'vnet-tuple' }
  | { kind: 'nsg-group' | 'vnet-group' | 'record' }
  | { kind: 'other' };

function placeOf(path: readonly PathStep[], b: number): Place {
  const n = path.length - b;
  const p = (i: number): PathStep | undefined => path[b + i];
  if (n === 0) return { kind: 'record' };
  if (p(0) === 'properties') {
    if (n === 2 && p(1) === 'Version') return { kind: 'nsg-version' };
    if (p(1) !== 'flows' || typeof p(2) !== 'number') return { kind: 'other' };
    if (n === 3) return { kind: 'nsg-group' };
    if (n === 4 && p(3) === 'rule') return { kind: 'nsg-rule' };
    if (p(3) !== 'flows' || typeof p(4) !== 'number') return { kind: 'other' };
    if (n === 6 && p(5) === 'mac') return { kind: 'nsg-mac' };
    if (n === 7 && p(5) === 'flowTuples' && typeof p(6) === 'number') return { kind: 'nsg-tuple' };
    return { kind: 'other' };
  }
  if (n === 1 && p(0) === 'flowLogVersion') return { kind: 'vnet-version' };
  if (n === 1 && p(0) === 'macAddress') return { kind: 'vnet-mac' };
  if (p(0) === 'flowRecords' && p(1) === 'flows' && typeof p(2) === 'number') {
    if (p(3) !== 'flowGroups' || typeof p(4) !== 'number') return { kind: 'other' };
    if (n === 5) return { kind: 'vnet-group' };
    if (n === 6 && p(5) === 'rule') return { kind: 'vnet-rule' };
    if (n === 7 && p(5) === 'flowTuples' && typeof p(6) === 'number') return { kind: 'vnet-tuple' };
  }
  return { kind: 'other' };
}

/** Result of reading one tuple: an observation or the reason it is unreadable. */
type TupleResult = Observation | { error: string };

/** Reads one flow tuple. `vnet` selects the VNet layout; `version` 1 or 2 the NSG layout (inferred when unknown). */
export function parseAzureFlowTuple(
  tuple: string,
  layout: { vnet: boolean; version: number | undefined; rule: string | undefined; mac: string | undefined },
  evidence: { file: string; line: number },
): TupleResult {
  const f = tuple.split(',');
  const n = f.length;
  const vnet = layout.vnet;
  if (vnet ? n !== 13 : n !== 8 && n !== 13) {
    return { error: `flow tuple has ${n} fields (expected ${vnet ? '13' : '8 (version 1) or 13 (version 2)'})` };
  }
  const version = vnet ? 4 : n === 8 ? 1 : 2;
  if (!vnet && layout.version !== undefined && layout.version !== version) {
    return { error: `flow tuple has ${n} fields but the record says Version ${layout.version}` };
  }
  // NSG tuples count seconds and VNet tuples milliseconds; tell them by length rather than trust the layout.
  const ts = f[0]!.length >= 13 ? parseEpochMillis(f[0]!) : parseEpochSeconds(f[0]!);
  if (ts === undefined) return { error: `time stamp "${f[0]}" is not a Unix time` };
  const src = canonicalIp(f[1]!);
  const dst = canonicalIp(f[2]!);
  if (src === undefined) return { error: `source "${f[1]}" is not an IP address` };
  if (dst === undefined) return { error: `destination "${f[2]}" is not an IP address` };
  const proto = f[5] === 'T' ? IPPROTO.tcp : f[5] === 'U' ? IPPROTO.udp : protoNumber(f[5]!);
  if (proto < 0) return { error: `protocol "${f[5]}" is not T, U or a protocol number` };
  const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
  const sport = f[3] === '' || f[3] === '*' ? (hasPorts ? -1 : 0) : parsePort(f[3]!);
  const dport = f[4] === '' || f[4] === '*' ? (hasPorts ? -1 : 0) : parsePort(f[4]!);
  if (sport < 0) return { error: `source port "${f[3]}" is not a port` };
  if (dport < 0) return { error: `destination port "${f[4]}" is not a port` };
  const dirLetter = f[6];
  if (dirLetter !== 'I' && dirLetter !== 'O') return { error: `direction "${dirLetter}" is not I or O` };

  let action: 'allowed' | 'denied';
  let state: string | undefined;
  if (vnet) {
    state = f[7];
    if (state !== 'B' && state !== 'C' && state !== 'E' && state !== 'D') return { error: `flow state "${state}" is not B, C, E or D` };
    action = state === 'D' ? 'denied' : 'allowed';
  } else {
    if (f[7] !== 'A' && f[7] !== 'D') return { error: `decision "${f[7]}" is not A or D` };
    action = f[7] === 'A' ? 'allowed' : 'denied';
    if (version === 2) {
      state = f[8];
      if (state !== 'B' && state !== 'C' && state !== 'E') return { error: `flow state "${state}" is not B, C or E` };
    }
  }

  const obs: Observation = {
    tsSec: ts.sec,
    tsNsec: ts.nsec,
    proto,
    src,
    srcPort: hasPorts ? sport : 0,
    dst,
    dstPort: hasPorts ? dport : 0,
    action,
    // A denied tuple is the flow's first packet refused; an allowed tuple reports a flow's life.
    kind: action === 'denied' ? 'attempt' : 'session',
    // Azure tracks flows: the tuple's source is the side that opened the flow (I: remote, O: local).
    initiatorKnown: true,
    direction: dirLetter === 'I' ? 'inbound' : 'outbound',
    format: NAME,
    evidence: { file: evidence.file, line: evidence.line },
  };
  if (layout.rule !== undefined) obs.rule = layout.rule;
  if (layout.mac !== undefined) obs.interface = layout.mac;
  // B (begin) and D (deny) tuples carry no statistics: VNet writes zeros there, NSG v2 leaves them empty.
  if (n === 13 && (state === 'C' || state === 'E')) {
    for (let i = 9; i < 13; i++) {
      if (f[i] !== '' && parseCount(f[i]) === undefined) return { error: `count field ${i + 1} "${f[i]}" is not a number` };
    }
    const po = parseCount(f[9]);
    const bo = parseCount(f[10]);
    const pb = parseCount(f[11]);
    const bb = parseCount(f[12]);
    if (po !== undefined || pb !== undefined) {
      obs.packets = {};
      if (po !== undefined) obs.packets.out = po;
      if (pb !== undefined) obs.packets.back = pb;
    }
    if (bo !== undefined || bb !== undefined) {
      obs.bytes = {};
      if (bo !== undefined) obs.bytes.out = bo;
      if (bb !== undefined) obs.bytes.back = bb;
    }
  }
  // C (continuing) and E (end) tuples are statistics updates at their time stamp.
  if (state === 'C' || state === 'E') {
    obs.endSec = ts.sec;
    obs.endNsec = ts.nsec;
  }
  return obs;
}

async function readAzureDocument(
  chunks: AsyncIterable<Buffer>,
  ctx: { file: string; options: LogOptions },
  emit: (obs: Observation) => void,
  bad: (code: string, message: string, where: string) => void,
): Promise<void> {
  const file = ctx.file;
  // Per-record and per-group context, reset when a record or a group starts.
  let nsgVersion: number | undefined;
  let vnetVersion: number | undefined;
  let recordMac: string | undefined;
  let groupMac: string | undefined;
  let rule: string | undefined;
  let ruleSeen = false;
  let pending: PendingTuple[] = [];
  /** Tuples held for a group whose `rule` has not come yet (Azure writes it first; 100 000 is far above a real group). */
  const MAX_PENDING_TUPLES = 100_000;

  const handleTuple = (text: string, line: number, where: string, vnet: boolean): void => {
    const r = parseAzureFlowTuple(
      text,
      { vnet, version: vnet ? vnetVersion : nsgVersion, rule, mac: vnet ? recordMac : groupMac },
      { file, line },
    );
    if ('error' in r) bad('azure-bad-flow-tuple', `${r.error} ("${text}")`, `${line} (${where})`);
    else emit(r);
  };

  const flush = (vnet: boolean): void => {
    const list = pending;
    pending = [];
    for (const p of list) handleTuple(p.text, p.line, p.where, vnet);
  };

  const handler = {
    assemble(w: JsonWalkContext): boolean {
      const b = recordBase(w.path);
      if (b < 0) return false;
      const place = placeOf(w.path, b);
      if (place.kind === 'record') {
        nsgVersion = undefined;
        vnetVersion = undefined;
        recordMac = undefined;
      } else if (place.kind === 'nsg-group' || place.kind === 'vnet-group') {
        rule = undefined;
        ruleSeen = false;
        groupMac = undefined;
        pending = [];
      }
      return false;
    },
    value(w: JsonWalkContext, v: JsonValue): void {
      const b = recordBase(w.path);
      if (b < 0) return;
      const place = placeOf(w.path, b);
      switch (place.kind) {
        case 'nsg-version':
          if (typeof v === 'number') nsgVersion = v;
          break;
        case 'vnet-version':
          if (typeof v === 'number') vnetVersion = v;
          break;
        case 'vnet-mac':
          if (typeof v === 'string') recordMac = v;
          break;
        case 'nsg-mac':
          if (typeof v === 'string') groupMac = v;
          break;
        case 'nsg-rule':
        case 'vnet-rule':
          if (typeof v === 'string') rule = v;
          ruleSeen = true;
          flush(place.kind === 'vnet-rule');
          break;
        case 'nsg-tuple':
        case 'vnet-tuple': {
          const where = formatJsonPath(w.path);
          if (typeof v !== 'string') {
            bad('azure-bad-flow-tuple', 'flow tuple is not a string', `${w.line} (${where})`);
            break;
          }
          // Azure writes `rule` before the tuples; if a writer did not, hold the group's tuples
          // until the rule (or the group's end) arrives, so each carries its rule.
          // At most MAX_PENDING_TUPLES are held: a hostile group with no rule cannot hold the
          // whole document; past it the tuples are read without their rule.
          if (!ruleSeen && pending.length < MAX_PENDING_TUPLES) pending.push({ text: v, line: w.line, where });
          else handleTuple(v, w.line, where, place.kind === 'vnet-tuple');
          break;
        }
        default:
          break;
      }
    },
    end(w: JsonWalkContext): void {
      const b = recordBase(w.path);
      if (b < 0) return;
      const place = placeOf(w.path, b);
      if ((place.kind === 'nsg-group' || place.kind === 'vnet-group') && pending.length > 0) {
        ruleSeen = true;
        flush(place.kind === 'vnet-group');
      }
    },
  };

  await walkJsonDocument(chunks, handler, bad);
}

export const azureNsgFormat: DocumentFormat = {
  kind: 'json-document',
  name: NAME,
  title: 'Azure NSG flow logs (v1, v2) and VNet flow logs',
  spec: 'Microsoft Learn: "Flow logging for network security groups" (log format) and "Virtual network flow logs" (log format)',
  sniffDocument(head: string): number {
    if (/"category"\s*:\s*"(NetworkSecurityGroupFlowEvent|FlowLogFlowEvent)"/.test(head)) return 100;
    if (head.includes('"flowTuples"')) return 95;
    if (/"records"\s*:\s*\[/.test(head) && /"(flowRecords|flows)"\s*:/.test(head)) return 60;
    return 0;
  },
  readDocument: readAzureDocument,
};
