/** What a capture reader reports besides the packets it delivers. */
import type { AnomalyLog } from '../../anomalies.js';
import type { DecodedPacket } from '../decode/packet.js';

export type CaptureFormat = 'pcap' | 'pcapng';

export interface CaptureInterface {
  /** Interface id as packets carry it (`DecodedPacket.interfaceId`): counted over the whole file. */
  id: number;
  linkType: number;
  /** Nanoseconds per timestamp unit: 1000 for microseconds, 1 for nanoseconds (fractional below 1 ns). */
  tsresolNanos: number;
  /** Snapshot length; 0 means no limit (pcapng). */
  snaplen: number;
  /** `if_name` option (pcapng). */
  name?: string;
  /** pcapng section (0-based) the interface was described in; 0 for classic pcap. */
  section?: number;
  /** `if_tsoffset` seconds (pcapng), when not 0. */
  tsOffsetSeconds?: number;
  /** Bytes of frame check sequence at the end of each frame, when the file says (pcap FCS bits, if_fcslen). */
  fcsBytes?: number;
}

export interface CaptureStats {
  format: CaptureFormat;
  /** Packets delivered to the callback. */
  packets: number;
  /** Bytes of (decompressed) input read, up to where reading stopped. */
  bytes: number;
  interfaces: CaptureInterface[];
  /** Offset at which reading ended early: the damaged or incomplete record. */
  stoppedAt?: number;
  /** True when the file itself was damaged (cut short, bad lengths, bad headers). */
  damaged: boolean;
  /** True when reading had to stop at damage it cannot step over; the CLI exits 2 after reporting. */
  fatal: boolean;
}

/** Everything a format reader needs to deliver packets and report damage. */
export interface ReaderContext {
  name: string;
  pkt: DecodedPacket;
  onPacket: (pkt: DecodedPacket) => void;
  anomalies: AnomalyLog;
  stats: CaptureStats;
}
