/**
 * Flow times as RFC 3339 UTC text with nanoseconds (`2024-05-01T12:03:05.221000000Z`), from whole
 * seconds since the epoch and nanoseconds within the second. Called twice per emitted flow; the
 * date-and-time part of the last second formatted is cached (flows emitted together share seconds).
 */

let cachedSec = Number.NaN;
let cachedPrefix = '';

const MAX_DATE_SEC = 8.64e12; // ECMAScript's Date range: ±100,000,000 days

export function formatTimeNanos(sec: number, nsec: number): string {
  // Carry nanoseconds outside [0, 1e9) into the seconds (defensive: readers normalise already).
  if (nsec >= 1e9 || nsec < 0) {
    const carry = Math.floor(nsec / 1e9);
    sec += carry;
    nsec -= carry * 1e9;
  }
  if (sec !== cachedSec) {
    const clamped = Math.max(-MAX_DATE_SEC, Math.min(MAX_DATE_SEC, sec));
    cachedPrefix = new Date(clamped * 1000).toISOString().slice(0, 19);
    cachedSec = sec;
  }
  const frac = String(Math.trunc(nsec));
  return `${cachedPrefix}.${'000000000'.slice(frac.length)}${frac}Z`;
}

/** Seconds (fractional) of a timestamp, for timeouts and observers; loses sub-microsecond precision. */
export function secondsOf(sec: number, nsec: number): number {
  return sec + nsec * 1e-9;
}
