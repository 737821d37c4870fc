import { describe, expect, it } from 'vitest';
import { formatTimeNanos } from '../../src/flow/time.js';

describe('formatTimeNanos', () => {
  it('agrees with Date for the date and time of day, across leap years and centuries', () => {
    const samples = [0, 59, 86399, 86400, 951782400, 951868800, 1709164800, 1714564985, 2147483647, 2147483648, 4102444800, 253402300799, -1, -86400, -2208988800];
    let x = 7;
    for (let i = 0; i < 2000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      samples.push(x * 3 - 2e9);
    }
    for (const sec of samples) {
      expect(formatTimeNanos(sec, 0).slice(0, 19)).toBe(new Date(sec * 1000).toISOString().slice(0, 19));
    }
  });

  it('keeps nanoseconds, nine digits', () => {
    expect(formatTimeNanos(1714564985, 221000000)).toBe('2024-05-01T12:03:05.221000000Z');
    expect(formatTimeNanos(1714564985, 7)).toBe('2024-05-01T12:03:05.000000007Z');
  });

  it('carries nanoseconds beyond a second', () => {
    expect(formatTimeNanos(0, 1_500_000_000)).toBe('1970-01-01T00:00:01.500000000Z');
  });
});
