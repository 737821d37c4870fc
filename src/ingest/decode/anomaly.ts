/**
 * Decoder anomalies: a cut or malformed header is counted (Zeek's weird.log), never thrown. The
 * message is built only while the log still keeps examples of the code, so a capture where every
 * packet is damaged costs a counter increment per packet, not a string.
 */
import type { AnomalyLog } from '../../anomalies.js';
import { hexOffset } from '../../bytes/cursor.js';
import type { DecodedPacket } from './packet.js';

function where(pkt: DecodedPacket): string {
  return pkt.source === '' ? hexOffset(pkt.offset) : `${pkt.source}@${hexOffset(pkt.offset)}`;
}

function add(log: AnomalyLog, pkt: DecodedPacket, code: string, message: string): void {
  if (pkt.source === '') log.add({ code, severity: 'warning', message, offset: pkt.offset });
  else log.add({ code, severity: 'warning', message, file: pkt.source, offset: pkt.offset });
}

/** `cap.pcap@0x1f40: truncated TCP header (need 20 bytes, have 12)` under `code`. */
export function noteTruncated(log: AnomalyLog, pkt: DecodedPacket, code: string, what: string, need: number, have: number): void {
  if (!log.wantsExample(code)) {
    log.addCount(code, 'warning');
    return;
  }
  add(log, pkt, code, `${where(pkt)}: truncated ${what} (need ${need} bytes, have ${Math.max(0, have)})`);
}

/** `cap.pcap@0x1f40: bad IPv4 header length (12)` under `code`. */
export function noteMalformed(log: AnomalyLog, pkt: DecodedPacket, code: string, what: string, value: number): void {
  if (!log.wantsExample(code)) {
    log.addCount(code, 'warning');
    return;
  }
  add(log, pkt, code, `${where(pkt)}: ${what} (${value})`);
}
