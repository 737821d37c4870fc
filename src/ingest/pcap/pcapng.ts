/**
 * pcapng (draft-ietf-opsawg-pcapng, "PCAP Now Generic (pcapng) Capture File Format"): a sequence
 * of blocks, each `type (4) | total length (4) | body | total length (4)`, lengths multiples of 4.
 * A Section Header Block starts each section and fixes its byte order; interface ids count the
 * Interface Description Blocks of the section. Read here:
 *
 *   SHB 0x0A0D0D0A: 8 byte-order magic 0x1A2B3C4D (4)  12 major (2)  14 minor (2)  16 section length (8)  24 options
 *   IDB 1:  8 link type (2)  10 reserved (2)  12 snaplen (4)  16 options: if_name 2, if_tsresol 9,
 *           if_fcslen 13, if_tsoffset 14 (signed seconds)
 *   EPB 6:  8 interface id (4)  12 timestamp high (4)  16 timestamp low (4)  20 captured length (4)
 *           24 original length (4)  28 data, padded to 4  then options
 *   SPB 3:  8 original length (4)  12 data: min(original length, snaplen of interface 0), no timestamp
 *   PB 2 (obsolete, appendix A): 8 interface id (2)  10 drops (2)  12 timestamp high  16 low
 *           20 captured length  24 original length  28 data
 *   options: code (2) | length (2) | value padded to 4; code 0 ends the list.
 *
 * Name Resolution (4), Interface Statistics (5), Decryption Secrets (10), systemd journal (9),
 * custom (0xBAD, 0x40000BAD) and unknown blocks are skipped by their length. A section whose
 * version is not 1.0 (or the 1.2 some old writers used) is skipped up to the next SHB.
 */
import { ByteCursor, hexOffset } from '../../bytes/cursor.js';
import { u16, u32, u32be, u32le } from '../../bytes/read.js';
import { RecordFramer } from '../../bytes/record-framer.js';
import { TruncatedError } from '../../errors.js';
import type { FrameDecoder } from '../decode/decoder.js';
import { decodeFrameWith, linkDecoder } from '../decode/frame.js';
import { MAX_CAPTURED_LENGTH } from './pcap.js';
import { checkLinkType, damage, decoderFailed, fatal, truncatedRecord, wants, warn } from './report.js';
import { MICROSECONDS, TimestampScale } from './timestamp.js';
import type { CaptureInterface, ReaderContext } from './types.js';

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 1;
export const BLOCK_PB = 2;
export const BLOCK_SPB = 3;
export const BLOCK_NRB = 4;
export const BLOCK_ISB = 5;
export const BLOCK_EPB = 6;
export const BLOCK_JOURNAL = 9;
export const BLOCK_DSB = 0x0a;
export const BLOCK_CUSTOM = 0xbad;
export const BLOCK_CUSTOM_NOCOPY = 0x40000bad;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const BLOCK_HEADER = 12;
const SHB_MIN = 28;
const EPB_MIN = 32;
const PB_MIN = 32;
const SPB_MIN = 16;
const IDB_MIN = 20;
/** Room for options after the data of a packet block. */
const PACKET_BLOCK_MAX = EPB_MIN + MAX_CAPTURED_LENGTH + 64 * 1024;
/** Any other block (NRB, DSB, custom); libpcap starts its block buffer at 16 MiB too. */
const OTHER_BLOCK_MAX = 16 * 1024 * 1024;

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BLOCK_SHB, 'section header block'],
  [BLOCK_IDB, 'interface description block'],
  [BLOCK_PB, 'packet block'],
  [BLOCK_SPB, 'simple packet block'],
  [BLOCK_NRB, 'name resolution block'],
  [BLOCK_ISB, 'interface statistics block'],
  [BLOCK_EPB, 'enhanced packet block'],
  [BLOCK_JOURNAL, 'systemd journal export block'],
  [BLOCK_DSB, 'decryption secrets block'],
  [BLOCK_CUSTOM, 'custom block'],
  [BLOCK_CUSTOM_NOCOPY, 'custom block'],
]);

function blockName(type: number): string {
  return BLOCK_NAMES.get(type) ?? `block of type 0x${type.toString(16)}`;
}

const OPT_END = 0;
const IF_NAME = 2;
const IF_TSRESOL = 9;
const IF_FCSLEN = 13;
const IF_TSOFFSET = 14;

interface NgInterface {
  /** Id over the whole file. */
  id: number;
  linkType: number;
  snaplen: number;
  decoder: FrameDecoder | undefined;
  scale: TimestampScale;
}

export class PcapngReader extends RecordFramer {
  private readonly ctx: ReaderContext;
  /** Byte order of the current section. */
  private littleEndian = true;
  /** False while skipping a section this reader cannot read. */
  private sectionReadable = false;
  private section = -1;
  private interfaces: NgInterface[] = [];
  private nextInterfaceId = 0;
  /** Timestamp of the last packet, given to Simple Packet Blocks (which carry none). */
  private lastSec = 0;
  private lastNsec = 0;

  constructor(ctx: ReaderContext) {
    super(BLOCK_HEADER);
    this.ctx = ctx;
  }

  protected recordLength(buf: Buffer, pos: number, offset: number): number {
    let le = this.littleEndian;
    // The SHB type reads the same in both orders; its byte-order magic decides its length's order.
    const type0 = u32le(buf, pos);
    if (type0 === BLOCK_SHB) {
      const magic = u32le(buf, pos + 8);
      if (magic === BYTE_ORDER_MAGIC) le = true;
      else if (u32be(buf, pos + 8) === BYTE_ORDER_MAGIC) le = false;
      else {
        fatal(this.ctx, 'bad-section-header', offset, `section header block with byte-order magic 0x${u32be(buf, pos + 8).toString(16)}`);
        return -1;
      }
    }
    const type = le ? type0 : u32be(buf, pos);
    const len = u32(buf, pos + 4, le);
    if (len < BLOCK_HEADER || (len & 3) !== 0) {
      fatal(this.ctx, 'bad-record-length', offset, `${blockName(type)} with total length ${len} (at least 12 and a multiple of 4 required)`);
      return -1;
    }
    const isPacket = type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_PB;
    const max = isPacket ? PACKET_BLOCK_MAX : OTHER_BLOCK_MAX;
    if (len > max) {
      fatal(this.ctx, 'bad-record-length', offset, `absurd ${blockName(type)} length ${len} (limit ${max})`);
      return -1;
    }
    return len;
  }

  protected consume(buf: Buffer, pos: number, end: number, base: number): number {
    while (end - pos >= BLOCK_HEADER) {
      const len = this.recordLength(buf, pos, base + pos);
      if (len < 0) {
        this.stopped = true;
        return pos;
      }
      if (pos + len > end) return pos;
      if (!this.readBlock(buf, pos, len, base + pos)) {
        this.stopped = true;
        return pos;
      }
      pos += len;
    }
    return pos;
  }

  private readBlock(buf: Buffer, pos: number, len: number, offset: number): boolean {
    const type0 = u32le(buf, pos);
    if (type0 === BLOCK_SHB) return this.readSectionHeader(buf, pos, len, offset);
    const le = this.littleEndian;
    const type = le ? type0 : u32be(buf, pos);
    const trailer = u32(buf, pos + len - 4, le);
    if (trailer !== len) {
      fatal(this.ctx, 'bad-record-length', offset, `${blockName(type)} length ${len} does not match its trailing length ${trailer}`);
      return false;
    }
    if (!this.sectionReadable) return true;
    switch (type) {
      case BLOCK_EPB:
        return this.readEnhancedPacket(buf, pos, len, offset);
      case BLOCK_SPB:
        return this.readSimplePacket(buf, pos, len, offset);
      case BLOCK_PB:
        return this.readObsoletePacket(buf, pos, len, offset);
      case BLOCK_IDB:
        this.readInterface(buf, pos, len, offset);
        return true;
      default:
        return true;
    }
  }

  private readSectionHeader(buf: Buffer, pos: number, len: number, offset: number): boolean {
    const ctx = this.ctx;
    const le = u32le(buf, pos + 8) === BYTE_ORDER_MAGIC;
    this.littleEndian = le;
    const trailer = u32(buf, pos + len - 4, le);
    if (trailer !== len) {
      fatal(ctx, 'bad-record-length', offset, `section header block length ${len} does not match its trailing length ${trailer}`);
      return false;
    }
    if (len < SHB_MIN) {
      fatal(ctx, 'bad-record-length', offset, `section header block of ${len} bytes is shorter than its ${SHB_MIN}-byte minimum`);
      return false;
    }
    this.section++;
    this.interfaces = [];
    const major = u16(buf, pos + 12, le);
    const minor = u16(buf, pos + 14, le);
    this.sectionReadable = major === 1 && (minor === 0 || minor === 2);
    if (!this.sectionReadable) {
      damage(ctx, 'unsupported-version', offset + 12, `pcapng section version ${major}.${minor} is not readable (1.0 is); section skipped`);
      return true;
    }
    const c = new ByteCursor(buf, pos + 24, pos + len - 4, offset - pos, le);
    this.readOptions(c, pos, offset, 'section header block', undefined);
    return true;
  }

  private readInterface(buf: Buffer, pos: number, len: number, offset: number): void {
    const ctx = this.ctx;
    const id = this.nextInterfaceId++;
    const le = this.littleEndian;
    if (len < IDB_MIN) {
      damage(ctx, 'bad-record-length', offset, `interface description block of ${len} bytes is shorter than its ${IDB_MIN}-byte minimum; interface ${id} unusable`);
      this.interfaces.push({ id, linkType: -1, snaplen: 0, decoder: undefined, scale: new TimestampScale(MICROSECONDS, 0) });
      return;
    }
    const linkType = u16(buf, pos + 8, le);
    const snaplen = u32(buf, pos + 12, le);
    const found: { name?: string; tsresol: number; tsoffset: number; fcsBits?: number } = { tsresol: MICROSECONDS, tsoffset: 0 };
    const c = new ByteCursor(buf, pos + 16, pos + len - 4, offset - pos, le);
    this.readOptions(c, pos, offset, 'interface description block', (code, value) => {
      if (code === IF_NAME) found.name = value.toString('utf8');
      else if (code === IF_TSRESOL && value.length >= 1) found.tsresol = value.readUInt8(0);
      else if (code === IF_FCSLEN && value.length >= 1) found.fcsBits = value.readUInt8(0);
      else if (code === IF_TSOFFSET && value.length >= 8) {
        found.tsoffset = Number(le ? value.readBigInt64LE(0) : value.readBigInt64BE(0));
      }
    });
    const scale = new TimestampScale(found.tsresol, found.tsoffset);
    this.interfaces.push({ id, linkType, snaplen, decoder: linkDecoder(linkType), scale });
    const info: CaptureInterface = { id, linkType, tsresolNanos: scale.nanosPerUnit, snaplen, section: this.section };
    if (found.name !== undefined) info.name = found.name;
    if (found.tsoffset !== 0) info.tsOffsetSeconds = found.tsoffset;
    if (found.fcsBits !== undefined) info.fcsBytes = found.fcsBits >> 3;
    ctx.stats.interfaces.push(info);
    checkLinkType(ctx, id, linkType, offset);
  }

  /**
   * Walks an option list with the cursor; a list running past its block is reported once and the
   * options read before it are kept.
   */
  private readOptions(
    c: ByteCursor,
    blockPos: number,
    offset: number,
    what: string,
    onOption: ((code: number, value: Buffer) => void) | undefined,
  ): void {
    try {
      while (c.remaining() >= 4) {
        const code = c.u16('option header');
        const len = c.u16('option header');
        if (code === OPT_END) return;
        const value = c.bytes(len, `option ${code}`);
        c.align4(blockPos, `option ${code} padding`);
        onOption?.(code, value);
      }
    } catch (e) {
      if (!(e instanceof TruncatedError)) throw e;
      this.ctx.stats.damaged = true;
      warn(this.ctx, 'bad-option', e.offset, `${e.message} in the ${what} at ${hexOffset(offset)}; later options ignored`);
    }
  }

  private unknownInterface(offset: number, what: string, id: number): void {
    if (wants(this.ctx, 'unknown-interface')) {
      warn(this.ctx, 'unknown-interface', offset, `${what} names interface ${id}, which this section has not described; packet skipped`);
    }
    this.ctx.stats.damaged = true;
  }

  private readEnhancedPacket(buf: Buffer, pos: number, len: number, offset: number): boolean {
    if (len < EPB_MIN) {
      damage(this.ctx, 'bad-record-length', offset, `enhanced packet block of ${len} bytes is shorter than its ${EPB_MIN}-byte minimum; skipped`);
      return true;
    }
    const le = this.littleEndian;
    const ifId = u32(buf, pos + 8, le);
    const iface = this.interfaces[ifId];
    if (iface === undefined) {
      this.unknownInterface(offset, 'enhanced packet block', ifId);
      return true;
    }
    const capLen = u32(buf, pos + 20, le);
    if (capLen > len - EPB_MIN) {
      damage(this.ctx, 'bad-record-length', offset, `enhanced packet block claims ${capLen} captured bytes but holds ${len - EPB_MIN}; skipped`);
      return true;
    }
    const high = u32(buf, pos + 12, le);
    const low = u32(buf, pos + 16, le);
    iface.scale.apply(this.ctx.pkt, high, low);
    const origLen = u32(buf, pos + 24, le);
    this.deliver(iface, buf, pos + 28, capLen, origLen, offset);
    return true;
  }

  private readObsoletePacket(buf: Buffer, pos: number, len: number, offset: number): boolean {
    if (len < PB_MIN) {
      damage(this.ctx, 'bad-record-length', offset, `packet block of ${len} bytes is shorter than its ${PB_MIN}-byte minimum; skipped`);
      return true;
    }
    const le = this.littleEndian;
    const ifId = u16(buf, pos + 8, le);
    const iface = this.interfaces[ifId];
    if (iface === undefined) {
      this.unknownInterface(offset, 'packet block', ifId);
      return true;
    }
    const capLen = u32(buf, pos + 20, le);
    if (capLen > len - PB_MIN) {
      damage(this.ctx, 'bad-record-length', offset, `packet block claims ${capLen} captured bytes but holds ${len - PB_MIN}; skipped`);
      return true;
    }
    const high = u32(buf, pos + 12, le);
    const low = u32(buf, pos + 16, le);
    iface.scale.apply(this.ctx.pkt, high, low);
    const origLen = u32(buf, pos + 24, le);
    this.deliver(iface, buf, pos + 28, capLen, origLen, offset);
    return true;
  }

  private readSimplePacket(buf: Buffer, pos: number, len: number, offset: number): boolean {
    const iface = this.interfaces[0];
    if (iface === undefined) {
      this.unknownInterface(offset, 'simple packet block', 0);
      return true;
    }
    if (len < SPB_MIN) {
      damage(this.ctx, 'bad-record-length', offset, `simple packet block of ${len} bytes is shorter than its ${SPB_MIN}-byte minimum; skipped`);
      return true;
    }
    const origLen = u32(buf, pos + 8, this.littleEndian);
    // "the minimum value among the SnapLen ... and the Original Packet Length" (section 4.4), and
    // never more than the block holds.
    let capLen = origLen;
    if (iface.snaplen > 0 && capLen > iface.snaplen) capLen = iface.snaplen;
    if (capLen > len - SPB_MIN) capLen = len - SPB_MIN;
    const pkt = this.ctx.pkt;
    pkt.tsSec = this.lastSec;
    pkt.tsNsec = this.lastNsec;
    this.deliver(iface, buf, pos + 12, capLen, origLen, offset);
    return true;
  }

  private deliver(iface: NgInterface, buf: Buffer, dataOff: number, capLen: number, origLen: number, offset: number): void {
    const ctx = this.ctx;
    const pkt = ctx.pkt;
    pkt.origLen = origLen;
    pkt.capLen = capLen;
    pkt.offset = offset;
    pkt.interfaceId = iface.id;
    pkt.linkType = iface.linkType;
    this.lastSec = pkt.tsSec;
    this.lastNsec = pkt.tsNsec;
    if (origLen < capLen && wants(ctx, 'caplen-exceeds-origlen')) {
      warn(ctx, 'caplen-exceeds-origlen', offset, `captured length ${capLen} exceeds original length ${origLen}`);
    }
    try {
      decodeFrameWith(pkt, buf, dataOff, capLen, iface.decoder, ctx.anomalies);
    } catch (e) {
      decoderFailed(ctx, offset, e);
    }
    ctx.stats.packets++;
    ctx.onPacket(pkt);
  }

  /** At the end of the input: report a block the input cut short. */
  finish(): void {
    const left = this.leftover();
    if (left === undefined) return;
    if (left.headerOnly) {
      truncatedRecord(this.ctx, left.offset, 'block header', left.need, left.have);
      return;
    }
    const type0 = left.bytes.readUInt32LE(0);
    const type = type0 === BLOCK_SHB || this.littleEndian ? type0 : left.bytes.readUInt32BE(0);
    truncatedRecord(this.ctx, left.offset, blockName(type), left.need, left.have);
  }
}
