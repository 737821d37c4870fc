/**
 * Framing of length-prefixed binary records over a stream of chunks (undici's parser habit):
 * records that lie inside one chunk are handed out in place; only a record that spans two or
 * more chunks is copied, into one reusable carry buffer, and only once it is complete. The
 * whole input is never concatenated. Synchronous: `push` processes a chunk and returns.
 *
 * A subclass consumes the complete records of a chunk in its own loop (`consume`) and says how
 * long the record at a position is (`recordLength`) once `headerBytes` of it are available, for
 * the one record at each chunk boundary.
 */

export interface Leftover {
  /** Absolute offset of the incomplete record. */
  offset: number;
  /** Bytes of it that arrived. */
  have: number;
  /** Bytes it needed: the whole record when its header arrived, else the header. */
  need: number;
  /** True when the header itself was incomplete. */
  headerOnly: boolean;
  /** The bytes that arrived (a view of the carry buffer). */
  bytes: Buffer;
}

const MIN_CARRY_BYTES = 64 * 1024;

export abstract class RecordFramer {
  /** Bytes of a record that must be present before `recordLength` can be asked. */
  protected headerBytes: number;
  /** Set when the subclass asked to stop (fatal damage). */
  protected stopped = false;
  /** Absolute offset of the first byte of the next chunk. */
  private base = 0;
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  private carryOffset = 0;
  /** Length of the carried record once known, else 0. */
  private carryNeed = 0;

  protected constructor(headerBytes: number) {
    this.headerBytes = headerBytes;
  }

  /**
   * Total length of the record at `buf[pos]` (at least `headerBytes` are readable there), or a
   * negative number after the subclass has reported why the input cannot be read further.
   */
  protected abstract recordLength(buf: Buffer, pos: number, offset: number): number;

  /**
   * Consumes the complete records of `buf[pos, end)`, where `buf[0]` is at absolute offset
   * `base`, in one synchronous loop. Returns where the first incomplete record starts (`end`
   * when there is none); sets `stopped` to end the reading.
   */
  protected abstract consume(buf: Buffer, pos: number, end: number, base: number): number;

  /** Bytes pushed so far. */
  bytesSeen(): number {
    return this.base;
  }

  isStopped(): boolean {
    return this.stopped;
  }

  /** Processes one chunk. Returns false once reading has stopped. */
  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    const n = chunk.length;
    let pos = 0;
    if (this.carryLen > 0) {
      pos = this.fillCarry(chunk);
      if (this.stopped || this.carryLen > 0) {
        this.base += n;
        return !this.stopped;
      }
    }
    pos = this.consume(chunk, pos, n, this.base);
    if (!this.stopped && pos < n) {
      const need = n - pos >= this.headerBytes ? this.recordLength(chunk, pos, this.base + pos) : 0;
      if (need < 0) this.stopped = true;
      else this.startCarry(chunk, pos, this.base + pos, need);
    }
    this.base += n;
    return !this.stopped;
  }

  /** What was left incomplete at the end of the input, if anything. */
  leftover(): Leftover | undefined {
    if (this.stopped || this.carryLen === 0) return undefined;
    const headerOnly = this.carryNeed === 0;
    return {
      offset: this.carryOffset,
      have: this.carryLen,
      need: headerOnly ? this.headerBytes : this.carryNeed,
      headerOnly,
      bytes: this.carry.subarray(0, this.carryLen),
    };
  }

  /** Starts carrying `chunk[pos..]`; `need` is the record length when known. */
  private startCarry(chunk: Buffer, pos: number, offset: number, need: number): void {
    const have = chunk.length - pos;
    this.ensureCarry(Math.max(need, have, this.headerBytes));
    chunk.copy(this.carry, 0, pos);
    this.carryLen = have;
    this.carryOffset = offset;
    this.carryNeed = need;
  }

  private ensureCarry(size: number): void {
    if (this.carry.length >= size) return;
    const next = Buffer.allocUnsafe(Math.max(size, MIN_CARRY_BYTES));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }

  /** Completes the carried record from the head of `chunk`; returns how much of it was used. */
  private fillCarry(chunk: Buffer): number {
    let pos = 0;
    if (this.carryNeed === 0) {
      const take = Math.min(this.headerBytes - this.carryLen, chunk.length);
      if (take > 0) {
        chunk.copy(this.carry, this.carryLen, 0, take);
        this.carryLen += take;
        pos = take;
      }
      if (this.carryLen < this.headerBytes) return pos;
      const len = this.recordLength(this.carry, 0, this.carryOffset);
      if (len < 0) {
        this.stopped = true;
        this.carryLen = 0;
        return pos;
      }
      this.carryNeed = len;
      this.ensureCarry(len);
    }
    const take = Math.min(this.carryNeed - this.carryLen, chunk.length - pos);
    if (take > 0) {
      chunk.copy(this.carry, this.carryLen, pos, pos + take);
      this.carryLen += take;
      pos += take;
    }
    if (this.carryLen < this.carryNeed) return pos;
    const len = this.carryNeed;
    this.carryLen = 0;
    this.carryNeed = 0;
    // The carry holds exactly one complete record; consume() sees it as a chunk of its own.
    this.consume(this.carry, 0, len, this.carryOffset);
    return pos;
  }
}
