/**
 * Reading a capture: classic pcap or pcapng, sniffed from the magic, streamed chunk by chunk.
 * Every decoded packet goes to `onPacket` synchronously, in the same scratch object each time
 * (its `buf` is valid only during the call). Damage becomes anomalies and `CaptureStats` flags;
 * the only exception out of here is an InputError for an input that is not a capture at all.
 */
import type { AnomalyLog } from '../../anomalies.js';
import { InputError, isPortolanError } from '../../errors.js';
import { createDecodedPacket, type DecodedPacket } from '../decode/packet.js';
import type { OpenedInput } from '../open.js';
import { describeMagic, detectCaptureFormat } from './format.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import { at } from './report.js';
import type { CaptureFormat, CaptureStats, ReaderContext } from './types.js';

export type { CaptureFormat, CaptureInterface, CaptureStats } from './types.js';

interface CaptureReader {
  push(chunk: Buffer): boolean;
  finish(): void;
  bytesSeen(): number;
}

function notACapture(name: string, head: Uint8Array): InputError {
  return new InputError('not-a-capture', `${name}: not a pcap or pcapng file (${describeMagic(head)})`, { file: name, offset: 0 });
}

function createReader(
  format: CaptureFormat,
  name: string,
  onPacket: (pkt: DecodedPacket) => void,
  anomalies: AnomalyLog,
): { reader: CaptureReader; ctx: ReaderContext } {
  const pkt = createDecodedPacket();
  pkt.source = name;
  const stats: CaptureStats = { format, packets: 0, bytes: 0, interfaces: [], damaged: false, fatal: false };
  const ctx: ReaderContext = { name, pkt, onPacket, anomalies, stats };
  const reader = format === 'pcap' ? new PcapReader(ctx) : new PcapngReader(ctx);
  return { reader, ctx };
}

/** Reads a whole capture held in memory (tests, fuzzing, small inputs). */
export function readCaptureBuffer(
  buf: Buffer,
  name: string,
  onPacket: (pkt: DecodedPacket) => void,
  anomalies: AnomalyLog,
): CaptureStats {
  const format = detectCaptureFormat(buf);
  if (format === undefined) throw notACapture(name, buf);
  const { reader, ctx } = createReader(format, name, onPacket, anomalies);
  reader.push(buf);
  reader.finish();
  ctx.stats.bytes = reader.bytesSeen();
  return ctx.stats;
}

/** Reads an opened input to its end, or to damage that stops it. */
export async function readCapture(
  input: OpenedInput,
  onPacket: (pkt: DecodedPacket) => void,
  anomalies: AnomalyLog,
): Promise<CaptureStats> {
  const format = detectCaptureFormat(input.head);
  if (format === undefined) throw notACapture(input.name, input.head);
  const { reader, ctx } = createReader(format, input.name, onPacket, anomalies);
  let stoppedEarly = false;
  try {
    // Transient: the reader copies the one record a chunk boundary cuts, nothing else.
    for await (const chunk of input.chunks({ transient: true })) {
      if (!reader.push(chunk)) {
        stoppedEarly = true;
        break;
      }
    }
  } catch (e) {
    // A read or decompression error part-way: what was read is kept and the damage reported.
    const offset = reader.bytesSeen();
    const code = isPortolanError(e) ? e.code : 'input-unreadable';
    const text = e instanceof Error ? e.message : String(e);
    const reason = text.startsWith(`${input.name}: `) ? text.slice(input.name.length + 2) : text;
    ctx.stats.damaged = true;
    ctx.stats.fatal = true;
    ctx.stats.stoppedAt ??= offset;
    anomalies.add({ code, severity: 'error', message: `${at(ctx, offset)}: input ended by a read error: ${reason}`, file: input.name, offset });
    stoppedEarly = true;
  } finally {
    if (stoppedEarly) input.close();
  }
  reader.finish();
  ctx.stats.bytes = reader.bytesSeen();
  return ctx.stats;
}
