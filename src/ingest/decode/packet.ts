/**
 * The decoded packet: one scratch record per reader, overwritten for every packet and never
 * retained by consumers (copy what you keep). Decoders fill it from a Buffer without allocating;
 * addresses stay as byte offsets into `buf` until the flow table needs their text.
 */

export interface EmbeddedHeader {
  /** True when the ICMP error quoted enough of the original IP header to name a flow; the other fields are meaningful only then. */
  valid: boolean;
  ipVersion: 4 | 6;
  /** Offsets of the quoted source/destination addresses in `buf` (4 or 16 bytes each). */
  srcOff: number;
  dstOff: number;
  proto: number;
  /** 0 when the quote was too short to carry ports. */
  srcPort: number;
  dstPort: number;
  /** Type and echo identifier of a quoted ICMP/ICMPv6 echo (so errors can name echo flows); -1 / 0 otherwise. */
  icmpType: number;
  icmpId: number;
}

export interface PflogHeader {
  /** PF action: 0 pass, 1 drop (block), 2 scrub, ... (see pflog.h). */
  action: number;
  /** Rule number, -1 when none. */
  ruleNumber: number;
  /** 1 in, 2 out (pf's PF_IN/PF_OUT), 0 unknown. */
  direction: number;
  /** Interface name from the header. */
  ifname: string;
  ruleset: string;
  /** PF reason code (0 match, 1 bad-offset, 2 fragment, 3 short, ...; see pflog.h PFRES_*). */
  reason: number;
  /** Sub-rule (anchor rule) number, -1 when none. */
  subruleNumber: number;
  /** Address family byte as written by the logging host (2 IPv4; 24/28/30 IPv6 on Open/Free/macOS). */
  af: number;
}

export interface DecodedPacket {
  // ---- record (filled by the capture reader) ----
  /**
   * Capture timestamp: whole seconds since the epoch, and nanoseconds within the second. A pcapng
   * Simple Packet Block has none and carries the previous packet's time (0 before any).
   */
  tsSec: number;
  tsNsec: number;
  /**
   * Original length on the wire and captured (snapped) length, from the record header (for a
   * Simple Packet Block the captured length is min(original, interface 0 snaplen, block room)).
   */
  origLen: number;
  capLen: number;
  /** Byte offset of the record header in the (decompressed) input. */
  offset: number;
  /**
   * pcapng interface id, 0 for classic pcap. Counted over the whole file: the interfaces of a later
   * section continue the numbering of the earlier ones (as Wireshark numbers them).
   */
  interfaceId: number;
  linkType: number;
  /** Name of the input as printed (`cap.pcap`, `<stdin>`), for anomaly messages and evidence. */
  source: string;

  // ---- link / network (filled by decoders) ----
  /** The buffer the offsets below point into (valid only until the next packet). */
  buf: Buffer;
  /** 0 when the packet carried no IP datagram we could decode. */
  ipVersion: 0 | 4 | 6;
  srcOff: number;
  dstOff: number;
  /** IPv4 source/destination as unsigned 32-bit integers (0 for IPv6). */
  src4: number;
  dst4: number;
  /** Offset in `buf` of the IP header (meaningful when ipVersion is not 0). */
  ipOff: number;
  /**
   * IP protocol number of the transport (after IPv6 extension headers). When the capture cuts
   * the IPv6 extension chain, the last next-header value read (possibly an extension header's).
   */
  proto: number;
  /** Offset in `buf` of the transport header (meaningful when proto is set and fragment is not 2). */
  l4Off: number;
  /**
   * Length of the IP datagram as stated in its header (IPv4 total length, IPv6 40 + payload
   * length), for this fragment when fragmented; 0 for an IPv4 total length of 0 (segmentation offload).
   */
  ipLen: number;
  /** Outer 802.1Q VLAN id, -1 when untagged. */
  vlan: number;
  /**
   * IP fragment state: 0 not a fragment (an IPv6 atomic fragment is 0), 1 first fragment (offset
   * 0, more fragments), 2 later fragment (offset > 0: no transport header; tcpFlags/seq/ack 0).
   */
  fragment: 0 | 1 | 2;
  /** IPv4 identification or IPv6 fragment-header identification, for attributing later fragments. */
  fragId: number;

  // ---- transport ----
  /**
   * 0 when the protocol has no ports (ICMP/ICMPv6 use icmpId instead) or the header was cut
   * before them. A later fragment gets its first fragment's ports when that was seen (same
   * reader, same source, destination, identification and protocol, within 60 s), else 0.
   */
  srcPort: number;
  dstPort: number;
  /** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  /**
   * Transport payload (captured part) as [payloadOff, payloadOff + payloadLen) in `buf`; Ethernet
   * padding and trailers excluded. A later fragment's bytes continue its datagram's payload.
   * For ICMP, the bytes after the 8-byte header (the quote, for errors).
   */
  payloadOff: number;
  payloadLen: number;
  /** Transport payload length as the headers state it (may exceed payloadLen when snapped). */
  payloadWireLen: number;
  /** ICMP/ICMPv6 type and code, -1 when not ICMP. */
  icmpType: number;
  icmpCode: number;
  /** ICMP echo identifier (used as a pseudo-port so echo flows pair up), 0 otherwise. */
  icmpId: number;
  /** The header quoted by an ICMP error, when the packet is one. */
  embedded: EmbeddedHeader;
  /** Set when the link type carries a firewall verdict (PFLOG). */
  pflog: PflogHeader | null;
}

/** A fresh scratch packet (one per reader). */
export function createDecodedPacket(): DecodedPacket {
  return {
    tsSec: 0,
    tsNsec: 0,
    origLen: 0,
    capLen: 0,
    offset: 0,
    interfaceId: 0,
    linkType: 0,
    source: '',
    buf: Buffer.alloc(0),
    ipVersion: 0,
    srcOff: 0,
    dstOff: 0,
    src4: 0,
    dst4: 0,
    ipOff: 0,
    proto: 0,
    l4Off: 0,
    ipLen: 0,
    vlan: -1,
    fragment: 0,
    fragId: 0,
    srcPort: 0,
    dstPort: 0,
    tcpFlags: 0,
    tcpSeq: 0,
    tcpAck: 0,
    payloadOff: 0,
    payloadLen: 0,
    payloadWireLen: 0,
    icmpType: -1,
    icmpCode: -1,
    icmpId: 0,
    embedded: { valid: false, ipVersion: 4, srcOff: 0, dstOff: 0, proto: 0, srcPort: 0, dstPort: 0, icmpType: -1, icmpId: 0 },
    pflog: null,
  };
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
