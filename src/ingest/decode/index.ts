/** Packet decoding: frames of any supported link type into the scratch DecodedPacket. */
export { decodeFrame, decodeFrameWith, isLinkTypeSupported, linkDecoder, LINKTYPE, resetDecoded } from './frame.js';
export { formatAddress, formatIpv4, formatIpv6 } from './address.js';
export { createDecodedPacket, TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './packet.js';
export type { DecodedPacket, EmbeddedHeader, PflogHeader } from './packet.js';
export type { FrameDecoder, TransportDecoder } from './decoder.js';
