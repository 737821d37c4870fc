/**
 * The fuzz targets: every reader of untrusted input, fed through the mutation engine (fuzz.ts).
 * Used by the fixed-seed run of the test suite (test/security/fuzz.test.ts) and by `npm run fuzz`
 * (scripts/fuzz.mjs, against dist/).
 *
 * Property of every target: nothing escapes but the documented whole-input errors (an
 * InputError for a file that is not a capture or not a report, a DataFileError for a catalog or
 * inventory that does not validate); every record a reader hands on is sane (offsets inside the
 * buffer, ports 0..65535, finite times); a decoder never fails inside a reader (`decoder-error`).
 * The runner adds the time bound.
 *
 * Seeds are the project's fixtures, captures written here with the capture writer, and, when
 * present, the files of a corpus folder (`PORTOLAN_CORPUS`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AnomalyLog } from '../anomalies.js';
import { loadCatalog, validateProductData } from '../catalog/load.js';
import type { Catalog } from '../catalog/types.js';
import { Aggregator } from '../classify/aggregate.js';
import { Classifier } from '../classify/classify.js';
import { compareReports } from '../drift/compare.js';
import { readReportChunks } from '../drift/read.js';
import { DRIFT_FORMATS, driftRenderers } from '../drift/render/index.js';
import type { LoadedReport } from '../drift/types.js';
import { DataFileError, InputError } from '../errors.js';
import { FlowTable } from '../flow/table.js';
import { formatAddress } from '../ingest/decode/address.js';
import { decodeFrame } from '../ingest/decode/frame.js';
import { createDecodedPacket, type DecodedPacket } from '../ingest/decode/packet.js';
import { DEFAULT_LOG_OPTIONS } from '../ingest/logs/format.js';
import type { DocumentFormat, LineFormat, LineResult, LogOptions } from '../ingest/logs/format.js';
import { LineFramer } from '../ingest/logs/framing.js';
import { readLog } from '../ingest/logs/read.js';
import { logFormats } from '../ingest/logs/registry.js';
import { createObservers } from '../ingest/observe/index.js';
import { sniffKind, type OpenedInput } from '../ingest/open.js';
import { readCapture, readCaptureBuffer } from '../ingest/pcap/read.js';
import { parseInventory } from '../inventory/load.js';
import { stringify as stringifyYaml } from 'yaml';
import type { Inventory } from '../inventory/inventory.js';
import type { Flow, Observation } from '../model.js';
import {
  bareIp,
  ethernet,
  fragmentIpv4,
  fragmentIpv6,
  icmp,
  icmpErrorFor,
  icmpv6,
  ip,
  ipv4,
  ipv6,
  loop,
  nullLoopback,
  pflog,
  rawIp,
  rawTransport,
  sctp,
  sll,
  sll2,
  tcp,
  tcpSession,
  toFrames,
  udp,
  udpExchange,
  writePcap,
  writePcapng,
  packetBlocks,
  type CapturedFrame,
  type Frame,
  type IpPacket,
  type TimedPacket,
} from './capture-writer.js';
import { chunksOf, mutateBytes, mutateJson, mutateLine, mutateTextFile, nestedJson, pcapLengthFields, splitChunks, type FuzzTarget, type Prng } from './fuzz.js';

// ---------------------------------------------------------------------------------------------
// seeds

export interface SeedFile {
  /** Path relative to its root (`fixtures/logs/iptables/kernel.log`, `corpus/pcap/...`). */
  path: string;
  data: Buffer;
}

export interface SeedOptions {
  /** The repository root (fixtures/ and src/catalog/products/ are read from it). */
  repo: string;
  /** A corpus folder (pcap/, logs/); skipped when absent. */
  corpus?: string | undefined;
  /** Largest seed kept (bytes); longer files are cut (the readers must cope with that too). */
  maxSeedBytes?: number;
}

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
}

/** Every fixture and corpus file, read once (gzip files decompressed). */
export function loadSeedFiles(o: SeedOptions): SeedFile[] {
  const max = o.maxSeedBytes ?? 256 * 1024;
  const files: SeedFile[] = [];
  const add = (root: string, prefix: string): void => {
    const paths: string[] = [];
    walk(root, paths);
    for (const p of paths) {
      let data = readFileSync(p);
      if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
        try {
          data = gunzipSync(data);
        } catch {
          continue;
        }
      }
      if (data.length > max) data = data.subarray(0, max);
      files.push({ path: `${prefix}/${p.slice(root.length + 1).split('\\').join('/')}`, data });
    }
  };
  add(join(o.repo, 'fixtures'), 'fixtures');
  add(join(o.repo, 'src', 'catalog', 'products'), 'products');
  if (o.corpus !== undefined && existsSync(o.corpus)) add(o.corpus, 'corpus');
  return files;
}

// ---------------------------------------------------------------------------------------------
// checks (a broken one throws: the runner records a crash)

class PropertyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertyError';
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new PropertyError(what);
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 65535;
}

/** Offsets the decoders hand to consumers lie inside the buffer; numbers are in range. */
export function checkPacket(p: DecodedPacket): void {
  const n = p.buf.length;
  check(p.payloadLen >= 0 && p.payloadOff >= 0 && p.payloadOff + p.payloadLen <= n, 'payload outside the buffer');
  if (p.ipVersion !== 0) {
    const w = p.ipVersion === 4 ? 4 : 16;
    check(p.srcOff >= 0 && p.dstOff >= 0 && p.srcOff + w <= n && p.dstOff + w <= n, 'address outside the buffer');
    check(Number.isInteger(p.proto) && p.proto >= 0 && p.proto <= 255, 'protocol out of range');
  }
  if (p.embedded.valid) {
    const w = p.embedded.ipVersion === 4 ? 4 : 16;
    check(p.embedded.srcOff + w <= n && p.embedded.dstOff + w <= n, 'quoted address outside the buffer');
    check(isPort(p.embedded.srcPort) && isPort(p.embedded.dstPort), 'quoted port out of range');
  }
  check(isPort(p.srcPort) && isPort(p.dstPort), 'port out of range');
  check(Number.isFinite(p.tsSec) && p.tsNsec >= 0 && p.tsNsec < 1e9, 'timestamp out of range');
  check(p.capLen >= 0 && p.origLen >= 0, 'negative length');
}

/**
 * RFC 3339 with nanoseconds. A corrupt capture timestamp (pcapng times are 64-bit) can lie past
 * year 9999 or before year 0: it is written faithfully with an expanded year (`+586515-...`).
 */
const RFC3339 = /^(\d{4}|[+-]\d{6,})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** A flow as the table emits it: every field well-formed, JSON-serialisable. */
export function checkFlow(f: Flow): void {
  check(isPort(f.client.port) && isPort(f.server.port), `flow ${f.id}: port out of range`);
  check(typeof f.client.ip === 'string' && typeof f.server.ip === 'string', `flow ${f.id}: address not text`);
  check(RFC3339.test(f.first) && RFC3339.test(f.last), `flow ${f.id}: bad time ${f.first} / ${f.last}`);
  for (const v of [f.packets.client, f.packets.server, f.bytes.client, f.bytes.server]) check(Number.isFinite(v) && v >= 0, `flow ${f.id}: bad count ${v}`);
  JSON.stringify(f);
}

/** An observation a log parser returned. */
export function checkObservation(o: Observation): void {
  check(Number.isInteger(o.proto) && o.proto >= 0 && o.proto <= 255, `observation: protocol ${o.proto}`);
  check(isPort(o.srcPort) && isPort(o.dstPort), `observation: port ${o.srcPort} / ${o.dstPort}`);
  check(Number.isFinite(o.tsSec) && Number.isInteger(o.tsNsec) && o.tsNsec >= 0 && o.tsNsec < 1e9, `observation: time ${o.tsSec}.${o.tsNsec}`);
  check(typeof o.src === 'string' && typeof o.dst === 'string', 'observation: address not text');
  if (o.endSec !== undefined) check(Number.isFinite(o.endSec), `observation: end time ${o.endSec}`);
  if (o.quoted !== undefined) check(isPort(o.quoted.srcPort) && isPort(o.quoted.dstPort), 'observation: quoted port');
}

/** Only the listed InputError codes may escape `fn`. */
async function allowInputErrors(fn: () => Promise<unknown> | unknown, codes: readonly string[] | 'any'): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof InputError && (codes === 'any' || codes.includes(e.code))) return;
    throw e;
  }
}

/** An OpenedInput over a buffer, delivered in random chunks. */
export function bufferInput(buf: Buffer, rng: Prng, name = 'fuzz.bin'): OpenedInput {
  const chunks = splitChunks(rng, buf, 12);
  return {
    name,
    kind: sniffKind(buf.subarray(0, 65536)),
    gzip: false,
    size: buf.length,
    head: buf.subarray(0, 65536),
    chunks: () => chunksOf(chunks),
    bytesRead: () => buf.length,
    close: () => undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// generated captures and frames

const T0 = 1_700_000_000n * 1_000_000_000n;

function ipPackets(): IpPacket[] {
  const v4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options: [1, 1, 1, 1] }, tcp({ srcPort: 40000, dstPort: 21, flags: 'PA', options: [2, 4, 5, 180] }, '227 Entering Passive Mode (10,0,0,2,128,12)\r\n'));
  const v6 = ipv6(
    { src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ kind: 'hop-by-hop' }, { kind: 'routing', addresses: ['2001:db8::3'] }, { kind: 'ah' }] },
    udp({ srcPort: 3000, dstPort: 111 }, Buffer.alloc(40, 1)),
  );
  const syn = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ srcPort: 40001, dstPort: 22, flags: 'S' }));
  const u = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ srcPort: 5000, dstPort: 69 }, '\u0000\u0001file\u0000octet\u0000'));
  return [
    v4,
    v6,
    syn,
    u,
    ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmpErrorFor(syn, 3, 13)),
    ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmpErrorFor(u, 3, 3)),
    ipv6({ src: '2001:db8::9', dst: '2001:db8::1' }, icmpErrorFor(v6, 1, 4)),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, icmp({ type: 8, id: 7, seq: 1 }, 'ping')),
    ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, icmpv6({ type: 128, id: 9 })),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, sctp({ srcPort: 7, dstPort: 8 })),
    ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, rawTransport(47, Buffer.alloc(24, 2))),
    ...fragmentIpv4(ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ srcPort: 5, dstPort: 6 }, Buffer.alloc(100))), 48),
    ...fragmentIpv6(ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, udp({ srcPort: 5, dstPort: 6 }, Buffer.alloc(100))), 48),
  ];
}

/** Every link type the decoders know, around every generated packet. */
export function generatedFrames(): Frame[] {
  return ipPackets().flatMap((p) => [
    ethernet(p),
    ethernet(p, { vlan: [1, 2] }),
    ethernet(p, { llcSnap: true }),
    sll(p),
    sll2(p),
    nullLoopback(p),
    loop(p),
    rawIp(p),
    bareIp(p),
    pflog(p, { action: 'block' }),
  ]);
}

function sessionPackets(): TimedPacket[] {
  return [
    ...tcpSession({ client: '10.0.0.5:40112', server: '10.1.0.7:21', start: T0, request: 'PASV\r\n', response: '227 Entering Passive Mode (10,1,0,7,128,12)\r\n' }),
    ...tcpSession({ client: '10.0.0.5:40113', server: '10.1.0.7:32780', start: T0 + 1_000_000n }),
    ...tcpSession({ client: '10.0.0.6:40000', server: '10.1.0.8:443', start: T0 + 2_000_000n, handshake: 'rejected' }),
    ...tcpSession({ client: '[2001:db8::5]:40000', server: '[2001:db8::7]:22', start: T0 + 3_000_000n, handshake: 'unanswered', synRetries: 2 }),
    ...udpExchange({ client: '10.0.0.5:5353', server: '10.1.0.7:53', start: T0 + 4_000_000n, response: 'answer' }),
  ];
}

/** Small captures in every flavour: pcap LE/BE, micro/nano, several link types; pcapng with sections and interfaces. */
export function generatedCaptures(): { pcap: Buffer[]; pcapng: Buffer[] } {
  const pkts = sessionPackets();
  const links: Array<(p: IpPacket) => Frame> = [(p) => ethernet(p), (p) => ethernet(p, { vlan: [5] }), (p) => sll(p), (p) => sll2(p), (p) => nullLoopback(p), (p) => rawIp(p), (p) => pflog(p)];
  const pcap: Buffer[] = [];
  links.forEach((link, i) => pcap.push(writePcap(toFrames(pkts, link), { bigEndian: i % 2 === 1, nanos: i % 3 === 0 })));
  const frames: CapturedFrame[] = toFrames(pkts);
  const withIcmp: CapturedFrame[] = ipPackets().map((p, i) => ({ ts: T0 + BigInt(i) * 1000n, frame: ethernet(p) }));
  pcap.push(writePcap(withIcmp));
  const pcapng: Buffer[] = [
    writePcapng({ interfaces: [{ linkType: 1 }], blocks: packetBlocks(frames) }),
    writePcapng({ bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9, name: 'eth0' }], blocks: packetBlocks(withIcmp) }),
    writePcapng([
      {
        interfaces: [{ linkType: 1 }, { linkType: 113, tsresol: 0x80 | 20, tsoffset: 5 }],
        application: 'fuzz',
        blocks: [
          { kind: 'nrb', entries: [{ ip: '10.0.0.1', name: 'host' }] },
          ...packetBlocks(frames.slice(0, 6)),
          { kind: 'packet', ts: T0, frame: sll(pkts[0]!.ip), interfaceId: 1 },
          { kind: 'packet', ts: T0, frame: ethernet(pkts[1]!.ip), block: 'spb' },
          { kind: 'packet', ts: T0, frame: ethernet(pkts[2]!.ip), block: 'pb' },
          { kind: 'isb', interfaceId: 0 },
          { kind: 'dsb' },
          { kind: 'custom' },
          { kind: 'unknown', type: 0x1234 },
        ],
      },
      { bigEndian: true, interfaces: [{ linkType: 101 }], blocks: packetBlocks(toFrames(pkts.slice(0, 4), (p) => rawIp(p))) },
    ]),
  ];
  return { pcap, pcapng };
}

/** Frames (with link type) of a classic pcap file: the record walk, no decoding. */
function framesOfPcap(buf: Buffer): Array<{ linkType: number; data: Buffer }> {
  const out: Array<{ linkType: number; data: Buffer }> = [];
  if (buf.length < 24) return out;
  const m = buf.readUInt32BE(0);
  const be = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  if (!be && m !== 0xd4c3b2a1 && m !== 0x4d3cb2a1) return out;
  const linkType = (be ? buf.readUInt32BE(20) : buf.readUInt32LE(20)) & 0xffff;
  for (let p = 24; p + 16 <= buf.length && out.length < 200; ) {
    const cap = be ? buf.readUInt32BE(p + 8) : buf.readUInt32LE(p + 8);
    if (p + 16 + cap > buf.length || cap > 65535) break;
    out.push({ linkType, data: Buffer.from(buf.subarray(p + 16, p + 16 + cap)) });
    p += 16 + cap;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// conversations (observers)

interface Conversation {
  proto: 'tcp' | 'udp';
  client: string;
  server: string;
  /** Messages in order: from the client or not, payload as hex. */
  msgs: Array<{ c: boolean; hex: string }>;
  /** Ports to open a flow to afterwards (what an announcement might have named). */
  follow: number[];
}

function endpointText(ipText: string, port: number): string {
  return ipText.includes(':') ? `[${ipText}]:${port}` : `${ipText}:${port}`;
}

/** The conversations of a capture that carry payload, one per flow (first packet's source = client). */
function conversationsOf(buf: Buffer): Conversation[] {
  const byKey = new Map<string, Conversation>();
  try {
    readCaptureBuffer(
      buf,
      'seed',
      (p) => {
        if (p.ipVersion === 0 || (p.proto !== 6 && p.proto !== 17) || p.payloadLen === 0 || p.fragment !== 0) return;
        const v = p.ipVersion;
        const a = endpointText(formatAddress(p.buf, p.srcOff, v), p.srcPort);
        const b = endpointText(formatAddress(p.buf, p.dstOff, v), p.dstPort);
        const k1 = `${p.proto} ${a} ${b}`;
        const k2 = `${p.proto} ${b} ${a}`;
        let conv = byKey.get(k1) ?? byKey.get(k2);
        if (conv === undefined) {
          if (byKey.size > 50) return;
          conv = { proto: p.proto === 6 ? 'tcp' : 'udp', client: a, server: b, msgs: [], follow: [] };
          byKey.set(k1, conv);
        }
        if (conv.msgs.length < 60) conv.msgs.push({ c: conv.client === a, hex: p.buf.toString('hex', p.payloadOff, p.payloadOff + p.payloadLen) });
      },
      new AnomalyLog(),
    );
  } catch {
    // not a capture: no conversations
  }
  return [...byKey.values()];
}

const ANNOUNCED = /\((\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})\)|\|\|\|(\d{1,5})\||PORT (\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/g;

function announcedPorts(conv: Conversation): number[] {
  const ports: number[] = [];
  for (const m of conv.msgs) {
    const text = Buffer.from(m.hex, 'hex').toString('latin1');
    for (const x of text.matchAll(ANNOUNCED)) {
      if (x[5] !== undefined) ports.push((Number(x[5]) * 256 + Number(x[6])) & 0xffff);
      else if (x[7] !== undefined) ports.push(Number(x[7]) & 0xffff);
      else if (x[12] !== undefined) ports.push((Number(x[12]) * 256 + Number(x[13])) & 0xffff);
    }
  }
  return ports;
}

function mutateConversation(rng: Prng, seed: Buffer, seeds: readonly Buffer[]): Buffer {
  let conv: Conversation;
  try {
    conv = JSON.parse(seed.toString('utf8')) as Conversation;
  } catch {
    return seed;
  }
  const edits = 1 + rng.below(4);
  for (let e = 0; e < edits; e++) {
    const what = rng.below(12);
    const i = rng.below(conv.msgs.length);
    const m = conv.msgs[i];
    if (what < 5 && m !== undefined) {
      const bytes = Buffer.from(m.hex, 'hex');
      const printable = bytes.length > 0 && bytes.every((c) => c === 10 || c === 13 || (c >= 32 && c < 127));
      const out = printable && rng.chance(0.7) ? Buffer.from(mutateLine(rng, bytes.toString('latin1')), 'latin1') : mutateBytes(rng, bytes, { maxLength: 8192 });
      m.hex = out.toString('hex');
    } else if (what === 5 && m !== undefined) {
      // split a message in two segments
      const cut = rng.below(m.hex.length / 2 + 1) * 2;
      conv.msgs.splice(i, 1, { c: m.c, hex: m.hex.slice(0, cut) }, { c: m.c, hex: m.hex.slice(cut) });
    } else if (what === 6 && conv.msgs.length > 1) {
      const j = rng.below(conv.msgs.length);
      const t = conv.msgs[i]!;
      conv.msgs[i] = conv.msgs[j]!;
      conv.msgs[j] = t;
    } else if (what === 7 && m !== undefined) conv.msgs.splice(i, 0, { ...m });
    else if (what === 8 && m !== undefined) conv.msgs.splice(i, 1);
    else if (what === 9) {
      // take messages from another conversation
      try {
        const other = JSON.parse(rng.pick(seeds).toString('utf8')) as Conversation;
        if (other.msgs.length > 0) conv.msgs.splice(i, 0, ...other.msgs.slice(rng.below(other.msgs.length), rng.below(other.msgs.length) + 4));
      } catch {
        // keep as is
      }
    } else if (what === 10) {
      const port = rng.pick([21, 111, 69, 2049, 2121, rng.below(65536)]);
      conv.server = conv.server.replace(/:\d+$/, `:${port}`);
    } else conv.proto = conv.proto === 'tcp' ? 'udp' : 'tcp';
  }
  if (conv.msgs.length > 200) conv.msgs.length = 200;
  conv.follow = announcedPorts(conv);
  if (rng.chance(0.3)) conv.follow.push(rng.below(65536));
  return Buffer.from(JSON.stringify(conv));
}

function hostPort(text: string): { ip: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  return { ip: m?.[1] ?? '10.0.0.1', port: Number(m?.[2] ?? 0) & 0xffff };
}

/** The capture of a conversation: its packets (TCP with a handshake when `rng` says so), then the follow-up flows. */
function conversationCapture(conv: Conversation, rng: Prng): Buffer {
  const c = hostPort(conv.client);
  const s = hostPort(conv.server);
  const sameFamily = c.ip.includes(':') === s.ip.includes(':');
  if (!sameFamily) return Buffer.alloc(0);
  let pkts: TimedPacket[] = [];
  const exchanges = conv.msgs.map((m) => ({ from: m.c ? ('client' as const) : ('server' as const), data: Buffer.from(m.hex, 'hex') }));
  if (conv.proto === 'tcp') {
    pkts = tcpSession({
      client: conv.client,
      server: conv.server,
      start: T0,
      handshake: rng.chance(0.85) ? 'full' : 'mid-stream',
      exchanges,
      close: rng.pick(['fin', 'rst', 'none'] as const),
    });
  } else {
    let t = T0;
    for (const x of exchanges) {
      const from = x.from === 'client' ? c : s;
      const to = x.from === 'client' ? s : c;
      pkts.push({ ts: t, ip: ip(from.ip, to.ip, udp({ srcPort: from.port, dstPort: to.port }, x.data)) });
      t += 1_000_000n;
    }
  }
  // Out-of-order delivery now and then (the control-channel reassembly must cope).
  if (pkts.length > 3 && rng.chance(0.3)) {
    const i = rng.below(pkts.length - 1);
    const t = pkts[i]!;
    pkts[i] = pkts[i + 1]!;
    pkts[i + 1] = t;
  }
  const last = pkts.length > 0 ? pkts[pkts.length - 1]!.ts : T0;
  let k = 0;
  for (const port of conv.follow.slice(0, 8)) {
    k++;
    const start = last + BigInt(k) * 1_000_000n;
    if (rng.chance(0.5)) pkts.push(...tcpSession({ client: endpointText(c.ip, 20000 + k), server: endpointText(s.ip, port), start }));
    else pkts.push(...udpExchange({ client: endpointText(c.ip, 20000 + k), server: endpointText(s.ip, port), start, response: 'r' }));
  }
  return writePcap(toFrames(pkts));
}

// ---------------------------------------------------------------------------------------------
// running inputs through the pipeline stages

/** Packets → flow table (with the observers) → flows, each checked. */
function captureToFlows(buf: Buffer, rng: Prng, observers: boolean): void {
  const anomalies = new AnomalyLog();
  const maxFlows = rng.chance(0.2) ? 1 + rng.below(4) : undefined;
  const obs = observers
    ? createObservers({
        anomalies,
        ...(rng.chance(0.2) ? { expectationCap: 1 + rng.below(3), maxLineBytes: 64, reassemblyBufferBytes: 1024, bufferBudgetBytes: 4096 } : {}),
      })
    : undefined;
  const table = new FlowTable({ anomalies, ...(maxFlows !== undefined ? { maxFlows } : {}) }, checkFlow, obs);
  try {
    readCaptureBuffer(
      buf,
      'fuzz.pcap',
      (p) => {
        checkPacket(p);
        table.addPacket(p, 1, 'fuzz.pcap');
      },
      anomalies,
    );
  } catch (e) {
    if (!(e instanceof InputError && e.code === 'not-a-capture')) throw e;
  }
  table.flush();
  check(anomalies.count('decoder-error') === 0, `decoder-error: ${anomalies.summary().find((s) => s.code === 'decoder-error')?.examples[0]?.message ?? ''}`);
}

async function readCaptureInput(buf: Buffer, rng: Prng): Promise<void> {
  const anomalies = new AnomalyLog();
  const onPacket = (p: DecodedPacket): void => checkPacket(p);
  if (rng.chance(0.5)) {
    await allowInputErrors(() => readCaptureBuffer(buf, 'fuzz', onPacket, anomalies), ['not-a-capture']);
  } else {
    await allowInputErrors(() => readCapture(bufferInput(buf, rng, 'fuzz'), onPacket, anomalies), ['not-a-capture']);
  }
  check(anomalies.count('decoder-error') === 0, `decoder-error: ${anomalies.summary().find((s) => s.code === 'decoder-error')?.examples[0]?.message ?? ''}`);
}

function logOptions(rng: Prng): LogOptions {
  return {
    ...DEFAULT_LOG_OPTIONS,
    assumeYear: 2024,
    utcOffsetMinutes: rng.pick([0, 0, 60, -300, 14 * 60]),
    prefixActions: rng.chance(0.3) ? [{ match: 'FW-', action: 'denied' }] : [],
  };
}

function takeResult(r: LineResult, table: FlowTable): void {
  if (Array.isArray(r)) {
    for (const o of r) {
      checkObservation(o);
      table.addObservation(o, 1);
    }
  } else if ('error' in r) {
    check(typeof r.error === 'string' && typeof r.code === 'string', 'error result without text');
  } else if (!('skip' in r)) {
    checkObservation(r);
    table.addObservation(r, 1);
  }
}

function splitLines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

// ---------------------------------------------------------------------------------------------
// targets

function isCapture(d: Buffer): 'pcap' | 'pcapng' | undefined {
  if (d.length < 4) return undefined;
  const m = d.readUInt32BE(0);
  if (m === 0x0a0d0d0a) return 'pcapng';
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  return undefined;
}

function isLogSeed(f: SeedFile): boolean {
  if (isCapture(f.data) !== undefined) return false;
  const p = f.path;
  if (!(p.startsWith('fixtures/logs/') || p.startsWith('corpus/logs/') || /^fixtures\/.*\.log$/.test(p))) return false;
  return !/\.expected|\.options\.json$|corpus-differences|\.tsv$|MANIFEST|LICENSE/.test(p);
}

function captureMutator(maxLength: number): (rng: Prng, seed: Buffer, seeds: readonly Buffer[]) => Buffer {
  return (rng, seed, seeds) => mutateBytes(rng, seed, { maxLength, others: seeds, lengthFields: pcapLengthFields(seed) });
}

export interface TargetOptions {
  /** Catalog for the inventory and classification targets (default: the built-in catalog). */
  catalog?: Catalog;
}

/** Builds every target from the seed files. Targets without seeds are left out. */
export function buildFuzzTargets(files: readonly SeedFile[], o: TargetOptions = {}): FuzzTarget[] {
  const catalog = o.catalog ?? loadCatalog();
  const targets: FuzzTarget[] = [];
  const gen = generatedCaptures();
  const captures = files.filter((f) => isCapture(f.data) !== undefined);
  const pcapSeeds = [...gen.pcap, ...captures.filter((f) => isCapture(f.data) === 'pcap').map((f) => f.data)];
  const pcapngSeeds = [...gen.pcapng, ...captures.filter((f) => isCapture(f.data) === 'pcapng').map((f) => f.data)];

  targets.push({
    name: 'pcap',
    description: 'classic pcap reader (whole buffer and random chunks), packets checked',
    seeds: pcapSeeds,
    mutate: captureMutator(256 * 1024),
    run: (input, rng) => readCaptureInput(input, rng),
  });
  targets.push({
    name: 'pcapng',
    description: 'pcapng reader (whole buffer and random chunks), packets checked',
    seeds: pcapngSeeds,
    mutate: captureMutator(256 * 1024),
    run: (input, rng) => readCaptureInput(input, rng),
  });

  // Decoders: one byte of link-type choice, then the frame.
  const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 117, 228, 229, 276, 147];
  const frameSeeds: Buffer[] = [];
  const framesOf = [...generatedFrames(), ...pcapSeeds.flatMap(framesOfPcap).slice(0, 400)];
  for (const f of framesOf) {
    const li = LINK_TYPES.indexOf(f.linkType);
    if (li < 0) continue;
    frameSeeds.push(Buffer.concat([Buffer.from([li]), f.data]));
  }
  const scratch = createDecodedPacket();
  const decodeLog = new AnomalyLog();
  targets.push({
    name: 'decode',
    description: 'decodeFrame for every link type (Ethernet/VLAN, SLL, SLL2, null, loop, raw, IPv4, IPv6, PFLOG) down to TCP/UDP/SCTP/ICMP',
    seeds: frameSeeds,
    mutate: (rng, seed, seeds) => {
      const out = mutateBytes(rng, seed.subarray(1), { others: seeds.map((s) => s.subarray(1)), maxLength: 4096 });
      const li = rng.chance(0.8) ? (seed[0] ?? 1) : rng.below(LINK_TYPES.length);
      return Buffer.concat([Buffer.from([li]), out]);
    },
    run: (input, rng) => {
      const lt = LINK_TYPES[(input[0] ?? 1) % LINK_TYPES.length] ?? 1;
      const frame = input.subarray(1);
      scratch.capLen = frame.length;
      scratch.origLen = rng.chance(0.9) ? frame.length : rng.below(70000);
      decodeFrame(scratch, frame, 0, frame.length, lt, decodeLog);
      checkPacket(scratch);
      // Odd offsets and lengths into a larger buffer (as the readers call it).
      const off = rng.below(8);
      const padded = Buffer.concat([Buffer.alloc(off, 0xaa), frame, Buffer.alloc(rng.below(8), 0xbb)]);
      decodeFrame(scratch, padded, off, rng.chance(0.8) ? frame.length : rng.below(frame.length + 20) - 4, lt, decodeLog);
      checkPacket(scratch);
    },
  });

  targets.push({
    name: 'capture-flows',
    description: 'captures through the flow table with the FTP/portmapper/TFTP observers; flows checked',
    seeds: [...pcapSeeds, ...pcapngSeeds],
    mutate: captureMutator(256 * 1024),
    run: (input, rng) => captureToFlows(input, rng, true),
  });

  const convSeeds: Buffer[] = [];
  for (const buf of [...pcapSeeds, ...pcapngSeeds]) {
    for (const conv of conversationsOf(buf)) {
      conv.follow = announcedPorts(conv);
      convSeeds.push(Buffer.from(JSON.stringify(conv)));
    }
  }
  targets.push({
    name: 'observe',
    description: 'FTP control lines, portmapper (ONC RPC) and TFTP payloads mutated inside well-formed TCP/UDP sessions, through the flow table with the observers',
    seeds: convSeeds,
    mutate: mutateConversation,
    run: (input, rng) => {
      let conv: Conversation;
      try {
        conv = JSON.parse(input.toString('utf8')) as Conversation;
        if (!Array.isArray(conv.msgs)) return;
      } catch {
        return;
      }
      const cap = conversationCapture(conv, rng);
      if (cap.length > 0) captureToFlows(cap, rng, true);
    },
  });

  // Log formats.
  const logSeeds = files.filter(isLogSeed);
  for (const f of logFormats) {
    if (f.kind === 'lines') {
      const seeds = logSeeds.filter((s) => splitLines(s.data.toString('latin1')).slice(0, 400).some((l) => l.length > 0 && safeScore(f, l) > 0)).map((s) => s.data);
      if (seeds.length === 0) continue;
      targets.push(lineTarget(f, seeds));
    } else {
      const seeds = logSeeds.filter((s) => safeDocScore(f, s.data.subarray(0, 65536).toString('utf8')) > 0).map((s) => s.data);
      if (seeds.length === 0) continue;
      targets.push(documentTarget(f, seeds));
    }
  }

  targets.push({
    name: 'log-read',
    description: 'readLog on whole mutated log files in random chunks: framing, format sniffing, interleaved dispatch, every parser',
    seeds: logSeeds.map((s) => s.data),
    mutate: (rng, seed, seeds) => mutateTextFile(rng, seed, { others: seeds }),
    run: async (input, rng) => {
      const anomalies = new AnomalyLog();
      const table = new FlowTable({ anomalies }, checkFlow);
      const options = { ...logOptions(rng), ...(rng.chance(0.3) ? { maxLineBytes: 16 + rng.below(512) } : {}) };
      await allowInputErrors(async () => {
        const stats = await readLog(
          bufferInput(input, rng, 'fuzz.log'),
          options,
          (o) => {
            checkObservation(o);
            table.addObservation(o, 1);
          },
          anomalies,
        );
        // The reader's safety net for a parser that throws: here it would be a bug.
        const thrown = stats.badReasons.find((r) => r.code === 'parser-error');
        check(thrown === undefined, `parser-error: ${anomalies.summary().find((a) => a.code === 'bad-log-line')?.examples.find((e) => e.message.includes('could not be'))?.message ?? ''}`);
      }, ['log-format-unknown']);
      table.flush();
    },
  });

  targets.push(framingTarget(logSeeds.map((s) => s.data)));

  // Catalog and inventory.
  const productSeeds = files.filter((f) => f.path.startsWith('products/') || (f.path.startsWith('fixtures/catalog/') && f.path.endsWith('.json') && !f.path.includes('.expected'))).map((f) => f.data);
  targets.push({
    name: 'catalog',
    description: 'product files: JSON parse, schema and semantic validation, then the rule index and classification',
    seeds: productSeeds,
    mutate: (rng, seed, seeds) => mutateJson(rng, seed, { others: seeds }),
    run: (input) => {
      let data: unknown;
      try {
        data = JSON.parse(input.toString('utf8'));
      } catch {
        return;
      }
      let product;
      try {
        product = validateProductData(data, 'fuzz.json');
      } catch (e) {
        if (e instanceof DataFileError) return;
        throw e;
      }
      const c: Catalog = { ...catalog, products: [...catalog.products.filter((p) => p.id !== product.id), product] };
      classifySome(c, undefined);
    },
  });

  const inventorySeeds = files.filter((f) => /inventory[^/]*\.json$/.test(f.path)).map((f) => f.data);
  if (inventorySeeds.length > 0) {
    targets.push({
      name: 'inventory',
      description: 'inventory files: JSON parse, schema validation, prefixes, then lookups and classification with roles',
      seeds: inventorySeeds,
      mutate: (rng, seed, seeds) => mutateJson(rng, seed, { others: seeds }),
      run: (input) => {
        let inv: Inventory;
        try {
          inv = parseInventory(input.toString('utf8'), 'fuzz.json', catalog);
        } catch (e) {
          if (e instanceof DataFileError) return;
          throw e;
        }
        for (const a of ['10.0.0.5', '10.1.0.7', '192.168.10.50', '2001:db8::1', '0.0.0.0', '255.255.255.255', '::']) inv.lookup(a);
        classifySome(catalog, inv);
      },
    });
  }

  // The same inventories as YAML: anchors, aliases, tags and flow/block styles mutated as text.
  const yamlSeeds = inventorySeeds.flatMap((seed) => {
    try {
      const doc: unknown = JSON.parse(seed.toString('utf8'));
      return [Buffer.from(stringifyYaml(doc)), Buffer.from(`x: &a [1, 2]\ny: *a\n${stringifyYaml(doc)}`)];
    } catch {
      return [];
    }
  });
  if (yamlSeeds.length > 0) {
    targets.push({
      name: 'inventory-yaml',
      description: 'YAML inventory files: YAML parse (core schema, tags refused, aliases capped), schema validation, then lookups and classification',
      seeds: yamlSeeds,
      mutate: (rng, seed, seeds) => mutateTextFile(rng, seed, { others: seeds }),
      run: (input) => {
        let inv: Inventory;
        try {
          inv = parseInventory(input.toString('utf8'), 'fuzz.yaml', catalog);
        } catch (e) {
          if (e instanceof DataFileError) return;
          throw e;
        }
        for (const a of ['10.0.0.5', '10.1.0.7', '192.168.10.50', '2001:db8::1']) inv.lookup(a);
        classifySome(catalog, inv);
      },
    });
  }

  const reportSeeds = files.filter((f) => /^fixtures\/drift\/(schema-v\d+\.json|.*\/reports\/[^/]+\.json)$/.test(f.path)).map((f) => f.data);
  if (reportSeeds.length > 0) {
    let base: LoadedReport | undefined;
    targets.push({
      name: 'drift-report',
      description: "drift's streamed report reader on mutated reports in random chunks, then compare and render every drift format",
      seeds: [...reportSeeds, Buffer.from(nestedJson(3000)), Buffer.from(`{"schemaVersion":1,"services":${nestedJson(3000)}}`)],
      mutate: (rng, seed, seeds) => mutateJson(rng, seed, { others: seeds }),
      run: async (input, rng) => {
        base ??= await readReportChunks('base.json', chunksOf([reportSeeds[0]!]));
        let loaded: LoadedReport | undefined;
        await allowInputErrors(async () => {
          loaded = await readReportChunks('fuzz.json', chunksOf(splitChunks(rng, input)));
        }, 'any');
        if (loaded === undefined) return;
        const d = compareReports(base, loaded);
        const r = compareReports(loaded, base);
        const format = rng.pick(DRIFT_FORMATS);
        driftRenderers[format].drift(rng.chance(0.5) ? d : r, { colour: rng.chance(0.5), width: 100 });
      },
    });
  }
  return targets;
}

function safeScore(f: LineFormat, line: string): number {
  try {
    return f.sniff(line);
  } catch {
    return 0;
  }
}

function safeDocScore(f: DocumentFormat, head: string): number {
  try {
    return f.sniffDocument(head);
  } catch {
    return 0;
  }
}

function lineTarget(f: LineFormat, seeds: Buffer[]): FuzzTarget {
  return {
    name: `log-${f.name}`,
    description: `${f.title}: sniff and parse mutated lines, observations checked and merged by the flow table`,
    seeds,
    mutate: (rng, seed, all) => mutateTextFile(rng, seed, { others: all, maxLines: 120 }),
    run: (input, rng) => {
      const lines = splitLines(input.toString(rng.chance(0.8) ? 'utf8' : 'latin1'));
      const parse = f.createParser({ file: 'fuzz.log', options: logOptions(rng), note: () => undefined });
      const ctx = { file: 'fuzz.log', line: 0, options: logOptions(rng) };
      const table = new FlowTable({ anomalies: new AnomalyLog() }, checkFlow);
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] ?? '';
        if (line.length === 0) continue;
        const score = f.sniff(line);
        check(Number.isFinite(score), `sniff gave ${score}`);
        ctx.line = i + 1;
        takeResult(parse(line, ctx), table);
      }
      table.flush();
    },
  };
}

function documentTarget(f: DocumentFormat, seeds: Buffer[]): FuzzTarget {
  // Small bombs (past the depth limit, near the string limit); the 100 MB cases are in test/security.
  const bombs = [
    Buffer.from(`{"records":${nestedJson(2000)}}`),
    Buffer.from(`[${nestedJson(2000, 'object')}]`),
    Buffer.from(`{"records":[{"properties":{"flows":[{"rule":"${'r'.repeat(20_000)}","flows":[]}]}}]}`),
  ];
  return {
    name: `log-${f.name}`,
    description: `${f.title}: the streamed JSON document reader on mutated documents in random chunks`,
    seeds: [...seeds, ...bombs],
    mutate: (rng, seed, all) => (rng.chance(0.1) ? mutateBytes(rng, seed, { others: all, maxLength: 1024 * 1024 }) : mutateJson(rng, seed, { others: all })),
    run: async (input, rng) => {
      const table = new FlowTable({ anomalies: new AnomalyLog() }, checkFlow);
      await f.readDocument(
        chunksOf(splitChunks(rng, input)),
        { file: 'fuzz.json', options: logOptions(rng) },
        (o) => {
          checkObservation(o);
          table.addObservation(o, 1);
        },
        (code, message) => check(typeof code === 'string' && typeof message === 'string', 'bad record without text'),
      );
      table.flush();
    },
  };
}

/** The line framer against a plain reference splitter: same lines, same numbers, same over-long lines. */
function framingTarget(seeds: Buffer[]): FuzzTarget {
  return {
    name: 'framing',
    description: 'LineFramer on random chunk splits and small line limits, compared with a reference splitter',
    seeds,
    mutate: (rng, seed, all) => (rng.chance(0.5) ? mutateBytes(rng, seed, { others: all, maxLength: 64 * 1024 }) : mutateTextFile(rng, seed, { others: all })),
    run: (input, rng) => {
      const max = rng.chance(0.5) ? 1 + rng.below(300) : 64 * 1024;
      const got: string[] = [];
      const framer = new LineFramer({
        maxLineBytes: max,
        onLine: (line, n) => got.push(`${n} ${line}`),
        onTooLong: (n) => got.push(`${n} <too long>`),
      });
      for (const c of splitChunks(rng, input, 16)) framer.push(c);
      framer.end();
      const want = referenceLines(input, max);
      check(framer.lines === want.length, `framer counted ${framer.lines} lines, reference ${want.length}`);
      check(got.length === want.length, `framer gave ${got.length} lines, reference ${want.length}`);
      for (let i = 0; i < want.length; i++) {
        const w = want[i]!;
        const g = got[i] ?? '';
        // At exactly the limit a line may count with or without its CR: either answer is fine.
        if (w.edge) continue;
        check(g === w.text, `line ${i + 1}: framer ${JSON.stringify(g.slice(0, 80))}, reference ${JSON.stringify(w.text.slice(0, 80))}`);
      }
    },
  };
}

function referenceLines(buf: Buffer, max: number): Array<{ text: string; edge: boolean }> {
  let start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const out: Array<{ text: string; edge: boolean }> = [];
  let n = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(0x0a, start);
    const last = nl < 0;
    if (last) nl = buf.length;
    n++;
    let end = nl;
    const raw = end - start;
    if (end > start && buf[end - 1] === 0x0d) end--;
    const view = buf.subarray(start, end);
    const edge = raw === max + 1 || raw === max;
    if (raw > max) out.push({ text: `${n} <too long>`, edge });
    else {
      const text = view.toString(isUtf8Strict(view) && !isAsciiOnly(view) ? 'utf8' : 'latin1');
      out.push({ text: `${n} ${text}`, edge });
    }
    start = nl + 1;
  }
  return out;
}

function isAsciiOnly(b: Buffer): boolean {
  for (const c of b) if (c > 0x7f) return false;
  return true;
}

function isUtf8Strict(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

const PROBE_FLOWS: Array<[Flow['proto'], string, number, string, number]> = [
  ['tcp', '10.0.0.5', 40112, '10.1.0.7', 21],
  ['tcp', '10.1.0.8', 1030, '10.0.0.5', 5808],
  ['udp', '10.0.0.5', 50000, '10.1.0.7', 69],
  ['tcp', '192.168.10.50', 51000, '10.3.0.1', 85],
  ['tcp', '10.0.0.9', 1023, '10.0.0.10', 3001],
  ['tcp', '2001:db8::1', 50000, '2001:db8::2', 1960],
  ['udp', '10.0.0.1', 123, '10.0.0.2', 123],
  ['tcp', '10.0.0.1', 0, '10.0.0.2', 65535],
];

/** Classifies a few flows (every path of the rule index) and aggregates them. */
function classifySome(catalog: Catalog, inventory: Inventory | undefined): void {
  const c = new Classifier(catalog, { inventory });
  const agg = new Aggregator();
  for (const [proto, a, ap, b, bp] of PROBE_FLOWS) {
    for (const outcome of ['established', 'denied'] as const) {
      const flow: Flow = {
        id: '1.1',
        proto,
        client: { ip: a, port: ap },
        server: { ip: b, port: bp },
        directionInferred: false,
        first: '2024-05-01T12:00:00.000000000Z',
        last: '2024-05-01T12:00:01.000000000Z',
        packets: { client: 1, server: outcome === 'denied' ? 0 : 1 },
        bytes: { client: 60, server: outcome === 'denied' ? 0 : 60 },
        history: 'S',
        outcome,
        evidence: { file: 'probe.pcap', offset: 24 },
      };
      const v = c.classify(flow);
      JSON.stringify(v);
      agg.add(v);
    }
  }
}
