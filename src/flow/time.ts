/**
 * Flow times as RFC 3339 UTC text with nanoseconds (`2024-05-01T12:03:05.221000000Z`), from whole
 * seconds since the epoch and nanoseconds within the second. Called twice per emitted flow, so it
 * avoids `Date`: the calendar date comes from the day number by Howard Hinnant's `civil_from_days`
 * (proleptic Gregorian, exact for every day ECMAScript dates cover) and is cached per day; the
 * time of day is assembled from two-digit strings.
 */

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const NANOS_PAD = '000000000';

let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD` of a day number (days since 1970-01-01). Years outside 0000-9999 are written as ±YYYYYY, as ISO 8601 expanded years. */
export function civilDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  const year = y >= 0 && y <= 9999 ? String(y).padStart(4, '0') : `${y < 0 ? '-' : '+'}${String(Math.abs(y)).padStart(6, '0')}`;
  return `${year}-${TWO_DIGITS[m] ?? ''}-${TWO_DIGITS[d] ?? ''}`;
}

export function formatTimeNanos(sec: number, nsec: number): string {
  // Carry nanoseconds outside [0, 1e9) into the seconds (defensive: readers normalise already).
  if (nsec >= 1e9 || nsec < 0) {
    const carry = Math.floor(nsec / 1e9);
    sec += carry;
    nsec -= carry * 1e9;
  }
  sec = Math.floor(sec);
  const days = Math.floor(sec / 86400);
  if (days !== cachedDay) {
    cachedDate = civilDate(days);
    cachedDay = days;
  }
  const s = sec - days * 86400;
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s - hh * 3600) / 60);
  const ss = s - hh * 3600 - mm * 60;
  const frac = String(Math.trunc(nsec));
  return `${cachedDate}T${TWO_DIGITS[hh] ?? ''}:${TWO_DIGITS[mm] ?? ''}:${TWO_DIGITS[ss] ?? ''}.${NANOS_PAD.slice(frac.length)}${frac}Z`;
}

/** Seconds (fractional) of a timestamp, for timeouts and observers; loses sub-microsecond precision. */
export function secondsOf(sec: number, nsec: number): number {
  return sec + nsec * 1e-9;
}
