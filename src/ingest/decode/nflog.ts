/**
 * Linux netfilter NFLOG messages (tcpdump.org LINKTYPE_NFLOG 239; tcpdump print-nflog.c): a
 * 4-byte header, then type-length-value attributes; the NFULA_PAYLOAD attribute (type 9) holds
 * the logged packet from its IP header on. Attribute lengths and types are in the capturing
 * host's byte order: little-endian is tried first and big-endian when that does not fit.
 *
 *    0 family (1: 2 IPv4, 10 IPv6)   1 version (1)   2 resource id (2, network order)
 *    4 attributes: length (2, header included)  type (2)  value, padded to 4
 */
import type { AnomalyLog } from '../../anomalies.js';
import { u16be, u16le, u8 } from '../../bytes/read.js';
import { noteTruncated } from './anomaly.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import type { DecodedPacket } from './packet.js';

const NFLOG_HEADER = 4;
const TLV_HEADER = 4;
const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;

export function decodeNflog(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  if (end - off < NFLOG_HEADER) {
    noteTruncated(log, pkt, 'truncated-nflog', 'NFLOG header', NFLOG_HEADER, end - off);
    return;
  }
  const family = u8(buf, off);
  let p = off + NFLOG_HEADER;
  if (end - p < TLV_HEADER) return;
  const firstLe = u16le(buf, p);
  const le = firstLe >= TLV_HEADER && p + firstLe <= end;
  while (end - p >= TLV_HEADER) {
    const len = le ? u16le(buf, p) : u16be(buf, p);
    const type = (le ? u16le(buf, p + 2) : u16be(buf, p + 2)) & 0x7fff;
    if (len < TLV_HEADER || p + len > end) {
      noteTruncated(log, pkt, 'truncated-nflog', 'NFLOG attribute', len, end - p);
      return;
    }
    if (type === NFULA_PAYLOAD) {
      if (family === AF_INET) decodeIpv4(pkt, buf, p + TLV_HEADER, p + len, log);
      else if (family === AF_INET6) decodeIpv6(pkt, buf, p + TLV_HEADER, p + len, log);
      return;
    }
    p += (len + 3) & ~3;
  }
}
