// Conformance: dynamic ports. For every FTP capture of the corpus, the data connections portolan
// marks `ftp-data` are compared with the FTP-DATA conversations tshark lists and with the
// `ftp-data` connections of Zeek's baselines; the TFTP and portmapper captures likewise for
// `tftp-data` and `rpc` marks.
//
// What counts as "tshark's" data conversations: tshark's conversation table
// (`*.tshark-flows.tsv`, `tshark -z conv,tcp -z conv,udp`) does not say which conversations are
// FTP data, so they are derived the way Wireshark's own FTP dissector pairs them: every
// conversation between the two hosts of an FTP control conversation (TCP 21) that is not itself
// on port 21. For TFTP (UDP 69) and the portmapper (111) the same rule applies to conversations
// that start after the first control conversation. Zeek: `conn.log` rows whose `service` contains
// `ftp-data`, from the baseline that MANIFEST.md's BASELINES table ties to the capture.
//
// Flows are compared by their two endpoints (either order), not only counted. A difference fails
// the part unless ALLOWED lists it with its reason.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// The built library (`npm run build`); PORTOLAN_DIST points elsewhere (a build in another directory).
const dist = process.env.PORTOLAN_DIST ?? join(here, '..', '..', 'dist');

/**
 * Differences that are understood: capture (relative to pcap/) → { tshark?, zeek?, reason }, the
 * numbers being the counts the comparison is allowed to differ at. Empty while every capture agrees.
 * Example entry:
 *   'zeek/Traces/ftp/example.pcap': { tshark: 3, reason: 'tshark pairs a reused port with the wrong control session' },
 */
const ALLOWED = {};

/** Other captures with announced ports: capture → [mark kind, control port, transports]. */
const OTHER_CAPTURES = [
  ['tcpdump/tftp.pcap', 'tftp-data', 69, ['udp']],
  ['zeek/Traces/rpc-portmap-sadmind.pcap', 'rpc', 111, ['udp', 'tcp']],
  ['zeek/Traces/nfs/nfs_write.pcap', 'rpc', 111, ['udp', 'tcp']],
  ['zeek/Traces/portmapper-many-unanswered-calls.pcapng.gz', 'rpc', 111, ['udp', 'tcp']],
];

function pairKey(proto, ipA, portA, ipB, portB) {
  const a = `${ipA.toLowerCase()} ${portA}`;
  const b = `${ipB.toLowerCase()} ${portB}`;
  return a < b ? `${proto} ${a} | ${b}` : `${proto} ${b} | ${a}`;
}

function hostKey(ipA, ipB) {
  const a = ipA.toLowerCase();
  const b = ipB.toLowerCase();
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** tshark conversations: rows of the TSV as objects. */
function readTsharkRows(tsvPath) {
  if (!existsSync(tsvPath)) return undefined;
  const lines = readFileSync(tsvPath, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  const col = (name) => header.indexOf(name);
  return lines.map((l) => {
    const f = l.split('\t');
    return {
      proto: f[col('proto')],
      addrA: f[col('addrA')],
      portA: Number(f[col('portA')]),
      addrB: f[col('addrB')],
      portB: Number(f[col('portB')]),
      start: Number(f[col('rel_start')]),
    };
  });
}

/**
 * Conversations between the hosts of a control conversation on `controlPort`, not on that port;
 * with `afterControl`, only those starting after the first control conversation between the hosts.
 */
function derivedConversations(rows, controlPort, transports, controlTransports, afterControl) {
  const firstControl = new Map();
  for (const r of rows) {
    if (!controlTransports.includes(r.proto) || (r.portA !== controlPort && r.portB !== controlPort)) continue;
    const k = hostKey(r.addrA, r.addrB);
    if (!firstControl.has(k) || r.start < firstControl.get(k)) firstControl.set(k, r.start);
  }
  const out = new Set();
  for (const r of rows) {
    if (!transports.includes(r.proto) || r.portA === controlPort || r.portB === controlPort) continue;
    const start = firstControl.get(hostKey(r.addrA, r.addrB));
    if (start === undefined || (afterControl && r.start < start)) continue;
    out.add(pairKey(r.proto, r.addrA, r.portA, r.addrB, r.portB));
  }
  return out;
}

/** MANIFEST.md BASELINES rows: trace (relative to pcap/zeek/Traces) → baseline directories. */
function readBaselineIndex(corpus) {
  const index = new Map();
  const manifest = join(corpus, 'MANIFEST.md');
  if (!existsSync(manifest)) return index;
  for (const line of readFileSync(manifest, 'utf8').split('\n')) {
    const m = /^\| `([^`/]+)` \| `([^`]+)` \|/.exec(line);
    if (m === null) continue;
    const list = index.get(m[2]) ?? [];
    list.push(m[1]);
    index.set(m[2], list);
  }
  return index;
}

/** Zeek `ftp-data` connections of a baseline conn.log, or undefined when there is none with addresses. */
function readZeekFtpData(corpus, baselines) {
  for (const b of baselines ?? []) {
    const path = join(corpus, 'pcap', 'zeek', 'Baseline', b, 'conn.log');
    if (!existsSync(path)) continue;
    let fields;
    const out = new Set();
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.startsWith('#fields')) fields = line.split('\t').slice(1);
      if (line.startsWith('#') || line.length === 0 || fields === undefined) continue;
      const f = line.split('\t');
      const get = (name) => f[fields.indexOf(name)];
      if (fields.indexOf('id.orig_h') < 0 || fields.indexOf('service') < 0) break;
      if (!(get('service') ?? '').split(',').includes('ftp-data')) continue;
      out.add(pairKey(get('proto'), get('id.orig_h'), get('id.orig_p'), get('id.resp_h'), get('id.resp_p')));
    }
    if (fields !== undefined && fields.includes('id.orig_h')) return out;
  }
  return undefined;
}

async function markedFlows(readFlows, path, kind) {
  const out = new Set();
  await readFlows([path], {}, (flow) => {
    if (flow.app?.kind === kind) out.add(pairKey(flow.proto, flow.client.ip, flow.client.port, flow.server.ip, flow.server.port));
  });
  return out;
}

function difference(a, b) {
  return [...a].filter((x) => !b.has(x));
}

function describe(kind, ours, theirs, name) {
  const missing = difference(theirs, ours);
  const extra = difference(ours, theirs);
  const parts = [];
  if (missing.length > 0) parts.push(`${name} has ${missing.length} not marked ${kind} (${missing.slice(0, 3).join('; ')})`);
  if (extra.length > 0) parts.push(`${extra.length} marked ${kind} that ${name} does not list (${extra.slice(0, 3).join('; ')})`);
  return parts;
}

export async function run({ corpus, log }) {
  const pipeline = join(dist, 'pipeline.js');
  if (!existsSync(pipeline)) {
    log('ftp: dist/pipeline.js is missing (run `npm run build` first)');
    return false;
  }
  const { readFlows } = await import(pathToFileURL(pipeline).href);
  const pcapDir = join(corpus, 'pcap');
  const ftpDir = join(pcapDir, 'zeek', 'Traces', 'ftp');
  const baselines = readBaselineIndex(corpus);
  let ok = true;
  let agreeing = 0;
  let checked = 0;
  const totals = { portolan: 0, tshark: 0, zeek: 0 };

  const captures = existsSync(ftpDir)
    ? readdirSync(ftpDir)
        .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f))
        .sort()
        .map((f) => ({ rel: `zeek/Traces/ftp/${f}`, label: `ftp/${f}`, kind: 'ftp-data', port: 21, transports: ['tcp'], after: false }))
    : [];
  for (const [rel, kind, port, transports] of OTHER_CAPTURES) {
    if (existsSync(join(pcapDir, rel))) captures.push({ rel, label: rel.replace(/^zeek\/Traces\//, ''), kind, port, transports, after: true });
  }

  for (const c of captures) {
    const path = join(pcapDir, c.rel);
    const rows = readTsharkRows(`${path}.tshark-flows.tsv`);
    const ours = await markedFlows(readFlows, path, c.kind);
    const tshark = rows === undefined ? undefined : derivedConversations(rows, c.port, c.transports, c.transports, c.after);
    const zeek = c.kind === 'ftp-data' ? readZeekFtpData(corpus, baselines.get(c.rel.replace(/^zeek\/Traces\//, ''))) : undefined;
    checked++;
    totals.portolan += ours.size;
    totals.tshark += tshark?.size ?? 0;
    totals.zeek += zeek?.size ?? 0;
    const problems = [];
    if (tshark !== undefined) problems.push(...describe(c.kind, ours, tshark, 'tshark'));
    if (zeek !== undefined) problems.push(...describe(c.kind, ours, zeek, 'zeek'));
    const what = c.kind === 'ftp-data' ? 'data flows' : c.kind === 'rpc' ? 'rpc flows' : 'transfers';
    let line = `${c.label}: ${ours.size} ${what} marked, tshark ${tshark?.size ?? '-'}, zeek ${zeek?.size ?? '-'}`;
    if (problems.length === 0) {
      agreeing++;
    } else {
      const allowed = ALLOWED[c.rel];
      const explained =
        allowed !== undefined &&
        (allowed.tshark === undefined || allowed.tshark === tshark?.size) &&
        (allowed.zeek === undefined || allowed.zeek === zeek?.size);
      if (explained) {
        line += `  (allowed: ${allowed.reason})`;
        agreeing++;
      } else {
        line += `  DIFFERS: ${problems.join('; ')}`;
        ok = false;
      }
    }
    log(line);
  }
  log(`ftp: ${agreeing} of ${checked} captures agree; marked ${totals.portolan}, tshark ${totals.tshark}, zeek ${totals.zeek} (zeek only where a baseline lists connections)`);
  return ok;
}
