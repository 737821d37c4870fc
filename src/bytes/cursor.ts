/**
 * ByteCursor: bounds-checked reads over one record held in a Buffer. Every read that would pass
 * the record's end throws a TruncatedError carrying the absolute byte offset of the read, which
 * the reader owning the record catches once and turns into an anomaly.
 *
 * For record-level parsing (pcapng block bodies, options), never for the per-packet hot path:
 * the packet decoders read the Buffer directly after explicit length checks.
 */
import { TruncatedError } from '../errors.js';

export class ByteCursor {
  readonly buf: Buffer;
  /** Absolute input offset of `buf[0]`, for error messages. */
  readonly base: number;
  /** End of the readable region (exclusive), as an index into `buf`. */
  readonly end: number;
  /** Little-endian integers when true. */
  littleEndian: boolean;
  /** Next index to read in `buf`. */
  pos: number;

  constructor(buf: Buffer, start: number, end: number, base: number, littleEndian: boolean) {
    this.buf = buf;
    this.pos = start;
    this.end = Math.min(end, buf.length);
    this.base = base;
    this.littleEndian = littleEndian;
  }

  /** Bytes left before the end. */
  remaining(): number {
    return this.end - this.pos;
  }

  /** Absolute input offset of the next read. */
  offset(): number {
    return this.base + this.pos;
  }

  /** Throws unless `n` more bytes are available; `what` names the structure for the message. */
  need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) throw new TruncatedError(what, this.base + this.pos, n, Math.max(0, this.end - this.pos));
  }

  u8(what = 'field'): number {
    this.need(1, what);
    const v = this.buf.readUInt8(this.pos);
    this.pos += 1;
    return v;
  }

  u16(what = 'field'): number {
    this.need(2, what);
    const v = this.littleEndian ? this.buf.readUInt16LE(this.pos) : this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what = 'field'): number {
    this.need(4, what);
    const v = this.littleEndian ? this.buf.readUInt32LE(this.pos) : this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(what = 'field'): bigint {
    this.need(8, what);
    const v = this.littleEndian ? this.buf.readBigInt64LE(this.pos) : this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  u64(what = 'field'): bigint {
    this.need(8, what);
    const v = this.littleEndian ? this.buf.readBigUInt64LE(this.pos) : this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number, what = 'field'): Buffer {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  skip(n: number, what = 'field'): void {
    this.need(n, what);
    this.pos += n;
  }

  /** Skips to the next multiple of 4 counted from `origin` (pcapng pads fields to 32 bits). */
  align4(origin: number, what = 'padding'): void {
    const pad = (4 - ((this.pos - origin) & 3)) & 3;
    if (pad > 0) this.skip(pad, what);
  }
}

/** `0x1f40`: byte offsets in messages are hexadecimal, as tcpdump and Wireshark print them. */
export function hexOffset(offset: number): string {
  return `0x${offset.toString(16)}`;
}
