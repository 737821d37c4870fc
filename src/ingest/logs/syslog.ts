/**
 * Syslog headers in front of a vendor body, as they arrive mixed in real files:
 *
 * | shape | example | time |
 * |---|---|---|
 * | RFC 3164 (BSD) | `<134>Oct 10 07:25:12 host tag[pid]: body` | no year: `assumeYear`; local: `utcOffsetMinutes` |
 * | RFC 3164, Cisco year | `Oct 10 2018 12:34:56 host : body`, `Jan 24 11:28:30.407: body` | local |
 * | RFC 5424 | `<14>1 2019-11-14T09:37:51.184+01:00 host app procid msgid [sd] body` | zoned |
 * | RFC 3339 + host | `2024-03-01T00:00:01.123456+00:00 host tag: body` (rsyslog high precision) | zoned |
 * | journald `short-iso` | `2013-06-04T20:08:00+0200 host tag[pid]: body` | zoned |
 * | journald/dmesg | `[12345.678901] body` | seconds since boot only (`time: 'uptime'`) |
 * | `dmesg -T` | `[Mon Jan  8 03:37:09 2024] body` | local |
 * | none | `<134>  id=firewall ...`, `body` | `time: 'none'` |
 *
 * RFC 3164 §4.1.2/§4.1.3 (HEADER = TIMESTAMP HOSTNAME; MSG = TAG CONTENT); RFC 5424 §6 (HEADER,
 * STRUCTURED-DATA, MSG); RFC 3339 §5.6. The host is optional in practice (pfSense and many
 * relays omit it): a first token that reads as a tag (`name[pid]:` or `name:`) is taken as the tag.
 *
 * One parser per file: it keeps the year for RFC 3164 stamps (a month that goes back by more than
 * six months, December → January, moves to the next year) and a one-day cache of the epoch day.
 */
import type { LogOptions } from './format.js';
import { daysFromCivil, digitsAt, monthAt, parseIsoTime } from './fields.js';

export type SyslogTime = 'absolute' | 'uptime' | 'none';

/** What the header said; filled in place (one scratch record per parser, no allocation per line). */
export interface SyslogHeader {
  time: SyslogTime;
  /** Seconds since the Unix epoch (UTC), or since boot when `time` is `uptime`; 0 when `none`. */
  sec: number;
  nsec: number;
  /** The stamp stated its year (ISO 8601, RFC 5424, Cisco `Mmm dd yyyy`, `dmesg -T`); false for RFC 3164 stamps, whose year is assumed. */
  yearStated: boolean;
  /** PRI value, -1 when absent. */
  pri: number;
  /** Host name span, -1/-1 when absent. */
  hostStart: number;
  hostEnd: number;
  /** Tag (RFC 3164 TAG, RFC 5424 APP-NAME) span without `[pid]`, -1/-1 when absent. */
  tagStart: number;
  tagEnd: number;
  /** RFC 5424 MSGID span (-1 when absent or `-`). */
  msgidStart: number;
  msgidEnd: number;
  /** RFC 5424 STRUCTURED-DATA span including the brackets (-1 when absent or `-`). */
  sdStart: number;
  sdEnd: number;
  /** Where the MSG part starts (the tag when there is one, else the body). */
  msgOffset: number;
  /** Where the vendor body starts (after `tag[pid]: `, or after the structured data). */
  bodyOffset: number;
}

export function newSyslogHeader(): SyslogHeader {
  return {
    time: 'none',
    sec: 0,
    nsec: 0,
    yearStated: false,
    pri: -1,
    hostStart: -1,
    hostEnd: -1,
    tagStart: -1,
    tagEnd: -1,
    msgidStart: -1,
    msgidEnd: -1,
    sdStart: -1,
    sdEnd: -1,
    msgOffset: 0,
    bodyOffset: 0,
  };
}

/** Reads the field through a call: the sub-parsers set it, which flow analysis cannot see. */
function timeOf(h: SyslogHeader): SyslogTime {
  return h.time;
}

function isNil(line: string, s: number, e: number): boolean {
  return e - s === 1 && line.charCodeAt(s) === 45;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters of a tag: RFC 3164 says alphanumeric; real tags also use `_ - . /` and `@`. */
function isTagChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46 || c === 47 || c === 64;
}

export class SyslogHeaderParser {
  private readonly options: LogOptions;
  private year: number;
  private lastMonth = 0;
  private cacheKey = -1;
  private cacheDay = 0;
  private readonly iso = { sec: 0, nsec: 0 };

  constructor(options: LogOptions) {
    this.options = options;
    this.year = options.assumeYear;
  }

  /** The host name of the last parsed header, or undefined. */
  static host(line: string, h: SyslogHeader): string | undefined {
    return h.hostStart >= 0 ? line.slice(h.hostStart, h.hostEnd) : undefined;
  }

  static tag(line: string, h: SyslogHeader): string | undefined {
    return h.tagStart >= 0 ? line.slice(h.tagStart, h.tagEnd) : undefined;
  }

  /** Fills `h` from the start of `line`. Never fails: a line without a header has `time: 'none'` and body 0. */
  parse(line: string, h: SyslogHeader): void {
    h.time = 'none';
    h.sec = 0;
    h.nsec = 0;
    h.yearStated = false;
    h.pri = -1;
    h.hostStart = h.hostEnd = h.tagStart = h.tagEnd = -1;
    h.msgidStart = h.msgidEnd = h.sdStart = h.sdEnd = -1;
    let i = 0;
    const n = line.length;
    // <PRI>
    if (line.charCodeAt(0) === 60) {
      let j = 1;
      let pri = 0;
      while (j < n && j < 5 && isDigit(line.charCodeAt(j))) pri = pri * 10 + line.charCodeAt(j++) - 48;
      if (j > 1 && line.charCodeAt(j) === 62) {
        h.pri = pri;
        i = j + 1;
        // RFC 5424: VERSION SP
        if (line.charCodeAt(i) === 49 && line.charCodeAt(i + 1) === 32) {
          this.parse5424(line, i + 2, h);
          return;
        }
      }
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
    let after = -1;
    const c = line.charCodeAt(i);
    if (isDigit(c)) {
      after = parseIsoTime(line, i, this.options.utcOffsetMinutes, this.iso);
      if (after >= 0) {
        h.time = 'absolute';
        h.sec = this.iso.sec;
        h.nsec = this.iso.nsec;
        h.yearStated = true;
      }
    } else if (c === 91) {
      after = this.parseBracketTime(line, i, h);
    } else {
      after = this.parse3164Time(line, i, h);
    }
    if (after < 0) {
      h.msgOffset = h.bodyOffset = i;
      return;
    }
    i = after;
    // Cisco writes `Jan 24 11:28:30.407: body` with a colon after the time.
    if (line.charCodeAt(i) === 58) i++;
    while (i < n && line.charCodeAt(i) === 32) i++;
    if (timeOf(h) === 'uptime') {
      h.msgOffset = h.bodyOffset = i;
      return;
    }
    this.parseHostAndTag(line, i, h);
  }

  /** HOSTNAME? TAG? after a timestamp. */
  private parseHostAndTag(line: string, i: number, h: SyslogHeader): void {
    const n = line.length;
    if (this.readTag(line, i, h)) return;
    // Host: the next token, unless it opens the body (`[prefix]`, `%ASA-...`, `key=value`).
    let j = i;
    while (j < n) {
      const c = line.charCodeAt(j);
      if (c === 32 || c === 61 || c === 44 || c === 91 || c === 37 || c === 34) break;
      j++;
    }
    if (j > i && j < n && line.charCodeAt(j) === 32) {
      h.hostStart = i;
      h.hostEnd = j;
      i = j;
      while (i < n && line.charCodeAt(i) === 32) i++;
      // Cisco `host : body` (an empty tag).
      if (line.charCodeAt(i) === 58 && line.charCodeAt(i + 1) === 32) {
        i += 2;
        h.msgOffset = h.bodyOffset = i;
        return;
      }
      if (this.readTag(line, i, h)) return;
    }
    h.msgOffset = h.bodyOffset = i;
  }

  /** `tag[pid]: ` or `tag: ` at `i`; sets msg/body offsets and returns true when found. */
  private readTag(line: string, i: number, h: SyslogHeader): boolean {
    const n = line.length;
    let j = i;
    while (j < n && j - i < 64 && isTagChar(line.charCodeAt(j))) j++;
    if (j === i) return false;
    const tagEnd = j;
    if (line.charCodeAt(j) === 91) {
      const close = line.indexOf(']', j);
      if (close < 0 || close - j > 12) return false;
      j = close + 1;
    }
    if (line.charCodeAt(j) !== 58) return false;
    const next = line.charCodeAt(j + 1);
    if (j + 1 < n && next !== 32) return false;
    h.tagStart = i;
    h.tagEnd = tagEnd;
    h.msgOffset = i;
    j++;
    while (j < n && line.charCodeAt(j) === 32) j++;
    h.bodyOffset = j;
    return true;
  }

  /** RFC 3164 `Mmm dd hh:mm:ss` with Cisco's optional year (`Mmm dd yyyy hh:mm:ss`) and fraction. */
  private parse3164Time(line: string, i: number, h: SyslogHeader): number {
    const month = monthAt(line, i);
    if (month === 0 || line.charCodeAt(i + 3) !== 32) return -1;
    let j = i + 4;
    if (line.charCodeAt(j) === 32) j++;
    let day = 0;
    while (isDigit(line.charCodeAt(j)) && day < 100) day = day * 10 + line.charCodeAt(j++) - 48;
    if (day < 1 || day > 31 || line.charCodeAt(j) !== 32) return -1;
    j++;
    let year = -1;
    if (line.charCodeAt(j + 4) === 32 && isDigit(line.charCodeAt(j + 3))) {
      year = digitsAt(line, j, 4);
      if (year < 0) return -1;
      j += 5;
    }
    const hh = digitsAt(line, j, 2);
    const mm = digitsAt(line, j + 3, 2);
    const ss = digitsAt(line, j + 6, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || line.charCodeAt(j + 2) !== 58 || line.charCodeAt(j + 5) !== 58) return -1;
    j += 8;
    let nsec = 0;
    if (line.charCodeAt(j) === 46) {
      j++;
      let scale = 100_000_000;
      while (isDigit(line.charCodeAt(j))) {
        nsec += (line.charCodeAt(j) - 48) * scale;
        scale = Math.floor(scale / 10);
        j++;
      }
    }
    if (year < 0) {
      if (this.lastMonth !== 0 && month < this.lastMonth - 6) this.year++;
      else if (this.lastMonth !== 0 && month > this.lastMonth + 6) this.year--;
      this.lastMonth = month;
      year = this.year;
    } else {
      h.yearStated = true;
      // A device that writes its year (ASA `logging timestamp`) dates the yearless lines after it.
      if (this.options.yearGiven !== true) {
        this.year = year;
        this.lastMonth = month;
      }
    }
    h.time = 'absolute';
    h.sec = this.dayEpoch(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss - this.options.utcOffsetMinutes * 60;
    h.nsec = nsec;
    return j;
  }

  /** `[12345.678901]` (seconds since boot) or `[Mon Jan  8 03:37:09 2024]` (dmesg -T, local time). */
  private parseBracketTime(line: string, i: number, h: SyslogHeader): number {
    const close = line.indexOf(']', i);
    if (close < 0 || close - i > 32) return -1;
    let j = i + 1;
    while (line.charCodeAt(j) === 32) j++;
    if (isDigit(line.charCodeAt(j))) {
      let sec = 0;
      const first = j;
      while (isDigit(line.charCodeAt(j))) sec = sec * 10 + line.charCodeAt(j++) - 48;
      // Seconds since boot fit in 10 digits (three centuries); more is not a kernel time stamp
      // (and past 15 digits not even an exact number).
      if (j - first > 10) return -1;
      let nsec = 0;
      if (line.charCodeAt(j) === 46) {
        j++;
        let scale = 100_000_000;
        while (isDigit(line.charCodeAt(j))) {
          nsec += (line.charCodeAt(j) - 48) * scale;
          scale = Math.floor(scale / 10);
          j++;
        }
      }
      if (j !== close) return -1;
      h.time = 'uptime';
      h.sec = sec;
      h.nsec = nsec;
      return close + 1;
    }
    // dmesg -T: `Www Mmm dd hh:mm:ss yyyy`
    if (line.charCodeAt(j + 3) !== 32) return -1;
    const month = monthAt(line, j + 4);
    if (month === 0) return -1;
    let k = j + 8;
    if (line.charCodeAt(k) === 32) k++;
    let day = 0;
    while (isDigit(line.charCodeAt(k))) day = day * 10 + line.charCodeAt(k++) - 48;
    k++;
    const hh = digitsAt(line, k, 2);
    const mm = digitsAt(line, k + 3, 2);
    const ss = digitsAt(line, k + 6, 2);
    const year = digitsAt(line, k + 9, 4);
    if (day < 1 || hh < 0 || mm < 0 || ss < 0 || year < 0 || k + 13 !== close) return -1;
    h.time = 'absolute';
    h.yearStated = true;
    h.sec = this.dayEpoch(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss - this.options.utcOffsetMinutes * 60;
    h.nsec = 0;
    return close + 1;
  }

  private dayEpoch(year: number, month: number, day: number): number {
    const key = year * 400 + month * 32 + day;
    if (key !== this.cacheKey) {
      this.cacheKey = key;
      this.cacheDay = daysFromCivil(year, month, day);
    }
    return this.cacheDay;
  }

  /** RFC 5424 §6: TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]. */
  private parse5424(line: string, i: number, h: SyslogHeader): void {
    const n = line.length;
    if (line.charCodeAt(i) === 45) {
      i++;
    } else {
      const after = parseIsoTime(line, i, this.options.utcOffsetMinutes, this.iso);
      if (after < 0) {
        h.msgOffset = h.bodyOffset = i;
        return;
      }
      h.time = 'absolute';
      h.sec = this.iso.sec;
      h.nsec = this.iso.nsec;
      h.yearStated = true;
      i = after;
    }
    // HOSTNAME, APP-NAME, PROCID (skipped), then MSGID; `-` is the nil value.
    while (i < n && line.charCodeAt(i) === 32) i++;
    const hs = i;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    if (!isNil(line, hs, i)) {
      h.hostStart = hs;
      h.hostEnd = i;
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
    const as = i;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    if (!isNil(line, as, i)) {
      h.tagStart = as;
      h.tagEnd = i;
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    while (i < n && line.charCodeAt(i) === 32) i++;
    const ms = i;
    while (i < n && line.charCodeAt(i) !== 32) i++;
    if (!isNil(line, ms, i)) {
      h.msgidStart = ms;
      h.msgidEnd = i;
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
    h.msgOffset = i;
    if (line.charCodeAt(i) === 91) {
      const end = skipStructuredData(line, i);
      h.sdStart = i;
      h.sdEnd = end;
      i = end;
    } else if (line.charCodeAt(i) === 45 && (i + 1 === n || line.charCodeAt(i + 1) === 32)) {
      i++;
    }
    while (i < n && line.charCodeAt(i) === 32) i++;
    // A UTF-8 BOM may start MSG (RFC 5424 §6.4).
    if (line.charCodeAt(i) === 0xfeff) i++;
    h.bodyOffset = i;
  }
}

/**
 * End of the STRUCTURED-DATA starting with `[` at `i`: one or more `[...]` elements, with quoted
 * values in which `\"`, `\\` and `\]` are escaped (RFC 5424 §6.3.5). Returns the index after the
 * last `]` (or the line length if unterminated).
 */
export function skipStructuredData(line: string, i: number): number {
  const n = line.length;
  while (i < n && line.charCodeAt(i) === 91) {
    let inQuote = false;
    i++;
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 92) {
        i += 2;
        continue;
      }
      if (c === 34) inQuote = !inQuote;
      else if (c === 93 && !inQuote) break;
      i++;
    }
    i++;
  }
  return Math.min(i, n);
}
