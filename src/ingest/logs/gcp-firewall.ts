/**
 * Google Cloud VPC firewall rules logging. Spec: Google Cloud documentation, "Firewall Rules
 * Logging" (log format: the `compute.googleapis.com/firewall` LogEntry, jsonPayload record
 * fields, IpConnection) and the Cloud Logging `LogEntry` reference.
 *
 * Accepted shapes, all read as streams:
 *   - one LogEntry per line (Cloud Storage sink exports, `gcloud logging read --format=json` piped
 *     through jq -c): framed into lines, each parsed alone, so a bad line costs only itself;
 *   - a JSON array of entries or one pretty-printed entry (`gcloud logging read --format=json`),
 *     an `{"entries":[...]}` API response, or a wrapper whose array elements hold the entry one
 *     level down (`{"events":[{"json":{...}}]}`): walked with a streaming JSON parser, one entry
 *     assembled at a time.
 *
 * Fields read (LogEntry → Observation):
 *   timestamp (else receiveTimestamp)          tsSec/tsNsec (RFC 3339, nanoseconds kept)
 *   jsonPayload.connection.src_ip / src_port   src / srcPort
 *   jsonPayload.connection.dest_ip / dest_port dst / dstPort
 *   jsonPayload.connection.protocol            proto (IANA number; a name such as "tcp" is accepted)
 *   jsonPayload.disposition                    ALLOWED → allowed, DENIED → denied
 *   jsonPayload.rule_details.reference         rule ("network:default/firewall:allow-ssh")
 *   jsonPayload.rule_details.direction         direction (INGRESS / EGRESS, as printed)
 * Firewall rules are stateful and log a connection when it is evaluated, so `src` is the
 * connection's initiator: for INGRESS rules the remote side, for EGRESS the VM.
 */
import type { Observation } from '../../model.js';
import { IPPROTO } from '../../model.js';
import type { DocumentFormat, LogOptions } from './format.js';
import { canonicalIp, parseDateTime, protoNumber } from './fields.js';
import type { JsonObject, JsonValue, JsonWalkContext } from './json-stream.js';
import { formatJsonPath, int, isJsonObject, jsonLines, obj, peekChunks, str, text, walkJsonDocument } from './json-stream.js';

const NAME = 'gcp-firewall';

/** Entries found in a parsed value: the value itself, or entries up to two levels inside it. */
function collectEntries(v: JsonValue, out: JsonObject[], depth = 0): void {
  if (isJsonObject(v)) {
    if (isJsonObject(v['jsonPayload'])) {
      out.push(v);
      return;
    }
    if (depth >= 2) return;
    for (const k of Object.keys(v)) collectEntries(v[k]!, out, depth + 1);
  } else if (Array.isArray(v) && depth < 2) {
    for (const e of v) collectEntries(e, out, depth + 1);
  }
}

type EntryResult = Observation | { skip: string } | { error: string; code: string };

/** One LogEntry → an observation; entries that are not firewall connection records are skipped. */
export function observationFromGcpEntry(entry: JsonObject, file: string, line: number | undefined): EntryResult {
  const jp = obj(entry, 'jsonPayload');
  const conn = obj(jp, 'connection');
  const disposition = str(jp, 'disposition');
  if (conn === undefined || disposition === undefined) return { skip: 'not a firewall connection record' };
  let action: 'allowed' | 'denied';
  if (disposition === 'ALLOWED') action = 'allowed';
  else if (disposition === 'DENIED') action = 'denied';
  else return { code: 'gcp-bad-field', error: `disposition "${disposition}" is not ALLOWED or DENIED` };

  const when = str(entry, 'timestamp') ?? str(entry, 'receiveTimestamp');
  if (when === undefined) return { code: 'gcp-missing-field', error: 'no timestamp' };
  const ts = parseDateTime(when);
  if (ts === undefined) return { code: 'gcp-bad-field', error: `timestamp "${when}" is not an RFC 3339 time` };

  const srcText = str(conn, 'src_ip');
  const dstText = str(conn, 'dest_ip');
  if (srcText === undefined || dstText === undefined) return { code: 'gcp-missing-field', error: 'connection has no src_ip or dest_ip' };
  const src = canonicalIp(srcText);
  const dst = canonicalIp(dstText);
  if (src === undefined) return { code: 'gcp-bad-field', error: `src_ip "${srcText}" is not an IP address` };
  if (dst === undefined) return { code: 'gcp-bad-field', error: `dest_ip "${dstText}" is not an IP address` };
  const protoText = text(conn, 'protocol');
  const proto = protoText === undefined ? -1 : protoNumber(protoText);
  if (proto < 0) return { code: 'gcp-bad-field', error: `protocol ${JSON.stringify(conn['protocol'] ?? null)} is not a protocol number or name` };
  const hasPorts = proto === IPPROTO.tcp || proto === IPPROTO.udp || proto === IPPROTO.sctp;
  let srcPort = 0;
  let dstPort = 0;
  if (hasPorts) {
    const sp = int(conn, 'src_port');
    const dp = int(conn, 'dest_port');
    if (sp === undefined || sp > 65535) return { code: 'gcp-bad-field', error: `src_port ${JSON.stringify(conn['src_port'] ?? null)} is not a port` };
    if (dp === undefined || dp > 65535) return { code: 'gcp-bad-field', error: `dest_port ${JSON.stringify(conn['dest_port'] ?? null)} is not a port` };
    srcPort = sp;
    dstPort = dp;
  }
  const obs: Observation = {
    tsSec: ts.sec,
    tsNsec: ts.nsec,
    proto,
    src,
    srcPort,
    dst,
    dstPort,
    action,
    kind: action === 'denied' ? 'attempt' : 'session',
    initiatorKnown: true,
    format: NAME,
    evidence: line === undefined ? { file } : { file, line },
  };
  const rd = obj(jp, 'rule_details');
  const reference = str(rd, 'reference');
  if (reference !== undefined) obs.rule = reference;
  const direction = str(rd, 'direction');
  if (direction !== undefined) obs.direction = direction;
  return obs;
}

async function readGcpDocument(
  chunks: AsyncIterable<Buffer>,
  ctx: { file: string; options: LogOptions },
  emit: (obs: Observation) => void,
  bad: (code: string, message: string, where: string) => void,
): Promise<void> {
  const file = ctx.file;
  /** `path`: the entry's JSON path in a document (none for JSON lines, where the line says it all). */
  const report = (entry: JsonObject, line: number, path: string | undefined): void => {
    const r = observationFromGcpEntry(entry, file, line);
    if ('error' in r) bad(r.code, r.error, path === undefined ? String(line) : `${line} (${path})`);
    else if (!('skip' in r)) emit(r);
  };

  // One entry per line, or a document? Decide on the first line: a complete JSON object on a
  // line of its own means JSON lines.
  const firstLineDone = (t: string): boolean => {
    const s = t.search(/\S/);
    return s >= 0 && (t[s] !== '{' || t.indexOf('\n', s) >= 0);
  };
  const { head, all } = await peekChunks(chunks, firstLineDone);
  const s = head.search(/\S/);
  let linesMode = false;
  if (s >= 0 && head[s] === '{') {
    const nl = head.indexOf('\n', s);
    if (nl >= 0) {
      try {
        linesMode = isJsonObject(JSON.parse(head.slice(s, nl)) as JsonValue);
      } catch {
        linesMode = false;
      }
    }
  }

  if (linesMode) {
    for await (const l of jsonLines(all)) {
      if (l.tooLong) {
        bad('gcp-line-too-long', 'line longer than 16 MiB, not read', String(l.line));
        continue;
      }
      if (l.text.trim().length === 0) continue;
      let v: JsonValue;
      try {
        v = JSON.parse(l.text) as JsonValue;
      } catch {
        bad('gcp-bad-json', 'not valid JSON', String(l.line));
        continue;
      }
      const entries: JsonObject[] = [];
      collectEntries(v, entries);
      for (const entry of entries) report(entry, l.line, undefined);
    }
    return;
  }

  // Document: root array → each element is a candidate; root object → its arrays' elements are
  // candidates, and its other members are kept so that a root object that is itself an entry is seen.
  let rootIsArray = false;
  let rootMembers: JsonObject = {};
  let rootLine = 1;
  const handler = {
    assemble(w: JsonWalkContext, kind: 'object' | 'array'): boolean {
      const d = w.path.length;
      if (d === 0) {
        rootIsArray = kind === 'array';
        rootMembers = {};
        rootLine = w.line;
        return false;
      }
      if (d === 1) return rootIsArray || kind === 'object';
      return d === 2 && typeof w.path[1] === 'number';
    },
    value(w: JsonWalkContext, v: JsonValue): void {
      const d = w.path.length;
      if ((d === 1 && rootIsArray) || (d === 2 && typeof w.path[1] === 'number')) {
        const entries: JsonObject[] = [];
        collectEntries(v, entries);
        const where = formatJsonPath(w.path, w.root, w.root > 0);
        for (const entry of entries) report(entry, w.line, where);
      } else if (d === 1 && !rootIsArray && typeof w.path[0] === 'string') {
        rootMembers[w.path[0]] = v;
      }
    },
    end(w: JsonWalkContext): void {
      if (w.path.length === 0 && !rootIsArray && isJsonObject(rootMembers['jsonPayload'])) {
        report(rootMembers, rootLine, formatJsonPath([], w.root, w.root > 0));
      }
    },
  };
  await walkJsonDocument(all, handler, bad);
}

export const gcpFirewallFormat: DocumentFormat = {
  kind: 'json-document',
  name: NAME,
  title: 'Google Cloud VPC firewall rules logging (JSON LogEntry: lines, array or document)',
  spec: 'Google Cloud: "Firewall Rules Logging" (log format, IpConnection) and Cloud Logging "LogEntry"',
  sniffDocument(head: string): number {
    if (/compute\.googleapis\.com(%2F|\/)firewall/.test(head)) return 100;
    if (head.includes('"jsonPayload"') && /"disposition"\s*:\s*"(ALLOWED|DENIED)"/.test(head)) return 95;
    if (head.includes('"jsonPayload"') && head.includes('"rule_details"')) return 80;
    return 0;
  },
  readDocument: readGcpDocument,
};
