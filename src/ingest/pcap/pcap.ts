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
    if (capLen > MAX_CAPTURED_LENGTH || (this.snaplen > 0 && capLen > this.snaplen + SNAPLEN_MARGIN)) {
      fatal(
        this.ctx,
        'bad-record-length',
        offset,
        `absurd captured length ${capLen} in packet record (snaplen ${this.snaplen}, limit ${MAX_CAPTURED_LENGTH})`,
      );
      return -1;
    }
    return RECORD_HEADER + capLen;
  }

  private capturedLength(buf: Buffer, pos: number): number {
    const le = this.littleEndian;
    const a = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
    if (this.lengths === LENGTHS_NORMAL) return a;
    const b = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
    return this.lengths === LENGTHS_SWAPPED ? b : Math.min(a, b);
  }

  protected onRecord(buf: Buffer, pos: number, len: number, offset: number): boolean {
    if (!this.headerRead) return this.readFileHeader(buf, pos, offset);
    const ctx = this.ctx;
    const pkt = ctx.pkt;
    const le = this.littleEndian;
    const capLen = len - RECORD_HEADER;
    let origLen = le ? buf.readUInt32LE(pos + 12) : buf.readUInt32BE(pos + 12);
    if (this.lengths !== LENGTHS_NORMAL) {
      const a = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      origLen = Math.max(a, origLen);
    }
    pkt.tsSec = le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
    const frac = le ? buf.readUInt32LE(pos + 4) : buf.readUInt32BE(pos + 4);
    pkt.tsNsec = this.nanos ? frac : frac * 1000;
    if (pkt.tsNsec >= 1e9) this.normaliseTimestamp(offset, frac);
    pkt.origLen = origLen;
    pkt.capLen = capLen;
    pkt.offset = offset;
    pkt.interfaceId = 0;
    pkt.linkType = this.linkType;
    if (origLen < capLen && wants(ctx, 'caplen-exceeds-origlen')) {
      warn(ctx, 'caplen-exceeds-origlen', offset, `captured length ${capLen} exceeds original length ${origLen}`);
    }
    if (this.snaplen > 0 && capLen > this.snaplen && wants(ctx, 'caplen-exceeds-snaplen')) {
      warn(ctx, 'caplen-exceeds-snaplen', offset, `captured length ${capLen} exceeds the file's snaplen ${this.snaplen}`);
    }
    try {
      decodeFrameWith(pkt, buf, pos + RECORD_HEADER, capLen, this.decoder, ctx.anomalies);
    } catch (e) {
      decoderFailed(ctx, offset, e);
    }
    ctx.stats.packets++;
    ctx.onPacket(pkt);
    return true;
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
    const magicLe = buf.readUInt32LE(pos);
    const magicBe = buf.readUInt32BE(pos);
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
    const major = le ? buf.readUInt16LE(pos + 4) : buf.readUInt16BE(pos + 4);
    const minor = le ? buf.readUInt16LE(pos + 6) : buf.readUInt16BE(pos + 6);
    this.snaplen = le ? buf.readUInt32LE(pos + 16) : buf.readUInt32BE(pos + 16);
    const linkField = le ? buf.readUInt32LE(pos + 20) : buf.readUInt32BE(pos + 20);
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
