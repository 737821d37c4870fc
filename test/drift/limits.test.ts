/**
 * drift's report reader bounds every string, key and number it assembles (MAX_REPORT_STRING_CHARS):
 * a report holding one enormous value, or a file cut short inside an endless string, is refused
 * after at most that many characters, with memory that does not grow with the value. The huge
 * inputs are generated as they are read, never held whole.
 */
import { describe, expect, it } from 'vitest';
import { MAX_REPORT_STRING_CHARS, readReportChunks } from '../../src/drift/read.js';
import { InputError } from '../../src/errors.js';
import { report, serviceRow } from './support.js';

const MiB = 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * `head`, then `fillBytes` bytes of `x` in 64 KiB chunks, then `tail`. Samples the heap every
 * 16 chunks into `peak` (heap used plus array buffers), so a test can bound the reader's growth.
 */
async function* generated(head: string, fillBytes: number, tail: string, peak: { bytes: number; yielded: number }): AsyncGenerator<Buffer> {
  yield Buffer.from(head);
  let n = 0;
  for (let left = fillBytes; left > 0; left -= CHUNK.length) {
    yield left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    peak.yielded += Math.min(left, CHUNK.length);
    if ((++n & 15) === 0) {
      const m = process.memoryUsage();
      peak.bytes = Math.max(peak.bytes, m.heapUsed + m.arrayBuffers);
    }
  }
  yield Buffer.from(tail);
}

function heapNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

async function errorOf(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw new Error(`not an InputError: ${String(e)}`);
  }
  throw new Error('no error');
}

/** A valid report's text, with `marker` (a JSON string) to be replaced by a huge value. */
function reportText(where: 'reason' | 'key' | 'findings' | 'unknown-top' | 'number', pretty = false): { head: string; tail: string } {
  const r = report([serviceRow('10.0.0.1 → 10.1.0.1 tcp/443'), serviceRow('10.0.0.2 → 10.1.0.1 tcp/22')]) as unknown as Record<string, unknown> & {
    services: Array<Record<string, unknown>>;
  };
  const MARK = '"@@HUGE@@"';
  if (where === 'reason') r.services[1]!['reason'] = '@@HUGE@@';
  if (where === 'findings') r['findings'] = [{ reason: '@@HUGE@@' }];
  if (where === 'unknown-top') r['zzz'] = '@@HUGE@@';
  if (where === 'number') r.services[1]!['flows'] = '@@HUGE@@';
  let text = pretty ? JSON.stringify(r, null, 2) : JSON.stringify(r);
  if (where === 'key') text = text.replace('"reason":', `${MARK}: 1, "reason":`);
  const at = text.indexOf(MARK);
  const head = text.slice(0, at);
  const tail = text.slice(at + MARK.length);
  if (where === 'number') return { head: `${head}1`, tail };
  return { head: `${head}"`, tail: `"${tail}` };
}

describe('strings in a report are bounded', () => {
  it('a 128 MB reason is refused after 1 MiB with a one-line error, and the heap stays small', async () => {
    const { head, tail } = reportText('reason');
    const peak = { bytes: 0, yielded: 0 };
    const before = heapNow();
    const e = await errorOf(readReportChunks('huge.json', generated(head, 128 * MiB, tail, peak)));
    expect(e.code).toBe('report-limit');
    expect(e.file).toBe('huge.json');
    expect(e.message).not.toContain('\n');
    expect(e.message).toMatch(
      /^huge\.json: a JSON string longer than 1048576 characters in services\[1\] \(from byte \d+ or later, line 1 or later; reading stopped at byte \d+\); not a report portolan wrote$/,
    );
    const [, begins, stopped] = /from byte (\d+).*stopped at byte (\d+)/.exec(e.message) ?? [];
    // The string begins after the head, in the piece being parsed; reading stops soon after the limit.
    expect(Number(begins)).toBeLessThanOrEqual(head.length);
    expect(Number(begins)).toBeGreaterThan(head.length - 16 * 1024 - 1);
    expect(Number(stopped)).toBeGreaterThan(MAX_REPORT_STRING_CHARS);
    expect(Number(stopped)).toBeLessThan(MAX_REPORT_STRING_CHARS + head.length + 64 * 1024);
    // Only a little more than the limit was read, never the 128 MB.
    expect(peak.yielded).toBeLessThan(4 * MiB);
    expect(Math.max(peak.bytes, heapNow()) - before).toBeLessThan(64 * MiB);
  });

  it('a file cut short inside an endless string: the limit, not a buffer of the whole file', async () => {
    const { head } = reportText('reason');
    const e = await errorOf(readReportChunks('cut.json', generated(head, 8 * MiB, '', { bytes: 0, yielded: 0 })));
    expect(e.code).toBe('report-limit');
    expect(e.message).toMatch(/^cut\.json: a JSON string longer than 1048576 characters in services\[1\]/);
  });

  it('a huge key and a huge number are refused the same way', async () => {
    const k = reportText('key');
    const ek = await errorOf(readReportChunks('key.json', generated(k.head, 4 * MiB, k.tail, { bytes: 0, yielded: 0 })));
    expect(ek.message).toMatch(/^key\.json: a JSON key longer than 1048576 characters in services\[0\]/);
    const n = reportText('number');
    const digits = (async function* (): AsyncGenerator<Buffer> {
      yield Buffer.from(n.head);
      const nines = Buffer.alloc(64 * 1024, '9');
      for (let i = 0; i < 64; i++) yield nines;
      yield Buffer.from(n.tail);
    })();
    const en = await errorOf(readReportChunks('num.json', digits));
    expect(en.message).toMatch(/^num\.json: a JSON number longer than 1048576 characters in services\[1\]/);
  });

  it('the offsets are those of the file: the string starts within one piece (16 Ki characters) after the byte named', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => serviceRow(`10.0.${i >> 8}.${i & 255} → 10.1.0.1 tcp/443`, { reason: 'é'.repeat(100) }));
    const text = JSON.stringify(report(rows), null, 2);
    const head = text.slice(0, text.lastIndexOf('"reason": "ééé') + '"reason": "'.length);
    expect(Buffer.byteLength(head)).toBeGreaterThan(100 * 1024);
    const lines = head.split('\n').length;
    const e = await errorOf(readReportChunks('pretty.json', generated(head, 2 * MiB, '', { bytes: 0, yielded: 0 })));
    expect(e.message).toContain('in services[399] (from byte ');
    const [, from, line, stopped] = /from byte (\d+) or later, line (\d+) or later; reading stopped at byte (\d+)/.exec(e.message) ?? [];
    const startByte = Buffer.byteLength(head);
    expect(Number(from)).toBeLessThanOrEqual(startByte);
    expect(Number(from)).toBeGreaterThan(startByte - 2 * 16 * 1024);
    expect(Number(line)).toBeLessThanOrEqual(lines);
    expect(Number(stopped)).toBeGreaterThan(startByte + MAX_REPORT_STRING_CHARS);
  });

  it('a value just under the limit is read', async () => {
    const { head, tail } = reportText('reason');
    const r = await readReportChunks('ok.json', generated(head, MAX_REPORT_STRING_CHARS, tail, { bytes: 0, yielded: 0 }));
    expect(r.services.size).toBe(2);
    const e = await errorOf(readReportChunks('over.json', generated(head, MAX_REPORT_STRING_CHARS + 1, tail, { bytes: 0, yielded: 0 })));
    expect(e.code).toBe('report-limit');
  });

  it('a 128 MB string in a part drift skips (findings, an unknown field) streams through without being held', async () => {
    for (const where of ['findings', 'unknown-top'] as const) {
      const { head, tail } = reportText(where);
      const peak = { bytes: 0, yielded: 0 };
      const before = heapNow();
      const r = await readReportChunks('skip.json', generated(head, 128 * MiB, tail, peak));
      expect(r.services.size).toBe(2);
      expect(peak.yielded).toBe(128 * MiB);
      expect(Math.max(peak.bytes, heapNow()) - before, where).toBeLessThan(64 * MiB);
    }
  }, 120_000);
});
