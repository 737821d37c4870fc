import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LineFramer } from '../../src/ingest/logs/framing.js';
import { readLogFile, readLogText } from './log-helpers.js';

interface Framed {
  lines: Array<[number, string]>;
  tooLong: Array<[number, number]>;
  framer: LineFramer;
}

function framer(maxLineBytes?: number): Framed {
  const lines: Array<[number, string]> = [];
  const tooLong: Array<[number, number]> = [];
  const f = new LineFramer({
    ...(maxLineBytes !== undefined ? { maxLineBytes } : {}),
    onLine: (line, n) => lines.push([n, line]),
    onTooLong: (n, bytes) => tooLong.push([n, bytes]),
  });
  return { lines, tooLong, framer: f };
}

function frame(chunks: Buffer[], maxLineBytes?: number): Framed {
  const f = framer(maxLineBytes);
  for (const c of chunks) f.framer.push(c);
  f.framer.end();
  return f;
}

describe('line framing', () => {
  it('splits LF and CRLF lines and keeps a last line without LF', () => {
    const f = frame([Buffer.from('one\r\ntwo\nthree\r\n\nlast')]);
    expect(f.lines).toEqual([
      [1, 'one'],
      [2, 'two'],
      [3, 'three'],
      [4, ''],
      [5, 'last'],
    ]);
    expect(f.framer.lines).toBe(5);
  });

  it('gives the same lines wherever the chunks are cut (including inside CRLF and UTF-8)', () => {
    const text = Buffer.from('alpha\r\nbéta ünïcode\r\n\ngamma line three\ndelta ✓\n', 'utf8');
    const whole = frame([text]).lines;
    expect(whole.map(([, l]) => l)).toEqual(['alpha', 'béta ünïcode', '', 'gamma line three', 'delta ✓']);
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 7) {
        expect(frame([text.subarray(0, cut), text.subarray(cut, cut2), text.subarray(cut2)]).lines).toEqual(whole);
      }
    }
  });

  it('reads a line that is not UTF-8 as Latin-1, byte for byte', () => {
    const f = frame([Buffer.from([0x72, 0xe8, 0x67, 0x6c, 0x65, 0x0a])]);
    expect(f.lines).toEqual([[1, 'règle']]);
  });

  it('drops a UTF-8 byte order mark at the start', () => {
    expect(frame([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a\n')]).lines).toEqual([[1, 'a']]);
  });

  it('skips a line longer than the maximum and counts it with its number', () => {
    const long = 'x'.repeat(100);
    const f = frame([Buffer.from(`short\n${long}\nafter\n`)], 50);
    expect(f.lines).toEqual([
      [1, 'short'],
      [3, 'after'],
    ]);
    expect(f.tooLong).toEqual([[2, 100]]);
  });

  it('skips an over-long line that spans chunks without holding it', () => {
    const f = framer(64);
    f.framer.push(Buffer.from('first\n' + 'y'.repeat(40)));
    expect(f.framer.pendingBytes).toBe(40);
    for (let i = 0; i < 10; i++) {
      f.framer.push(Buffer.from('y'.repeat(40)));
      expect(f.framer.pendingBytes).toBeLessThanOrEqual(64);
    }
    f.framer.push(Buffer.from('yyy\nsecond\n'));
    f.framer.end();
    expect(f.lines).toEqual([
      [1, 'first'],
      [3, 'second'],
    ]);
    expect(f.tooLong).toHaveLength(1);
    expect(f.tooLong[0]![0]).toBe(2);
  });

  it('streams a 100 MB line without a newline in bounded memory', () => {
    const f = framer();
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    f.framer.push(Buffer.from('before\n'));
    let maxPending = 0;
    for (let i = 0; i < 100; i++) {
      f.framer.push(chunk);
      maxPending = Math.max(maxPending, f.framer.pendingBytes);
    }
    f.framer.push(Buffer.from('\nafter\n'));
    f.framer.end();
    expect(maxPending).toBeLessThanOrEqual(64 * 1024);
    expect(f.tooLong).toHaveLength(1);
    expect(f.tooLong[0]![0]).toBe(2);
    expect(f.lines).toEqual([
      [1, 'before'],
      [3, 'after'],
    ]);
  });
});

describe('framing through readLog', () => {
  const line = (n: number): string =>
    `Mar  4 09:15:0${n % 10} gw1 kernel: [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.23 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=${n} DF PROTO=TCP SPT=${20000 + (n % 40000)} DPT=3001 WINDOW=64240 RES=0x00 SYN URGP=0 `;

  it('reads a gzip file', async () => {
    const text = Array.from({ length: 50 }, (_, i) => line(i)).join('\n') + '\n';
    const r = await readLogText(gzipSync(Buffer.from(text)), {}, 'ufw.log.gz');
    expect(r.stats.format).toBe('iptables');
    expect(r.observations).toHaveLength(50);
    expect(r.observations[49]!.srcPort).toBe(20049);
  });

  it('reads CRLF files and counts an over-long line as an anomaly, then goes on', async () => {
    const text = [line(1), 'Z'.repeat(5000), line(2)].join('\r\n') + '\r\n';
    const r = await readLogText(text, { maxLineBytes: 1000 });
    expect(r.observations.map((o) => o.evidence.line)).toEqual([1, 3]);
    expect(r.observations[0]!.interface).toBe('eth0');
    expect(r.stats.tooLong).toBe(1);
    const a = r.anomalies.find((x) => x.code === 'line-too-long');
    expect(a?.examples[0]?.line).toBe(2);
    expect(a?.examples[0]?.message).toMatch(/:2: line longer than 1000 bytes/);
  });

  it('reads a large file in many chunks (lines cross chunk boundaries)', async () => {
    const n = 30000;
    const text = Array.from({ length: n }, (_, i) => line(i)).join('\n') + '\n';
    const dir = await readLogText('', {}, 'placeholder.log');
    const path = dir.path.replace('placeholder.log', 'big.log');
    writeFileSync(path, text);
    const r = await readLogFile(path);
    expect(text.length).toBeGreaterThan(2 * 1024 * 1024);
    expect(r.stats.lines).toBe(n);
    expect(r.observations).toHaveLength(n);
    expect(r.observations.every((o, i) => o.evidence.line === i + 1 && o.srcPort === 20000 + (i % 40000))).toBe(true);
  });
});

describe('a byte order mark cut by chunk boundaries', () => {
  const BOM = [0xef, 0xbb, 0xbf];
  const cases: Array<[string, number[], Array<[number, string]>]> = [
    ['a BOM alone is no line', BOM, []],
    ['a BOM before a line is dropped', [...BOM, 0x61, 0x0a, 0x62], [[1, 'a'], [2, 'b']]],
    ['two bytes of a BOM and the end are a line', [0xef, 0xbb], [[1, '\u00ef\u00bb']]],
    ['two bytes of a BOM and then text are the start of the first line', [0xef, 0xbb, 0x78, 0x0a], [[1, '\u00ef\u00bbx']]],
    ['a BOM byte then a newline', [0xef, 0x0a, 0x61], [[1, '\u00ef'], [2, 'a']]],
  ];
  for (const [name, bytes, want] of cases) {
    it(`${name}, in every split into pieces`, () => {
      const buf = Buffer.from(bytes);
      // Every way to cut the input into pieces: each of the n-1 gaps is a cut or not.
      for (let mask = 0; mask < 1 << Math.max(0, buf.length - 1); mask++) {
        const chunks: Buffer[] = [];
        let start = 0;
        for (let i = 1; i < buf.length; i++) {
          if (mask & (1 << (i - 1))) {
            chunks.push(buf.subarray(start, i));
            start = i;
          }
        }
        chunks.push(buf.subarray(start));
        const f = frame(chunks);
        expect(f.lines, `cut ${mask.toString(2)}`).toEqual(want);
        expect(f.framer.lines).toBe(want.length);
      }
    });
  }
});
