/**
 * The flow-log field helpers now live in fields.ts (one canonicalIp, protoNumber, parsePort and
 * flag helper for every log format). Nothing in the tree imports this module any more; it only
 * re-exports, for code outside the tree that still names it.
 */
export {
  canonicalIp,
  isIpv6,
  parseCount,
  parseDateTime,
  parseEpochMillis,
  parseEpochSeconds,
  parsePort,
  protoNumber,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
  tcpFlagsFromLetters,
} from './fields.js';
export type { SecNsec } from './fields.js';
