/**
 * PPP frames (tcpdump.org LINKTYPE_PPP 9 and LINKTYPE_PPP_HDLC 50; RFC 1661 section 2, RFC 1662
 * section 3): an optional HDLC address/control pair 0xFF 0x03, then the protocol field, one byte
 * when compressed (odd first byte, RFC 1661 6.5) or two. IANA "PPP DLL Protocol Numbers":
 * 0x0021 IPv4, 0x0057 IPv6, 0x0281/0x0283 MPLS.
 */
import type { AnomalyLog } from '../../anomalies.js';
import { u16be, u8 } from '../../bytes/read.js';
import { noteTruncated } from './anomaly.js';
import type { FrameDecoder } from './decoder.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeMpls } from './mpls.js';
import type { DecodedPacket } from './packet.js';

const NETWORK_BY_PPP_PROTOCOL: ReadonlyMap<number, FrameDecoder> = new Map<number, FrameDecoder>([
  [0x0021, decodeIpv4],
  [0x0057, decodeIpv6],
  [0x0281, decodeMpls],
  [0x0283, decodeMpls],
]);

export function decodePpp(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  let p = off;
  if (end - p >= 2 && u8(buf, p) === 0xff && u8(buf, p + 1) === 0x03) p += 2;
  if (end - p < 1) {
    noteTruncated(log, pkt, 'truncated-ppp', 'PPP header', 2, end - off);
    return;
  }
  let protocol: number;
  if ((u8(buf, p) & 1) === 1) {
    protocol = u8(buf, p);
    p += 1;
  } else {
    if (end - p < 2) {
      noteTruncated(log, pkt, 'truncated-ppp', 'PPP header', 2, end - p);
      return;
    }
    protocol = u16be(buf, p);
    p += 2;
  }
  const decode = NETWORK_BY_PPP_PROTOCOL.get(protocol);
  if (decode !== undefined) decode(pkt, buf, p, end, log);
}
