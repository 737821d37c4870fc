/** pcapng timestamp conversion against exact BigInt arithmetic, for every kind of resolution. */
import { describe, expect, it } from 'vitest';
import { createDecodedPacket } from '../../src/ingest/decode/packet.js';
import { TimestampScale } from '../../src/ingest/pcap/timestamp.js';

/** Exact seconds and nanoseconds, or undefined when the seconds do not fit a double exactly. */
function reference(tsresol: number, offset: number, high: number, low: number): [number, number] | undefined {
  const units = (BigInt(high) << 32n) | BigInt(low);
  const per = (tsresol & 0x80) !== 0 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  const sec = units / per + BigInt(offset);
  if (sec > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return [Number(sec), Number(((units - (units / per) * per) * 1_000_000_000n) / per)];
}

describe('pcapng timestamps', () => {
  it('match exact arithmetic for decimal and binary resolutions, high words changing', () => {
    let seed = 12345;
    const next = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const pkt = createDecodedPacket();
    let checked = 0;
    for (const tsresol of [0, 3, 6, 9, 10, 12, 0x80, 0x80 | 10, 0x80 | 20, 0x80 | 23, 0x80 | 24, 0x80 | 32, 0x80 | 40]) {
      for (const offset of [0, 1_700_000_000, -86_400]) {
        const scale = new TimestampScale(tsresol, offset);
        for (let i = 0; i < 2000; i++) {
          // Realistic high words (and a few extreme ones), revisited so the cache switches back.
          const high = i % 7 === 0 ? next() : [0, 1, 395, 0x17b4ffff, 0xffffffff][i % 5] ?? 0;
          const low = i % 3 === 0 ? [0, 0xffffffff, 999_999, 1_000_000][i % 4] ?? 0 : next();
          const want = reference(tsresol, offset, high, low);
          if (want === undefined) continue;
          checked++;
          scale.apply(pkt, high, low);
          expect([pkt.tsSec, pkt.tsNsec], `tsresol ${tsresol} high ${high} low ${low}`).toEqual(want);
        }
      }
    }
    expect(checked).toBeGreaterThan(50_000);
  });
});
