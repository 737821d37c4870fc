/**
 * Streaming: records split across chunks at every possible boundary read the same as a whole
 * buffer; files, gzip and standard input go through openInput; a read error keeps what was read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { InputError } from '../../src/errors.js';
import { openInput, sniffKind, type OpenedInput } from '../../src/ingest/open.js';
import { readCapture } from '../../src/ingest/pcap/read.js';
import { at, mergeByTime, packetBlocks, tcpSession, toFrames, udpExchange, writePcap, writePcapng } from '../support/capture-writer.js';
import { describeRead, readAll, viewOf, type PacketView, type ReadResult } from '../support/packet-dump.js';

const pkts = mergeByTime(
  tcpSession({ client: '10.0.0.1:40000', server: '10.0.0.2:21', start: at(1_700_000_000), request: 'USER a\r\n', response: '331 b\r\n' }),
  udpExchange({ client: '[2001:db8::1]:5000', server: '[2001:db8::2]:53', start: at(1_700_000_000, 1000), response: 'reply' }),
);
const pcap = writePcap(toFrames(pkts));
const pcapng = writePcapng([
  { interfaces: [{ linkType: 1, tsresol: 9 }], blocks: packetBlocks(toFrames(pkts)) },
  { bigEndian: true, interfaces: [{ linkType: 1 }], blocks: [{ kind: 'nrb' }, ...packetBlocks(toFrames(pkts).map((f, i) => ({ ...f, block: i % 2 === 0 ? ('spb' as const) : ('epb' as const) })))] },
]);

/** An OpenedInput over a buffer, cut into chunks of the sizes given (cycled). */
function chunkedInput(buf: Buffer, sizes: number[], name = 'chunked'): OpenedInput {
  return {
    name,
    kind: sniffKind(buf),
    gzip: false,
    size: buf.length,
    head: buf.subarray(0, 64),
    chunks: async function* () {
      let off = 0;
      let i = 0;
      while (off < buf.length) {
        const n = sizes[i++ % sizes.length] ?? 1;
        yield buf.subarray(off, off + n);
        off += n;
      }
    },
    bytesRead: () => buf.length,
    close: () => undefined,
  };
}

async function readInput(input: OpenedInput): Promise<ReadResult> {
  const anomalies = new AnomalyLog();
  const packets: PacketView[] = [];
  const stats = await readCapture(input, (p) => packets.push(viewOf(p)), anomalies);
  return { packets, stats, anomalies };
}

const dir = mkdtempSync(join(tmpdir(), 'portolan-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streaming', () => {
  for (const [label, buf] of [
    ['pcap', pcap],
    ['pcapng', pcapng],
  ] as const) {
    it(`${label}: every split point between two chunks gives the same packets`, async () => {
      const whole = describeRead(readAll(buf, 'chunked'));
      for (let split = 1; split < buf.length; split += 1) {
        const r = await readInput(chunkedInput(buf, [split, buf.length]));
        expect(describeRead(r), `split at ${split}`).toBe(whole);
      }
    });

    it(`${label}: tiny and uneven chunks give the same packets`, async () => {
      const whole = describeRead(readAll(buf, 'chunked'));
      for (const sizes of [[1], [3], [7, 1, 13], [64], [100, 5]]) {
        expect(describeRead(await readInput(chunkedInput(buf, sizes))), `chunks ${sizes.join(',')}`).toBe(whole);
      }
    });

    it(`${label}: a cut file read in chunks reports the same damage`, async () => {
      const cut = buf.subarray(0, buf.length - 9);
      const whole = describeRead(readAll(cut, 'chunked'));
      expect(describeRead(await readInput(chunkedInput(cut, [5, 11])))).toBe(whole);
      expect(whole).toContain('truncated-record');
    });
  }

  it('damaged variants read the same in chunks as whole (seeded mutations)', async () => {
    let seed = 99;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const withoutBytes = (r: ReadResult): string => describeRead(r).replace(/ bytes \d+ /, ' ');
    for (let i = 0; i < 300; i++) {
      const src = i % 2 === 0 ? pcap : pcapng;
      const buf = Buffer.from(src);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) buf[4 + Math.floor(rand() * (buf.length - 4))] = Math.floor(rand() * 256);
      const cut = buf.subarray(0, Math.floor(buf.length * (0.5 + rand() / 2)));
      const whole = withoutBytes(readAll(cut, 'chunked'));
      const sizes = [1 + Math.floor(rand() * 50), 1 + Math.floor(rand() * 300)];
      expect(withoutBytes(await readInput(chunkedInput(cut, sizes))), `variant ${i}`).toBe(whole);
    }
  });

  it('reads a file through openInput in small disk reads, and the same file gzipped', async () => {
    // Large enough to pass the 64 KiB head openInput keeps for sniffing.
    const many = writePcap(toFrames(Array.from({ length: 60 }, (_, i) => tcpSession({ client: `10.0.${i}.1:40000`, server: '10.9.9.9:80', start: at(1_700_000_000 + i), request: 'x'.repeat(900), response: 'y'.repeat(900) })).flat()));
    expect(many.length).toBeGreaterThan(100_000);
    const plain = join(dir, 'many.pcap');
    const gz = join(dir, 'many.pcap.gz');
    writeFileSync(plain, many);
    writeFileSync(gz, gzipSync(many));
    const expected = readAll(many, plain);
    const r1 = await readInput(await openInput(plain, { chunkBytes: 997 }));
    expect(r1.packets).toEqual(expected.packets);
    expect(r1.stats).toEqual(expected.stats);
    const r2 = await readInput(await openInput(gz, { chunkBytes: 4096 }));
    expect(r2.packets).toEqual(expected.packets);
    expect(r2.stats.bytes).toBe(many.length);
  });

  it('reads standard input', async () => {
    const stdin = Readable.from([pcapng.subarray(0, 100), pcapng.subarray(100)]);
    const r = await readInput(await openInput('-', { stdin }));
    expect(r.packets).toEqual(readAll(pcapng, '<stdin>').packets);
    expect(r.anomalies.count()).toBe(0);
  });

  it('a gzip stream damaged part-way: packets before it kept, an error anomaly, fatal', async () => {
    const big = writePcap(toFrames(Array.from({ length: 200 }, (_, i) => tcpSession({ client: `10.1.${i}.1:40000`, server: '10.9.9.9:80', start: at(1_700_000_000 + i), request: 'q'.repeat(1000) })).flat()));
    const gz = gzipSync(big);
    const path = join(dir, 'cut.pcap.gz');
    writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.8)));
    const r = await readInput(await openInput(path, { chunkBytes: 1024 }));
    expect(r.stats.packets).toBeGreaterThan(100);
    expect(r.stats).toMatchObject({ damaged: true, fatal: true });
    expect(r.anomalies.count('gzip-damaged')).toBe(1);
    expect(r.anomalies.summary().find((s) => s.code === 'gzip-damaged')?.examples[0]?.message).toMatch(/^.*cut\.pcap\.gz@0x[0-9a-f]+: input ended by a read error: damaged gzip stream/);
  });

  it('an input that is not a capture throws InputError naming the magic', async () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'hello world\n');
    await expect(readInput(await openInput(path))).rejects.toThrow(InputError);
    await expect(readInput(await openInput(path))).rejects.toThrow(`${path}: not a pcap or pcapng file (magic 0x68656c6c)`);
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    await expect(readInput(await openInput(empty))).rejects.toThrow(`${empty}: not a pcap or pcapng file (empty file)`);
  });

  it('stops reading the input after fatal damage', async () => {
    const bad = Buffer.from(pcap);
    bad.writeUInt32LE(0x7fffffff, 24 + 8);
    const stdin = new PassThrough();
    stdin.end(bad);
    const r = await readInput(await openInput('-', { stdin }));
    expect(r.stats).toMatchObject({ packets: 0, fatal: true, stoppedAt: 24 });
  });
});
