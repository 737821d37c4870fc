/**
 * Transport dispatch by IP protocol number (IANA "Assigned Internet Protocol Numbers"): a table,
 * not an if-chain. Protocols without a decoder keep their number in `proto` and ports 0, and
 * become flows keyed by protocol.
 */
import type { TransportDecoder } from './decoder.js';
import { decodeIcmp, decodeIcmpv6 } from './icmp.js';
import { decodeSctp } from './sctp.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';

export const TRANSPORT_DECODERS: ReadonlyArray<TransportDecoder | undefined> = (() => {
  const t: Array<TransportDecoder | undefined> = new Array<TransportDecoder | undefined>(256).fill(undefined);
  t[1] = decodeIcmp;
  t[6] = decodeTcp;
  t[17] = decodeUdp;
  t[58] = decodeIcmpv6;
  t[132] = decodeSctp;
  return t;
})();
