/**
 * Classic pcap (draft-ietf-opsawg-pcap, "PCAP Capture File Format"): a 24-byte file header, then
 * packet records of a 16-byte header and the captured bytes, unpadded. Both byte orders (the
 * magic says which), microsecond (0xA1B2C3D4) and nanosecond (0xA1B23C4D) timestamps.
 *
 *   file header: 0 magic (4)  4 major (2)  6 minor (2)  8 reserved1 (4, ignored)  12 reserved2 (4, ignored)
 *                16 snaplen (4)  20 link type and additional information (4):
 *                   bits 31-28 FCS length in 16-bit words, 27 R (must be 0), 26 P (FCS length present),
 *                   25-16 reserved (must be 0), 15-0 link type
 *   record:      0 seconds (4)  4 microseconds or nanoseconds (4)  8 captured length (4)
 *                12 original length (4)  16 packet data (captured length bytes)
 *
 * Versions before 2.3 wrote the two lengths the other way round, and 2.3 either way (libpcap's
 * sf-pcap.c "lengths_swapped"); both are read as libpcap reads them.
 */
import { u16, u32, u32be, u32le } from '../../bytes/read.js';
import { RecordFramer } from '../../bytes/record-framer.js';
import type { FrameDecoder } from '../decode/decoder.js';
import { decodeFrameWith, linkDecoder } from '../decode/frame.js';
import { checkLinkType, decoderFailed, fatal, truncatedRecord, wants, warn } from './report.js';
import type { ReaderContext } from './types.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
const FILE_HEADER = 24;
const RECORD_HEADER = 16;
/** libpcap refuses records above 256 KiB (MAXIMUM_SNAPLEN), so does this reader. */
export const MAX_CAPTURED_LENGTH = 256 * 1024;
/**
 * Captured length beyond the snaplen that is still believed: segmentation offload can hand
 * libpcap frames larger than a 65535 snaplen. Above it the header is garbage.
 */
export const SNAPLEN_MARGIN = 64 * 1024;

const LENGTHS_NORMAL = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

export class PcapReader extends RecordFramer {
  private readonly ctx: ReaderContext;
  private littleEndian = true;
  private nanos = false;
  private snaplen = 0;
  /** Largest captured length believed: MAX_CAPTURED_LENGTH, or less with a small snaplen. */
  private capLimit = MAX_CAPTURED_LENGTH;
  private linkType = 0;
  private decoder: FrameDecoder | undefined;
  private lengths = LENGTHS_NORMAL;
  private headerRead = false;

  constructor(ctx: ReaderContext) {
    super(FILE_HEADER);
    this.ctx = ctx;
  }

  protected recordLength(buf: Buffer, pos: number, offset: number): number {
    if (!this.headerRead) return FILE_HEADER;
    const capLen = this.capturedLength(buf, pos);
    if (capLen > this.capLimit) {
      this.reportAbsurdLength(capLen, offset);
      return -1;
    }
    return RECORD_HEADER + capLen;
  }

  private reportAbsurdLength(capLen: number, offset: number): void {
    fatal(
      this.ctx,
      'bad-record-length',
      offset,
      `absurd captured length ${capLen} in packet record (snaplen ${this.snaplen}, limit ${MAX_CAPTURED_LENGTH})`,
    );
  }

  private capturedLength(buf: Buffer, pos: number): number {
    const le = this.littleEndian;
    const a = u32(buf, pos + 8, le);
    if (this.lengths === LENGTHS_NORMAL) return a;
    const b = u32(buf, pos + 12, le);
    return this.lengths === LENGTHS_SWAPPED ? b : Math.min(a, b);
  }

  protected consume(buf: Buffer, pos: number, end: number, base: number): number {
    if (!this.headerRead) {
      if (end - pos < FILE_HEADER) return pos;
      if (!this.readFileHeader(buf, pos, base + pos)) {
        this.stopped = true;
        return pos;
      }
      pos += FILE_HEADER;
    }
    const ctx = this.ctx;
    const pkt = ctx.pkt;
    const stats = ctx.stats;
    const log = ctx.anomalies;
    const le = this.littleEndian;
    const decoder = this.decoder;
    const capLimit = this.capLimit;
    const snaplen = this.snaplen;
    const fracToNanos = this.nanos ? 1 : 1000;
    const normalLengths = this.lengths === LENGTHS_NORMAL;
    while (end - pos >= RECORD_HEADER) {
      const capLen = normalLengths ? u32(buf, pos + 8, le) : this.capturedLength(buf, pos);
      if (capLen > capLimit) {
        this.reportAbsurdLength(capLen, base + pos);
        this.stopped = true;
        return pos;
      }
      const next = pos + RECORD_HEADER + capLen;
      if (next > end) return pos;
      const offset = base + pos;
      let origLen = u32(buf, pos + 12, le);
      if (!normalLengths) origLen = Math.max(u32(buf, pos + 8, le), origLen);
      pkt.tsSec = u32(buf, pos, le);
      pkt.tsNsec = u32(buf, pos + 4, le) * fracToNanos;
      if (pkt.tsNsec >= 1e9) this.normaliseTimestamp(offset, pkt.tsNsec / fracToNanos);
      pkt.origLen = origLen;
      pkt.capLen = capLen;
      pkt.offset = offset;
      pkt.interfaceId = 0;
      pkt.linkType = this.linkType;
      if (origLen < capLen && wants(ctx, 'caplen-exceeds-origlen')) {
        warn(ctx, 'caplen-exceeds-origlen', offset, `captured length ${capLen} exceeds original length ${origLen}`);
      }
      if (capLen > snaplen && snaplen > 0 && wants(ctx, 'caplen-exceeds-snaplen')) {
        warn(ctx, 'caplen-exceeds-snaplen', offset, `captured length ${capLen} exceeds the file's snaplen ${snaplen}`);
      }
      try {
        decodeFrameWith(pkt, buf, pos + RECORD_HEADER, capLen, decoder, log);
      } catch (e) {
        decoderFailed(ctx, offset, e);
      }
      stats.packets++;
      ctx.onPacket(pkt);
      pos = next;
    }
    return pos;
  }

  private normaliseTimestamp(offset: number, frac: number): void {
    const pkt = this.ctx.pkt;
    const carry = Math.floor(pkt.tsNsec / 1e9);
    pkt.tsSec += carry;
    pkt.tsNsec -= carry * 1e9;
    if (wants(this.ctx, 'bad-timestamp')) {
      warn(this.ctx, 'bad-timestamp', offset, `${this.nanos ? 'nanosecond' : 'microsecond'} field ${frac} is a second or more; carried into the seconds`);
    }
  }

  private readFileHeader(buf: Buffer, pos: number, offset: number): boolean {
    const ctx = this.ctx;
    const magicLe = u32le(buf, pos);
    const magicBe = u32be(buf, pos);
    if (magicLe === PCAP_MAGIC_MICROS || magicLe === PCAP_MAGIC_NANOS) {
      this.littleEndian = true;
      this.nanos = magicLe === PCAP_MAGIC_NANOS;
    } else if (magicBe === PCAP_MAGIC_MICROS || magicBe === PCAP_MAGIC_NANOS) {
      this.littleEndian = false;
      this.nanos = magicBe === PCAP_MAGIC_NANOS;
    } else {
      fatal(ctx, 'bad-file-header', offset, `not a pcap file header (magic 0x${magicBe.toString(16).padStart(8, '0')})`);
      return false;
    }
    const le = this.littleEndian;
    const major = u16(buf, pos + 4, le);
    const minor = u16(buf, pos + 6, le);
    this.snaplen = u32(buf, pos + 16, le);
    if (this.snaplen > 0) this.capLimit = Math.min(MAX_CAPTURED_LENGTH, this.snaplen + SNAPLEN_MARGIN);
    const linkField = u32(buf, pos + 20, le);
    if (major !== 2) {
      fatal(ctx, 'unsupported-version', offset + 4, `pcap version ${major}.${minor} is not readable (only 2.x is)`);
      return false;
    }
    if (minor < 3) this.lengths = LENGTHS_SWAPPED;
    else if (minor === 3) this.lengths = LENGTHS_MAYBE_SWAPPED;
    else if (minor > 4) warn(ctx, 'unusual-version', offset + 4, `pcap version 2.${minor} is newer than 2.4; read as 2.4`);
    // R and the reserved bits "SHOULD" be treated as an error; libpcap refuses such files.
    if ((linkField & 0x0bff0000) !== 0) {
      fatal(ctx, 'bad-file-header', offset + 20, `link type field 0x${(linkField >>> 0).toString(16)} has reserved bits set`);
      return false;
    }
    this.linkType = linkField & 0xffff;
    this.decoder = linkDecoder(this.linkType);
    const iface: ReaderContext['stats']['interfaces'][number] = {
      id: 0,
      linkType: this.linkType,
      tsresolNanos: this.nanos ? 1 : 1000,
      snaplen: this.snaplen,
      section: 0,
    };
    if ((linkField & 0x04000000) !== 0) iface.fcsBytes = ((linkField >>> 28) & 0xf) * 2;
    ctx.stats.interfaces.push(iface);
    checkLinkType(ctx, 0, this.linkType, offset + 20);
    this.headerRead = true;
    this.headerBytes = RECORD_HEADER;
    return true;
  }

  /** At the end of the input: report a record the input cut short. */
  finish(): void {
    const left = this.leftover();
    if (left === undefined) return;
    if (!this.headerRead) truncatedRecord(this.ctx, left.offset, 'pcap file header', left.need, left.have);
    else if (left.headerOnly) truncatedRecord(this.ctx, left.offset, 'packet record header', left.need, left.have);
    else truncatedRecord(this.ctx, left.offset, 'packet record', left.need, left.have);
  }
}
