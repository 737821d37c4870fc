/**
 * pcapng timestamps (draft-ietf-opsawg-pcapng, 4.2 if_tsresol / if_tsoffset and 4.3): a 64-bit
 * count of units since 1970 split in two 32-bit words, a unit of 10^-n or 2^-n seconds, plus an
 * offset in seconds. Converted to whole seconds and nanoseconds exactly, without a BigInt on the
 * common resolutions (10^-n for n <= 9, 2^-n for n <= 23): a long division in 16-bit steps keeps
 * every intermediate below 2^53.
 */
import type { DecodedPacket } from '../decode/packet.js';

const MODE_DECIMAL = 0;
const MODE_BINARY = 1;
const MODE_BIGINT = 2;
const TWO_32 = 4294967296;

export class TimestampScale {
  /** Nanoseconds per unit (for reporting; fractional below 1 ns). */
  readonly nanosPerUnit: number;
  private readonly mode: number;
  /** Decimal: units per second (<= 1e9) and nanoseconds per unit. */
  private readonly divisor: number;
  private readonly nanosMul: number;
  /** Binary: exponent n of 2^-n. */
  private readonly shift: number;
  private readonly unitsBig: bigint;
  private readonly offsetSeconds: number;
  /** Decimal: the last high word seen, as whole seconds and a remainder in units. */
  private cachedHigh = -1;
  private highSeconds = 0;
  private highRemainder = 0;

  /** `tsresol` is the raw if_tsresol byte (6 when absent); `offsetSeconds` is if_tsoffset. */
  constructor(tsresol: number, offsetSeconds: number) {
    const binary = (tsresol & 0x80) !== 0;
    const exponent = tsresol & 0x7f;
    this.offsetSeconds = offsetSeconds;
    this.unitsBig = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
    this.nanosPerUnit = binary ? 1e9 / 2 ** exponent : 10 ** (9 - exponent);
    this.shift = exponent;
    if (!binary && exponent <= 9) {
      this.mode = MODE_DECIMAL;
      this.divisor = 10 ** exponent;
      this.nanosMul = 10 ** (9 - exponent);
    } else if (binary && exponent <= 23) {
      this.mode = MODE_BINARY;
      this.divisor = 2 ** exponent;
      this.nanosMul = 0;
    } else {
      this.mode = MODE_BIGINT;
      this.divisor = 0;
      this.nanosMul = 0;
    }
  }

  /** high * 2^32 / divisor by long division in 16-bit steps (every intermediate below 2^53). */
  private splitHigh(high: number): void {
    const d = this.divisor;
    const qHigh = Math.floor(high / d);
    let r = high - qHigh * d;
    let x = r * 65536;
    let q1 = Math.floor(x / d);
    if (q1 * d > x) q1--;
    r = x - q1 * d;
    x = r * 65536;
    let q2 = Math.floor(x / d);
    if (q2 * d > x) q2--;
    r = x - q2 * d;
    this.cachedHigh = high;
    this.highSeconds = qHigh * TWO_32 + q1 * 65536 + q2;
    this.highRemainder = r;
  }

  /** Sets `pkt.tsSec` / `pkt.tsNsec` from the two timestamp words. */
  apply(pkt: DecodedPacket, high: number, low: number): void {
    if (this.mode === MODE_DECIMAL) {
      // high * 2^32 splits into whole seconds and a remainder below the divisor once per change
      // of the high word (every 71 minutes at microseconds, 4.3 s at nanoseconds).
      if (high !== this.cachedHigh) this.splitHigh(high);
      const d = this.divisor;
      const x = this.highRemainder + low;
      let q = Math.floor(x / d);
      if (q * d > x) q--;
      pkt.tsSec = this.highSeconds + q + this.offsetSeconds;
      pkt.tsNsec = (x - q * d) * this.nanosMul;
    } else if (this.mode === MODE_BINARY) {
      const d = this.divisor;
      const lowSeconds = Math.floor(low / d);
      const frac = low - lowSeconds * d;
      pkt.tsSec = high * (TWO_32 / d) + lowSeconds + this.offsetSeconds;
      pkt.tsNsec = Math.floor((frac * 1e9) / d);
    } else {
      const units = (BigInt(high) << 32n) | BigInt(low);
      const sec = units / this.unitsBig;
      pkt.tsSec = Number(sec) + this.offsetSeconds;
      pkt.tsNsec = Number(((units - sec * this.unitsBig) * 1_000_000_000n) / this.unitsBig);
    }
  }
}

/** The default scale: microseconds, no offset. */
export const MICROSECONDS = 6;
