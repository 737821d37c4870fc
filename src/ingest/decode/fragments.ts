/**
 * Ports for later IP fragments. Only the first fragment of a datagram carries the transport
 * header; its ports are remembered under (source, destination, identification, protocol) and
 * given to the later fragments of the same datagram, so they belong to the same flow.
 *
 * Bounded (Zeek keeps its fragment state bounded too): at most MAX_DATAGRAMS entries, oldest
 * dropped first, and an entry older than EXPIRY_SECONDS (RFC 8200 section 4.5 gives up
 * reassembly after 60 seconds) is not used. One table per scratch packet, i.e. per reader, so
 * two captures read at the same time do not share state. Touched only for fragments.
 */
import type { DecodedPacket } from './packet.js';

const MAX_DATAGRAMS = 4096;
const EXPIRY_SECONDS = 60;

interface FirstFragment {
  srcPort: number;
  dstPort: number;
  tsSec: number;
}

const tables = new WeakMap<DecodedPacket, Map<string, FirstFragment>>();

function datagramKey(pkt: DecodedPacket, proto: number): string {
  if (pkt.ipVersion === 4) return `4/${pkt.src4}/${pkt.dst4}/${pkt.fragId}/${proto}`;
  const b = pkt.buf;
  return `6/${b.toString('latin1', pkt.srcOff, pkt.srcOff + 16)}/${b.toString('latin1', pkt.dstOff, pkt.dstOff + 16)}/${pkt.fragId}/${proto}`;
}

/** After decoding a first fragment (offset 0, more fragments): remember its ports. */
export function rememberFirstFragment(pkt: DecodedPacket, proto: number): void {
  if (pkt.srcPort === 0 && pkt.dstPort === 0) return;
  let table = tables.get(pkt);
  if (table === undefined) {
    table = new Map();
    tables.set(pkt, table);
  }
  const key = datagramKey(pkt, proto);
  table.delete(key);
  if (table.size >= MAX_DATAGRAMS) {
    const oldest = table.keys().next();
    if (oldest.done !== true) table.delete(oldest.value);
  }
  table.set(key, { srcPort: pkt.srcPort, dstPort: pkt.dstPort, tsSec: pkt.tsSec });
}

/** For a later fragment: the ports of its first fragment, when that was seen recently. */
export function applyFirstFragmentPorts(pkt: DecodedPacket, proto: number): void {
  const table = tables.get(pkt);
  if (table === undefined) return;
  const first = table.get(datagramKey(pkt, proto));
  if (first === undefined || Math.abs(pkt.tsSec - first.tsSec) > EXPIRY_SECONDS) return;
  pkt.srcPort = first.srcPort;
  pkt.dstPort = first.dstPort;
}
