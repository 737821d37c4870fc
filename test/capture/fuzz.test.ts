/**
 * Fuzz-style robustness (fixed seed, so a failure reproduces): truncated, mutated and random
 * bytes fed to the readers and to every link decoder. Nothing may escape but the InputError for
 * a file that is not a capture, and every offset the decoders hand out must lie inside the buffer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { InputError } from '../../src/errors.js';
import { decodeFrame } from '../../src/ingest/decode/frame.js';
import { createDecodedPacket, type DecodedPacket } from '../../src/ingest/decode/packet.js';
import { readCaptureBuffer } from '../../src/ingest/pcap/read.js';
import {
  bareIp,
  ethernet,
  fddi,
  fragmentIpv4,
  icmpErrorFor,
  icmpv6,
  ipv4,
  ipoib,
  ipv6,
  loop,
  nflog,
  nullLoopback,
  pflog,
  ppp,
  rawIp,
  sctp,
  sll,
  sll2,
  tcp,
  udp,
  type Frame,
} from '../support/capture-writer.js';
import { CASES } from './cases.js';

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

function mutate(rand: () => number, src: Buffer): Buffer {
  const b = Buffer.from(src);
  const edits = 1 + Math.floor(rand() * 8);
  for (let i = 0; i < edits && b.length > 0; i++) {
    const at = Math.floor(rand() * b.length);
    const kind = rand();
    if (kind < 0.5) b[at] = Math.floor(rand() * 256);
    else if (kind < 0.75 && at + 4 <= b.length) b.writeUInt32LE(Math.floor(rand() * 4294967296), at);
    else b[at] = (b[at] ?? 0) ^ (1 << Math.floor(rand() * 8));
  }
  return b;
}

/** Offsets handed to consumers must lie inside the buffer; the first broken rule is recorded. */
const broken: string[] = [];

function checkPacket(p: DecodedPacket): void {
  const n = p.buf.length;
  const v4 = p.ipVersion === 4 ? 4 : 16;
  const e4 = p.embedded.ipVersion === 4 ? 4 : 16;
  const problem =
    p.payloadLen < 0 || p.payloadOff + p.payloadLen > n
      ? 'payload outside the buffer'
      : p.ipVersion !== 0 && (p.srcOff + v4 > n || p.dstOff + v4 > n)
        ? 'address outside the buffer'
        : p.embedded.valid && (p.embedded.srcOff + e4 > n || p.embedded.dstOff + e4 > n)
          ? 'quoted address outside the buffer'
          : p.srcPort < 0 || p.srcPort > 65535 || p.dstPort < 0 || p.dstPort > 65535
            ? 'port out of range'
            : p.tsNsec < 0 || p.tsNsec >= 1e9
              ? 'nanoseconds out of range'
              : '';
  if (problem !== '' && broken.length < 10) broken.push(`${problem}: ${p.buf.toString('hex')}`);
}

/** Reads a buffer; only a not-a-capture InputError may escape. Returns the packet count. */
function readSafely(buf: Buffer): number {
  let n = 0;
  const log = new AnomalyLog();
  try {
    readCaptureBuffer(
      buf,
      'fuzz',
      (p) => {
        checkPacket(p);
        n++;
      },
      log,
    );
  } catch (e) {
    if (!(e instanceof InputError) || e.code !== 'not-a-capture') throw e;
  }
  // The reader turns a decoder exception into this anomaly; here it would be a bug.
  if (log.count('decoder-error') > 0 && broken.length < 10) broken.push(`decoder-error: ${buf.toString('hex').slice(0, 400)}`);
  return n;
}

const fixtures = CASES.map((c) => c.build());

afterEach(() => {
  expect(broken).toEqual([]);
});

describe('fuzz: readers', () => {
  it('every truncation of several captures', () => {
    for (const buf of fixtures.slice(0, 6)) {
      for (let len = 0; len <= buf.length; len++) readSafely(buf.subarray(0, len));
    }
  });

  it('mutated captures (seed 1)', () => {
    const rand = prng(1);
    let packets = 0;
    for (let i = 0; i < 3000; i++) {
      const src = fixtures[i % fixtures.length] ?? Buffer.alloc(0);
      packets += readSafely(mutate(rand, src));
    }
    expect(packets).toBeGreaterThan(1000);
  });

  it('random bytes behind valid magics (seed 2)', () => {
    const rand = prng(2);
    const heads = [
      Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex'),
      Buffer.from('a1b23c4d000200040000000000000000000000ff00000001', 'hex'),
      Buffer.from('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000', 'hex'),
      Buffer.from('0a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c', 'hex'),
    ];
    for (let i = 0; i < 2000; i++) {
      const head = heads[i % heads.length] ?? Buffer.alloc(0);
      readSafely(Buffer.concat([head, randomBytes(rand, Math.floor(rand() * 400))]));
    }
  });
});

describe('fuzz: decoders', () => {
  const v4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', options: [1, 1, 1, 1] }, tcp({ srcPort: 1, dstPort: 2, flags: 'PA', options: [2, 4, 5, 180] }, 'data'));
  const v6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', extensions: [{ kind: 'hop-by-hop' }, { kind: 'routing', addresses: ['2001:db8::3'] }, { kind: 'ah' }] }, udp({ srcPort: 3, dstPort: 4 }, 'x'));
  const err6 = ipv6({ src: '2001:db8::9', dst: '2001:db8::1' }, icmpErrorFor(v6, 1, 4));
  const err4 = ipv4({ src: '10.0.0.9', dst: '10.0.0.1' }, icmpErrorFor(v4, 3, 3));
  const frag = fragmentIpv4(ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ srcPort: 5, dstPort: 6 }, Buffer.alloc(100))), 48);
  const sc = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, sctp({ srcPort: 7, dstPort: 8 }));
  const echo6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, icmpv6({ type: 128, id: 9 }));
  const frames: Frame[] = [v4, v6, err6, err4, sc, echo6, ...frag].flatMap((p) => [
    ethernet(p, { vlan: [1, 2] }),
    ethernet(p, { llcSnap: true }),
    sll(p),
    sll2(p),
    nullLoopback(p),
    loop(p),
    rawIp(p),
    bareIp(p),
    pflog(p, { action: 'block' }),
    ppp(p, { mplsLabels: [3, 4] }),
    nflog(p),
    fddi(p),
    ipoib(p),
    ethernet(p, { mplsLabels: [7] }),
  ]);
  const linkTypes = [0, 1, 9, 10, 12, 14, 50, 101, 108, 113, 117, 228, 229, 239, 242, 276, 147];

  it('every truncation of real frames of every link type', () => {
    const pkt = createDecodedPacket();
    const log = new AnomalyLog();
    for (const f of frames) {
      for (let len = 0; len <= f.data.length; len++) {
        const buf = f.data.subarray(0, len);
        pkt.capLen = len;
        pkt.origLen = f.data.length;
        decodeFrame(pkt, buf, 0, len, f.linkType, log);
        checkPacket(pkt);
      }
    }
    expect(log.count()).toBeGreaterThan(0);
  });

  it('mutated real frames decoded as every link type (seed 3)', () => {
    const rand = prng(3);
    const pkt = createDecodedPacket();
    const log = new AnomalyLog();
    for (let i = 0; i < 20_000; i++) {
      const f = frames[i % frames.length];
      if (f === undefined) continue;
      const buf = mutate(rand, f.data);
      const lt = rand() < 0.7 ? f.linkType : (linkTypes[Math.floor(rand() * linkTypes.length)] ?? 1);
      pkt.capLen = buf.length;
      pkt.origLen = buf.length;
      decodeFrame(pkt, buf, 0, buf.length, lt, log);
      checkPacket(pkt);
    }
  });

  it('random bytes as every link type, at odd offsets and lengths (seed 4)', () => {
    const rand = prng(4);
    const pkt = createDecodedPacket();
    const log = new AnomalyLog();
    for (let i = 0; i < 20_000; i++) {
      const buf = randomBytes(rand, Math.floor(rand() * 160));
      // Make IP-looking starts common so the deeper layers are reached.
      if (buf.length > 0 && rand() < 0.5) buf[0] = rand() < 0.5 ? 0x45 : 0x60;
      const lt = linkTypes[i % linkTypes.length] ?? 1;
      const off = rand() < 0.9 ? 0 : Math.floor(rand() * 20) - 5;
      const len = rand() < 0.9 ? buf.length : Math.floor(rand() * 300) - 10;
      decodeFrame(pkt, buf, off, len, lt, log);
      checkPacket(pkt);
    }
  });
});
