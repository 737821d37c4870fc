#!/usr/bin/env node
/**
 * Deterministic generator of large benchmark captures (classic pcap, Ethernet, microseconds),
 * built with the project's own capture writer (dist/testing/capture-writer.js: real headers and
 * checksums). The same arguments always give the same bytes.
 *
 *   node scripts/bench/gen-capture.mjs --packets N --flows F [--seed S] [--concurrency C]
 *        [--ipv6 FRACTION] [--vlan FRACTION] [--start UNIX_SECONDS] --out FILE
 *
 * The mix: full TCP sessions (handshake, request/response exchanges, FIN or RST close),
 * mid-stream TCP, SYN with no answer (with retransmissions), SYN answered by RST, SYN answered by
 * ICMP administratively prohibited, UDP request/response and one-way UDP, UDP answered by ICMP
 * port unreachable, and FTP control sessions whose `227 Entering Passive Mode` reply announces the
 * data connection that follows. Clients use OS-like ephemeral ports; some flows are IPv6 and some
 * 802.1Q-tagged. About `concurrency` flows are in progress at any time. When F flows make fewer
 * than N packets, more flows of the same mix follow until N packets are written.
 *
 * The benchmark prefers ../shared/bench/gen-pcap.py when it is there (its figures are the ones
 * the reference measurements were taken on) and uses this one otherwise (a clean clone).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';

const W = await import(new URL('../../dist/testing/capture-writer.js', import.meta.url).href);

const { values } = parseArgs({
  options: {
    packets: { type: 'string' },
    flows: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    concurrency: { type: 'string', default: '2000' },
    ipv6: { type: 'string', default: '0.1' },
    vlan: { type: 'string', default: '0.1' },
    start: { type: 'string', default: '1709251200' },
  },
});
if (!values.packets || !values.flows || !values.out) {
  console.error('usage: gen-capture.mjs --packets N --flows F [--seed S] [--concurrency C] [--ipv6 F] [--vlan F] --out FILE');
  process.exit(2);
}
const N = Number(values.packets);
const F = Number(values.flows);
const C = Math.max(1, Number(values.concurrency));
const V6 = Number(values.ipv6);
const VLAN = Number(values.vlan);
const START = BigInt(values.start) * 1_000_000_000n;

// mulberry32: small, fast, the same sequence on every platform.
let state = Number(values.seed) >>> 0 || 1;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (a) => a[Math.floor(rand() * a.length)];

const TCP_SERVICES = [22, 80, 443, 443, 443, 8080, 3389, 445, 5808, 3001, 3002, 1960, 873, 6379, 5432, 25];
const UDP_SERVICES = [53, 53, 53, 123, 161, 514, 500, 1812];
const EPHEMERAL = [
  [32768, 60999],
  [49152, 65535],
  [1024, 5000],
];

function clientAddress(v6) {
  return v6 ? `2001:db8:1::${int(1, 0xffff).toString(16)}` : `10.1.${int(0, 255)}.${int(1, 254)}`;
}
function serverAddress(v6) {
  return v6 ? `fd00:201::${int(1, 0x7ff).toString(16)}` : `10.201.${int(0, 7)}.${int(1, 254)}`;
}
function clientPort() {
  const [lo, hi] = pick(EPHEMERAL);
  return int(lo, hi);
}
function endpoint(ip, port) {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Mean packets per flow, so that F flows make about N packets. */
const MEAN = Math.max(2, N / F);
const KINDS = [
  ['session', 0.5],
  ['mid-stream', 0.07],
  ['unanswered', 0.08],
  ['rejected', 0.07],
  ['prohibited', 0.03],
  ['udp', 0.15],
  ['udp-oneway', 0.04],
  ['udp-unreachable', 0.03],
  ['ftp', 0.03],
];

function chooseKind() {
  let r = rand();
  for (const [k, w] of KINDS) {
    r -= w;
    if (r < 0) return k;
  }
  return 'session';
}

/** One flow (or an FTP control flow and its data flow) as timed IP packets from `start`. */
function makeFlow(start) {
  const v6 = rand() < V6;
  const cip = clientAddress(v6);
  const sip = serverAddress(v6);
  const client = endpoint(cip, clientPort());
  const rtt = 0.0005 + rand() * 0.02;
  const kind = chooseKind();
  // Exchanges fill the flow to about the mean length (6 packets of handshake and close, 2 per exchange).
  const exchanges = Math.max(1, Math.round((MEAN * (0.5 + rand()) - 6) / 2));
  const body = () => Array.from({ length: exchanges }, (_, i) => ({ from: i % 2 === 0 ? 'client' : 'server', data: i % 2 === 0 ? 'GET /x HTTP/1.1\r\n\r\n' : 'HTTP/1.1 200 OK\r\n\r\n' }));
  switch (kind) {
    case 'session':
      return W.tcpSession({ client, server: endpoint(sip, pick(TCP_SERVICES)), start, rtt, exchanges: body(), close: rand() < 0.9 ? 'fin' : 'rst', clientIsn: int(1, 2 ** 31) });
    case 'mid-stream':
      return W.tcpSession({ client, server: endpoint(sip, pick(TCP_SERVICES)), start, rtt, handshake: 'mid-stream', exchanges: body(), close: 'none' });
    case 'unanswered':
      return W.tcpSession({ client, server: endpoint(sip, pick(TCP_SERVICES)), start, rtt, handshake: 'unanswered', synRetries: 2 });
    case 'rejected':
      return W.tcpSession({ client, server: endpoint(sip, pick(TCP_SERVICES)), start, rtt, handshake: 'rejected' });
    case 'prohibited': {
      const [syn] = W.tcpSession({ client, server: endpoint(sip, pick(TCP_SERVICES)), start, rtt, handshake: 'unanswered' });
      return [syn, W.icmpErrorReply(syn, v6 ? { type: 1, code: 1 } : { type: 3, code: 13 })];
    }
    case 'udp':
      return W.udpExchange({ client, server: endpoint(sip, pick(UDP_SERVICES)), start, rtt, request: 'query', response: 'answer', count: Math.max(1, Math.round(MEAN / 4)) });
    case 'udp-oneway':
      return W.udpExchange({ client, server: endpoint(sip, 514), start, rtt, request: '<13>message', count: Math.max(1, Math.round(MEAN / 2)) });
    case 'udp-unreachable': {
      const [probe] = W.udpExchange({ client, server: endpoint(sip, int(20000, 30000)), start, rtt, request: 'probe' });
      return [probe, W.icmpErrorReply(probe)];
    }
    case 'ftp': {
      // FTP control with a passive-mode data connection (IPv4: the 227 reply names the address).
      const c4 = `10.1.${int(0, 255)}.${int(1, 254)}`;
      const s4 = `10.201.${int(0, 7)}.${int(1, 254)}`;
      const dataPort = int(32768, 60999);
      const reply = `227 Entering Passive Mode (${s4.replaceAll('.', ',')},${dataPort >> 8},${dataPort & 255})\r\n`;
      const control = W.tcpSession({
        client: `${c4}:${clientPort()}`,
        server: `${s4}:21`,
        start,
        rtt,
        exchanges: [
          { from: 'server', data: '220 FTP server ready\r\n' },
          { from: 'client', data: 'USER bench\r\n' },
          { from: 'server', data: '331 Password required\r\n' },
          { from: 'client', data: 'PASS bench\r\n' },
          { from: 'server', data: '230 Logged in\r\n' },
          { from: 'client', data: 'PASV\r\n' },
          { from: 'server', data: reply },
          { from: 'client', data: 'RETR file\r\n' },
          { from: 'server', data: '150 Opening data connection\r\n' },
        ],
      });
      const dataStart = control[Math.min(control.length - 1, 16)].ts;
      const data = W.tcpSession({ client: `${c4}:${clientPort()}`, server: `${s4}:${dataPort}`, start: dataStart, rtt, response: 'x'.repeat(1200) });
      return [...control, ...data].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    }
    default:
      throw new Error(kind);
  }
}

// ---- output: pcap header, then records in time order, written in 4 MiB batches ----------------
const fd = openSync(values.out, 'w');
const BATCH = 4 * 1024 * 1024;
let out = Buffer.allocUnsafe(BATCH);
let used = 0;
function flush() {
  writeSync(fd, out, 0, used);
  used = 0;
}
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16);
header.writeUInt32LE(1, 20);
header.copy(out, 0);
used = 24;

function writeRecord(ts, frame) {
  const len = frame.length;
  if (used + 16 + len > BATCH) flush();
  const sec = ts / 1_000_000_000n;
  const usec = (ts % 1_000_000_000n) / 1000n;
  out.writeUInt32LE(Number(sec), used);
  out.writeUInt32LE(Number(usec), used + 4);
  out.writeUInt32LE(len, used + 8);
  out.writeUInt32LE(len, used + 12);
  frame.copy(out, used + 16);
  used += 16 + len;
}

// Active flows in a binary heap by the time of their next packet.
const heap = [];
const less = (a, b) => a.pkts[a.i].ts < b.pkts[b.i].ts || (a.pkts[a.i].ts === b.pkts[b.i].ts && a.n < b.n);
function push(x) {
  heap.push(x);
  let k = heap.length - 1;
  while (k > 0) {
    const p = (k - 1) >> 1;
    if (!less(heap[k], heap[p])) break;
    [heap[k], heap[p]] = [heap[p], heap[k]];
    k = p;
  }
}
function pop() {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0) {
    heap[0] = last;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === k) break;
      [heap[k], heap[m]] = [heap[m], heap[k]];
      k = m;
    }
  }
  return top;
}

// Flows start at a steady rate that keeps about C of them in progress (a flow lasts about
// MEAN round trips of ~10 ms).
const startGapNs = BigInt(Math.max(1, Math.round((MEAN * 0.01 * 1e9) / C)));
let nextStart = START;
let flowsStarted = 0;
let written = 0;
/** Packets generated and not yet written. */
let pending = 0;
/** Past F flows, more start only while the packets in hand cannot make N. */
const wanted = () => flowsStarted < F || written + pending < N;
function startFlow() {
  const pkts = makeFlow(nextStart);
  pending += pkts.length;
  nextStart += startGapNs + BigInt(int(0, Number(startGapNs)));
  flowsStarted++;
  push({ pkts, i: 0, n: flowsStarted, vlan: rand() < VLAN ? int(2, 4094) : undefined });
}
startFlow();
while (written < N && heap.length > 0) {
  // Start every flow due before the next packet, so the output stays in time order.
  while (wanted() && nextStart <= heap[0].pkts[heap[0].i].ts) startFlow();
  const f = pop();
  const p = f.pkts[f.i];
  writeRecord(p.ts, W.ethernet(p.ip, f.vlan === undefined ? { pad: true } : { pad: true, vlan: f.vlan }).data);
  written++;
  pending--;
  if (++f.i < f.pkts.length) push(f);
  if (heap.length === 0 && wanted()) startFlow();
}
flush();
closeSync(fd);
console.log(`packets=${written} flows_started=${flowsStarted}`);
