/**
 * Framing: bytes → lines (Vector's split; a format never sees chunks). Lines end at LF; a CR
 * before the LF is dropped (CRLF files); a final line without LF is still a line. A UTF-8 byte
 * order mark at the very start is dropped.
 *
 * Work per chunk is synchronous: newlines are found with `Buffer.indexOf(0x0a)` (memchr), and a
 * chunk of pure ASCII (the usual case) is decoded once as one string that lines are sliced from.
 * Only the partial line at the end of a chunk is carried to the next one.
 *
 * Decoding: UTF-8. A line that is not valid UTF-8 (Latin-1 host names and rule names exist) is
 * read as Latin-1 instead, so every byte survives as one character and nothing becomes U+FFFD.
 *
 * A line longer than `maxLineBytes` (64 KiB by default) is never buffered whole: its bytes are
 * skipped up to the next LF and it is reported once through `onTooLong` with its line number,
 * so a 100 MB "line" without a newline costs at most `maxLineBytes` of memory.
 */
import { isAscii, isUtf8 } from 'node:buffer';

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface LineFramerOptions {
  maxLineBytes?: number;
  /** Called for every line, in order, with its 1-based number. */
  onLine(line: string, lineNumber: number): void;
  /** Called once for a line longer than the maximum; `bytes` is how much of it was seen when it was dropped. */
  onTooLong(lineNumber: number, bytes: number): void;
}

export class LineFramer {
  private readonly max: number;
  private readonly onLine: (line: string, lineNumber: number) => void;
  private readonly onTooLong: (lineNumber: number, bytes: number) => void;
  /** Partial line carried from the previous chunk (never longer than `max`). */
  private carry: Buffer | undefined;
  /** True while skipping the rest of an over-long line. */
  private skipping = false;
  private skippedBytes = 0;
  private first = true;
  /** Bytes of a byte order mark matched at the start of the input, possibly over several chunks. */
  private bomMatched = 0;
  /** Lines completed so far (including over-long ones). */
  lines = 0;
  /** Bytes seen so far. */
  bytes = 0;

  constructor(options: LineFramerOptions) {
    this.max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.onLine = options.onLine;
    this.onTooLong = options.onTooLong;
  }

  /** Bytes of the partial line held between chunks (never more than the maximum line length). */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  /** Frames one chunk; lines completed in it are delivered before this returns. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let pos = 0;
    if (this.first && chunk.length > 0) {
      // A UTF-8 byte order mark opening the input is dropped, even cut by a chunk boundary
      // (standard input can arrive a byte at a time): its bytes are held until it is whole.
      const before = this.bomMatched;
      let i = 0;
      while (this.bomMatched < 3 && i < chunk.length && chunk[i] === UTF8_BOM[this.bomMatched]) {
        this.bomMatched++;
        i++;
      }
      if (this.bomMatched === 3) {
        this.first = false;
        pos = i;
      } else if (i === chunk.length) {
        return;
      } else {
        // Not a BOM after all: the bytes held from earlier chunks start the first line, and this
        // chunk is read from its start.
        this.first = false;
        if (before > 0) this.carry = Buffer.from(UTF8_BOM.subarray(0, before));
      }
    }
    const len = chunk.length;
    // Finish the line in progress (carried or being skipped).
    if (this.skipping || this.carry !== undefined) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) {
        this.extendPartial(chunk, pos, len);
        return;
      }
      if (this.skipping) {
        this.skipping = false;
        this.lines++;
      } else {
        const carried = this.carry!;
        this.carry = undefined;
        this.lines++;
        if (carried.length + (nl - pos) > this.max) {
          this.onTooLong(this.lines, carried.length + (nl - pos));
        } else {
          const whole = Buffer.concat([carried, chunk.subarray(pos, nl)]);
          this.emitBytes(whole, 0, whole.length);
        }
      }
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(0x0a);
    if (last >= pos) this.frameBlock(chunk, pos, last);
    const rest = last >= pos ? last + 1 : pos;
    if (rest < len) this.extendPartial(chunk, rest, len);
  }

  /** Delivers a final line that has no LF. */
  end(): void {
    if (this.first && this.bomMatched > 0) {
      // The input ended inside what could have been a BOM: those bytes are a line.
      this.first = false;
      this.carry = Buffer.from(UTF8_BOM.subarray(0, this.bomMatched));
    }
    if (this.skipping) {
      this.skipping = false;
      this.lines++;
      return;
    }
    if (this.carry !== undefined) {
      const carried = this.carry;
      this.carry = undefined;
      this.lines++;
      this.emitBytes(carried, 0, carried.length);
    }
  }

  /** Adds `chunk[from, to)` (no LF in it) to the line in progress, switching to skipping past the maximum. */
  private extendPartial(chunk: Buffer, from: number, to: number): void {
    if (this.skipping) {
      this.skippedBytes += to - from;
      return;
    }
    const have = this.carry?.length ?? 0;
    if (have + (to - from) > this.max) {
      this.carry = undefined;
      this.skipping = true;
      this.skippedBytes = have + (to - from);
      this.onTooLong(this.lines + 1, this.skippedBytes);
      return;
    }
    // Copy: the chunk's memory belongs to the stream and the carry outlives it.
    const part = Buffer.from(chunk.subarray(from, to));
    this.carry = this.carry === undefined ? part : Buffer.concat([this.carry, part]);
  }

  /** Frames complete lines in `chunk[from, last]` where `chunk[last]` is an LF. */
  private frameBlock(chunk: Buffer, from: number, last: number): void {
    const max = this.max;
    if (isAscii(chunk.subarray(from, last))) {
      // Each line its own one-byte string. Not slices of one string for the block: V8 keeps a
      // slice of 13 characters or more as a pointer into its parent, so one address or rule name a
      // live flow kept from a line would have kept the whole multi-megabyte block alive (and
      // decoding line by line is no slower than decoding the block and slicing it).
      let p = from;
      while (p <= last) {
        const nl = chunk.indexOf(0x0a, p);
        this.lines++;
        let end = nl;
        if (end > p && chunk[end - 1] === 0x0d) end--;
        if (end - p > max) this.onTooLong(this.lines, end - p);
        else this.onLine(chunk.toString('latin1', p, end), this.lines);
        p = nl + 1;
      }
      return;
    }
    let p = from;
    while (p <= last) {
      const nl = chunk.indexOf(0x0a, p);
      this.lines++;
      if (nl - p > max) this.onTooLong(this.lines, nl - p);
      else this.emitBytes(chunk, p, nl);
      p = nl + 1;
    }
  }

  /** Decodes one line `buf[start, end)` (end excludes the LF) and delivers it. */
  private emitBytes(buf: Buffer, start: number, end: number): void {
    if (end > start && buf[end - 1] === 0x0d) end--;
    const view = buf.subarray(start, end);
    const text = isAscii(view) ? buf.toString('latin1', start, end) : isUtf8(view) ? buf.toString('utf8', start, end) : buf.toString('latin1', start, end);
    this.onLine(text, this.lines);
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Splits the decoded head of a file (for sniffing) into its first complete lines, without the
 * partial last line unless the head is the whole input. Never more than `maxLines`.
 */
export function headLines(head: Buffer, complete: boolean, maxLines: number): string[] {
  const out: string[] = [];
  let start = 0;
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  let p = start;
  while (out.length < maxLines) {
    const nl = head.indexOf(0x0a, p);
    if (nl < 0) {
      if (complete && p < head.length) out.push(decodeLine(head, p, head.length));
      break;
    }
    out.push(decodeLine(head, p, nl));
    p = nl + 1;
  }
  return out;
}

function decodeLine(buf: Buffer, start: number, end: number): string {
  if (end > start && buf[end - 1] === 0x0d) end--;
  const view = buf.subarray(start, end);
  return isAscii(view) || !isUtf8(view) ? buf.toString('latin1', start, end) : buf.toString('utf8', start, end);
}
