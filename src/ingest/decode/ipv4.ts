/**
 * IPv4 header (RFC 791, section 3.1). Options are skipped by the header length; fragments are
 * marked (RFC 791 "fragment offset" and MF) and later fragments get the ports of their first.
 *
 *    0 version (4 bits) + IHL (4 bits, 32-bit words)   1 DSCP/ECN   2 total length (2)
 *    4 identification (2)   6 flags (3 bits: 0, DF, MF) + fragment offset (13 bits, 8-octet units)
 *    8 TTL   9 protocol   10 header checksum (2)   12 source (4)   16 destination (4)   20 options
 */
import { u16be, u32be, u8 } from '../../bytes/read.js';
import type { AnomalyLog } from '../../anomalies.js';
import { noteMalformed, noteTruncated } from './anomaly.js';
import { applyFirstFragmentPorts, rememberFirstFragment } from './fragments.js';
import type { DecodedPacket } from './packet.js';
import { TRANSPORT_DECODERS } from './transport.js';

const IPV4_MIN_HEADER = 20;
const IP_MF = 0x2000;
const IP_OFFSET_MASK = 0x1fff;

export function decodeIpv4(pkt: DecodedPacket, buf: Buffer, off: number, end: number, log: AnomalyLog): void {
  const avail = end - off;
  if (avail < IPV4_MIN_HEADER) {
    noteTruncated(log, pkt, 'truncated-ipv4', 'IPv4 header', IPV4_MIN_HEADER, avail);
    return;
  }
  const vihl = u8(buf, off);
  if (vihl >> 4 !== 4) {
    noteMalformed(log, pkt, 'bad-ip-version', 'IPv4 packet with IP version', vihl >> 4);
    return;
  }
  const headerLen = (vihl & 15) << 2;
  if (headerLen < IPV4_MIN_HEADER) {
    noteMalformed(log, pkt, 'bad-ipv4-header', 'bad IPv4 header length', headerLen);
    return;
  }
  const totalLen = u16be(buf, off + 2);
  pkt.ipVersion = 4;
  pkt.ipOff = off;
  pkt.srcOff = off + 12;
  pkt.dstOff = off + 16;
  pkt.src4 = u32be(buf, off + 12);
  pkt.dst4 = u32be(buf, off + 16);
  const proto = u8(buf, off + 9);
  pkt.proto = proto;
  pkt.ipLen = totalLen;
  pkt.fragId = u16be(buf, off + 4);
  const fragField = u16be(buf, off + 6);
  if (headerLen > avail) {
    noteTruncated(log, pkt, 'truncated-ipv4', 'IPv4 options', headerLen, avail);
    return;
  }
  let ipEnd = end;
  let wireLen: number;
  if (totalLen === 0) {
    // Segmentation offload: the sending stack left the length for the NIC to fill in.
    wireLen = avail - headerLen;
  } else if (totalLen < headerLen) {
    noteMalformed(log, pkt, 'bad-ipv4-length', 'IPv4 total length shorter than its header', totalLen);
    return;
  } else {
    // Trailing link padding (short Ethernet frames) is not part of the datagram.
    if (off + totalLen < end) ipEnd = off + totalLen;
    else if (off + totalLen > end && pkt.capLen >= pkt.origLen) {
      noteMalformed(log, pkt, 'bad-ipv4-length', 'IPv4 total length beyond the end of an unsnapped frame', totalLen);
    }
    wireLen = totalLen - headerLen;
  }
  const l4 = off + headerLen;
  pkt.l4Off = l4;
  if ((fragField & IP_OFFSET_MASK) !== 0) {
    // A later fragment: no transport header, its bytes continue the first fragment's payload.
    pkt.fragment = 2;
    pkt.payloadOff = l4;
    pkt.payloadLen = ipEnd - l4;
    pkt.payloadWireLen = wireLen;
    applyFirstFragmentPorts(pkt, proto);
    return;
  }
  if ((fragField & IP_MF) !== 0) pkt.fragment = 1;
  const decode = TRANSPORT_DECODERS[proto];
  if (decode !== undefined) {
    decode(pkt, buf, l4, ipEnd, wireLen, log);
  } else {
    pkt.payloadOff = l4;
    pkt.payloadLen = ipEnd - l4;
    pkt.payloadWireLen = wireLen;
  }
  if (pkt.fragment === 1) rememberFirstFragment(pkt, proto);
}
