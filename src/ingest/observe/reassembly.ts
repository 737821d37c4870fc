/**
 * One direction of a TCP byte stream put back in order, for the control channels the observers
 * read (FTP commands and replies, portmapper records). RFC 9293 section 3.4: sequence numbers are
 * modulo 2^32, a SYN occupies one number, data follows it.
 *
 * - Retransmissions and overlaps: bytes already delivered are trimmed, never delivered twice.
 * - Out of order: segments ahead of the next expected byte wait (copied: the packet buffer is
 *   reused) up to `maxBufferedBytes` / `maxSegments`; past either bound, or once the other side
 *   acknowledges bytes of the hole (the capture dropped them), the hole is given up, the sink is
 *   told about the gap and delivery resumes at the earliest waiting segment.
 * - Mid-stream: without a SYN the first segment seen sets the starting point.
 * - A segment cut by the snap length delivers its captured part, then reports the rest as a gap.
 * - A segment more than `FAR_BYTES` away from the expected byte is a bogus sequence number or a
 *   very large capture loss: it is dropped, unless `RESYNC_SEGMENTS` such segments come in a row
 *   (the capture did lose a stretch), when the stream restarts at the latest one.
 */
import type { AnomalyLog } from '../../anomalies.js';

/**
 * Bytes held by all the streams of one observer (out-of-order segments, partial lines and
 * records), so that many connections cannot together hold more than `maxBytes`. A holder asks
 * before it grows (`take`) and gives back what it frees (`give`).
 */
export class ByteBudget {
  used = 0;
  /** Requests refused because the budget was spent. */
  refused = 0;
  /**
   * `anomalies`: where each refusal is counted as `limit-observer-buffer` (the report line of this
   * limit, docs/security.md); `owner` names the observer in the message (`ftp`, `rpc`).
   */
  constructor(
    readonly maxBytes: number,
    private readonly anomalies?: AnomalyLog,
    private readonly owner = 'observer',
  ) {}

  take(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) {
      this.refused++;
      const log = this.anomalies;
      if (log !== undefined) {
        if (log.wantsExample('limit-observer-buffer')) {
          log.add({
            code: 'limit-observer-buffer',
            severity: 'warning',
            message: `${this.owner}: control-channel buffers full (${this.maxBytes} bytes held by all connections); out-of-order data or a long line was dropped`,
          });
        } else log.addCount('limit-observer-buffer', 'warning');
      }
      return false;
    }
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Receives the reassembled bytes of one direction. */
export interface StreamSink {
  /** In-order bytes `buf[start, end)`, valid only during the call. */
  data(buf: Buffer, start: number, end: number): void;
  /** `bytes` were lost before the next delivered byte (0 when the amount is unknown). */
  gap(bytes: number): void;
}

interface Waiting {
  seq: number;
  data: Buffer;
}

/** Signed distance from `b` to `a` in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export const DEFAULT_MAX_SEGMENTS = 64;
/** Further than this from the next expected byte (either way) a segment is not believed at once. */
export const FAR_BYTES = 1 << 20;
/** Consecutive far segments that make the stream restart at them. */
export const RESYNC_SEGMENTS = 4;

export class StreamReassembler {
  private next = 0;
  private started = false;
  private readonly waiting: Waiting[] = [];
  private waitingBytes = 0;
  private farInARow = 0;
  /** Segments dropped as too far from the stream, and restarts after a run of them. */
  dropped = 0;
  resyncs = 0;
  /** Holes given up on, and the bytes they covered. */
  gaps = 0;
  gapBytes = 0;

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly maxSegments = DEFAULT_MAX_SEGMENTS,
    private readonly budget?: ByteBudget,
  ) {}

  /** Drops every waiting segment (the connection ended): gives their bytes back to the budget. */
  release(): void {
    this.budget?.give(this.waitingBytes);
    this.waiting.length = 0;
    this.waitingBytes = 0;
  }

  /**
   * One segment: `seq` from the TCP header, `syn` when the SYN flag is set, the captured payload
   * `buf[off, off + len)` and the payload length the headers state (`wireLen` ≥ `len`).
   */
  push(seq: number, syn: boolean, buf: Buffer, off: number, len: number, wireLen: number, sink: StreamSink): void {
    let dataSeq = seq >>> 0;
    if (syn) {
      dataSeq = (dataSeq + 1) >>> 0;
      if (!this.started) {
        this.next = dataSeq;
        this.started = true;
      }
    }
    if (wireLen < len) wireLen = len;
    if (wireLen === 0) return;
    if (!this.started) {
      this.next = dataSeq;
      this.started = true;
    }
    const distance = seqDiff(dataSeq, this.next);
    if (distance > FAR_BYTES || distance < -FAR_BYTES - wireLen) {
      if (++this.farInARow < RESYNC_SEGMENTS) {
        this.dropped++;
        return;
      }
      // A run of far segments: the capture lost a stretch; restart here.
      this.resyncs++;
      this.release();
      this.skipTo(dataSeq, sink);
    }
    this.farInARow = 0;
    for (;;) {
      const d = seqDiff(dataSeq, this.next);
      if (d <= 0) {
        this.deliver(dataSeq, buf, off, len, wireLen, sink);
        this.drain(sink);
        return;
      }
      if (len === wireLen && len <= this.maxBufferedBytes - this.waitingBytes && this.waiting.length < this.maxSegments && this.hold(dataSeq, buf.subarray(off, off + len))) {
        return;
      }
      // No room (or a snapped segment that cannot wait): give up the hole before the earliest
      // segment we know of and carry on from there.
      const first = this.waiting[0];
      const target = first !== undefined && seqDiff(first.seq, dataSeq) < 0 ? first.seq : dataSeq;
      this.skipTo(target, sink);
      this.drain(sink);
    }
  }

  /**
   * The other side acknowledged everything before `ack`. If a hole before waiting segments is
   * (partly) acknowledged, the peer received bytes the capture never had: they will not be
   * retransmitted, so the acknowledged part of the hole is given up now instead of stalling the
   * stream until the buffer fills (the capture dropped a segment). Without waiting segments
   * nothing is done: an ACK captured before the data it acknowledges must not lose that data.
   */
  acknowledge(ack: number, sink: StreamSink): void {
    if (this.waiting.length === 0) return;
    const d = seqDiff(ack >>> 0, this.next);
    if (d <= 0 || d > FAR_BYTES) return;
    const first = this.waiting[0];
    if (first === undefined) return;
    this.skipTo(seqDiff(first.seq, ack >>> 0) <= 0 ? first.seq : ack >>> 0, sink);
    this.drain(sink);
  }

  /** Bytes waiting for a hole to fill. */
  get bufferedBytes(): number {
    return this.waitingBytes;
  }

  private deliver(seq: number, buf: Buffer, off: number, len: number, wireLen: number, sink: StreamSink): void {
    const skip = -seqDiff(seq, this.next);
    if (skip >= wireLen) return; // entirely old: a retransmission
    if (skip < len) sink.data(buf, off + skip, off + len);
    if (len < wireLen) {
      const lost = wireLen - Math.max(len, skip);
      this.gaps++;
      this.gapBytes += lost;
      sink.gap(lost);
    }
    this.next = (seq + wireLen) >>> 0;
  }

  private drain(sink: StreamSink): void {
    while (this.waiting.length > 0) {
      const w = this.waiting[0];
      if (w === undefined || seqDiff(w.seq, this.next) > 0) return;
      this.waiting.shift();
      this.waitingBytes -= w.data.length;
      this.budget?.give(w.data.length);
      this.deliver(w.seq, w.data, 0, w.data.length, w.data.length, sink);
    }
  }

  /** Keeps a copy of an early segment; false when the observer's budget cannot take it. */
  private hold(seq: number, view: Buffer): boolean {
    // Kept sorted by distance from `next`; a segment identical in start keeps the longer copy.
    let i = 0;
    let replaced: Waiting | undefined;
    while (i < this.waiting.length) {
      const w = this.waiting[i];
      if (w === undefined) break;
      const d = seqDiff(seq, w.seq);
      if (d === 0) {
        if (w.data.length >= view.length) return true;
        replaced = w;
        break;
      }
      if (d < 0) break;
      i++;
    }
    const extra = view.length - (replaced?.data.length ?? 0);
    if (this.budget !== undefined && !this.budget.take(extra)) return false;
    const copy = Buffer.from(view);
    if (replaced !== undefined) {
      this.waiting[i] = { seq, data: copy };
    } else {
      this.waiting.splice(i, 0, { seq, data: copy });
    }
    this.waitingBytes += extra;
    return true;
  }

  private skipTo(target: number, sink: StreamSink): void {
    const lost = seqDiff(target, this.next);
    this.gaps++;
    this.gapBytes += lost > 0 ? lost : 0;
    sink.gap(lost > 0 ? lost : 0);
    this.next = target;
  }
}
