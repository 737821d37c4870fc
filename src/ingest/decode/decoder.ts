/**
 * The shapes of the layer decoders, so dispatch tables can hold them. Every decoder reads
 * `buf[off, end)` (end already clamped to the captured bytes and, below IP, to the datagram),
 * fills the scratch packet as far as the bytes allow and counts an anomaly when a header is cut.
 */
import type { AnomalyLog } from '../../anomalies.js';
import type { DecodedPacket } from './packet.js';

/** A link-layer or network-layer decoder: the frame or datagram is `buf[off, end)`. */
export type FrameDecoder = (pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog) => void;

/**
 * A transport decoder: the segment's captured bytes are `buf[off, end)`; `wireLen` is its length
 * as the IP header states it (larger than `end - off` when the capture snapped it).
 */
export type TransportDecoder = (
  pkt: DecodedPacket,
  buf: Buffer,
  off: number,
  end: number,
  wireLen: number,
  log: AnomalyLog,
) => void;
