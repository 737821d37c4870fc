// Conformance of the flow table with tshark: for every capture in <corpus>/pcap that has a
// `<capture>.tshark-flows.tsv` beside it (tshark 4.0 `-z conv,tcp -z conv,udp`, see the corpus
// MANIFEST), portolan's TCP and UDP flows must give the same conversations with the same frame and
// byte counts each way. Differences are failures unless pcap-allow.json lists them with a reason.
// docs/conformance.md explains the comparison and every allow-list entry.
//
// Both sides are summed per unordered (proto, endpoint, endpoint) before comparing: portolan splits
// a 5-tuple reused after a close (or after a timeout) into several flows, tshark may list one
// conversation as two rows; neither changes what went over the wire. portolan flows with no packets
// (known only from an ICMP error's quote) have no tshark counterpart and are left out.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.tshark-flows.tsv';

function findReferences(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findReferences(p, out);
    else if (name.endsWith(SUFFIX)) out.push(p);
  }
  return out;
}

/** Canonical address text (IPv6 compressed and lower-case, as RFC 5952 and the WHATWG URL parser write it). */
function canonicalIp(ip) {
  if (!ip.includes(':')) return ip;
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.toLowerCase();
  }
}

/** `proto a|pa b|pb` with the endpoints in sorted order, and whether (x, y) is in that order. */
function conversationKey(proto, x, px, y, py) {
  const a = `${canonicalIp(x)}|${px}`;
  const b = `${canonicalIp(y)}|${py}`;
  return a <= b ? { key: `${proto} ${a} ${b}`, forward: true } : { key: `${proto} ${b} ${a}`, forward: false };
}

function add(map, key, forward, framesXY, bytesXY, framesYX, bytesYX) {
  let c = map.get(key);
  if (c === undefined) {
    c = { framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0 };
    map.set(key, c);
  }
  if (forward) {
    c.framesAB += framesXY;
    c.bytesAB += bytesXY;
    c.framesBA += framesYX;
    c.bytesBA += bytesYX;
  } else {
    c.framesAB += framesYX;
    c.bytesAB += bytesYX;
    c.framesBA += framesXY;
    c.bytesBA += bytesXY;
  }
}

function readTshark(tsvPath) {
  const map = new Map();
  const lines = readFileSync(tsvPath, 'utf8').split('\n').slice(1);
  for (const line of lines) {
    if (line.trim() === '') continue;
    const c = line.split('\t');
    const [proto, addrA, portA, addrB, portB] = c;
    const framesAB = Number(c[7]);
    const bytesAB = Number(c[8]);
    const framesBA = Number(c[9]);
    const bytesBA = Number(c[10]);
    const { key, forward } = conversationKey(proto, addrA, Number(portA), addrB, Number(portB));
    add(map, key, forward, framesAB, bytesAB, framesBA, bytesBA);
  }
  return map;
}

function tsharkFailed(tsvPath) {
  const conv = tsvPath.slice(0, -SUFFIX.length) + '.tshark-conv.txt';
  return existsSync(conv) && readFileSync(conv, 'utf8').includes('# tshark exit status');
}

function describe(key) {
  const [proto, a, b] = key.split(' ');
  const ep = (e) => {
    const i = e.lastIndexOf('|');
    const ip = e.slice(0, i);
    return ip.includes(':') ? `[${ip}]:${e.slice(i + 1)}` : `${ip}:${e.slice(i + 1)}`;
  };
  return `${proto} ${ep(a)} <-> ${ep(b)}`;
}

function counts(c) {
  return c === undefined ? 'absent' : `${c.framesAB}/${c.framesBA} frames, ${c.bytesAB}/${c.bytesBA} bytes`;
}

function loadAllowList() {
  const p = join(here, 'pcap-allow.json');
  if (!existsSync(p)) return [];
  const entries = JSON.parse(readFileSync(p, 'utf8')).entries;
  for (const e of entries) {
    if (typeof e.capture !== 'string' || typeof e.reason !== 'string' || e.reason.trim() === '') {
      throw new Error(`pcap-allow.json: every entry needs "capture" and a "reason" (${JSON.stringify(e)})`);
    }
  }
  return entries;
}

/** An entry that excuses a difference (entries with `tshark` correct the reference instead). */
function allowedBy(allow, capture, key) {
  return allow.find((e) => e.tshark === undefined && e.capture === capture && (e.conversation === undefined || e.conversation === key));
}

export async function run({ corpus, log }) {
  const { readFlows } = await import('../../dist/pipeline.js');
  const root = join(corpus, 'pcap');
  const refs = findReferences(root);
  const allow = loadAllowList();
  const usedAllow = new Set();
  let captures = 0;
  let agreeing = 0;
  let skipped = 0;
  let conversations = 0;
  let matched = 0;
  let allowed = 0;
  let failed = 0;

  for (const tsv of refs) {
    const capturePath = tsv.slice(0, -SUFFIX.length);
    const capture = relative(root, capturePath);
    if (!existsSync(capturePath)) continue;
    if (tsharkFailed(tsv)) {
      skipped++;
      log(`pcap: ${capture}: no reference (tshark could not read it)`);
      continue;
    }
    captures++;
    const expected = readTshark(tsv);
    const ours = new Map();
    const result = await readFlows([capturePath], {}, (f) => {
      if (f.proto !== 'tcp' && f.proto !== 'udp') return;
      if (f.packets.client + f.packets.server === 0) return;
      const { key, forward } = conversationKey(f.proto, f.client.ip, f.client.port, f.server.ip, f.server.port);
      add(ours, key, forward, f.packets.client, f.bytes.client, f.packets.server, f.bytes.server);
    });
    const keys = [...new Set([...expected.keys(), ...ours.keys()])].sort();
    const problems = [];
    let agreeHere = 0;
    let allowedHere = 0;
    for (const key of keys) {
      const correction = allow.find((a) => a.capture === capture && a.conversation === key && a.tshark !== undefined);
      if (correction !== undefined) usedAllow.add(correction);
      const e = correction !== undefined ? correction.tshark : expected.get(key);
      const o = ours.get(key);
      const same = e !== undefined && o !== undefined && e.framesAB === o.framesAB && e.framesBA === o.framesBA && e.bytesAB === o.bytesAB && e.bytesBA === o.bytesBA;
      if (same) {
        agreeHere++;
        continue;
      }
      const entry = correction === undefined ? allowedBy(allow, capture, key) : undefined;
      if (entry !== undefined) {
        usedAllow.add(entry);
        allowedHere++;
        continue;
      }
      problems.push(`  ${describe(key)}: tshark ${counts(e)}; portolan ${counts(o)}`);
    }
    conversations += keys.length;
    matched += agreeHere;
    allowed += allowedHere;
    const read = result.inputs[0];
    const note = read !== undefined && read.fatal ? ` (portolan: ${read.error ?? 'stopped at damage'})` : '';
    if (problems.length === 0) {
      agreeing++;
      log(`pcap: ${capture}: ${agreeHere}/${keys.length} conversations agree${allowedHere > 0 ? `, ${allowedHere} allowed` : ''}${note}`);
    } else {
      failed++;
      log(`pcap: ${capture}: ${agreeHere}/${keys.length} conversations agree, ${problems.length} DIFFER${note}`);
      for (const p of problems) log(p);
    }
  }
  for (const e of allow) {
    if (!usedAllow.has(e)) {
      failed++;
      log(`pcap: allow-list entry not needed any more (remove it): ${e.capture}${e.conversation !== undefined ? ` ${e.conversation}` : ''}`);
    }
  }
  log(
    `pcap: ${agreeing} of ${captures} captures agree with tshark (${matched} of ${conversations} conversations identical, ${allowed} allowed by pcap-allow.json); ${skipped} without a reference`,
  );
  return failed === 0;
}
