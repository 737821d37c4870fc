/**
 * Hand-built decoded packets for flow-table tests: the fields a decoder would fill, with the
 * addresses written into a small buffer at the offsets the packet names.
 */
import { isIP } from 'node:net';
import { createDecodedPacket } from '../../src/ingest/decode/packet.js';
import type { DecodedPacket } from '../../src/ingest/decode/packet.js';
import type { Flow } from '../../src/model.js';

export interface PacketSpec {
  /** Capture time in seconds (fractions allowed); nanoseconds via `nsec`. */
  t: number;
  nsec?: number;
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  /** TCP flags as letters: S, A, F, R, P. */
  flags?: string;
  seq?: number;
  /** Payload bytes. */
  len?: number;
  /** Frame length on the wire; default 60 + len. */
  origLen?: number;
  icmp?: { type: number; code: number; id?: number };
  quote?: { proto: number; src: string; dst: string; sport?: number; dport?: number; icmpType?: number; icmpId?: number };
  fragment?: 0 | 1 | 2;
  fragId?: number;
  vlan?: number;
  pflog?: { action: number; rule?: number; direction?: number; ifname?: string; ruleset?: string };
  offset?: number;
}

function addressBytes(ip: string): Buffer {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v !== 6) throw new Error(`bad address ${ip}`);
  const [head = '', tail = ''] = ip.includes('::') ? ip.split('::') : [ip, ''];
  const h = head === '' ? [] : head.split(':');
  const tl = tail === '' ? [] : tail.split(':');
  const groups = [...h, ...new Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

let scratch: DecodedPacket | undefined;

/** Fills (and returns) one scratch packet, as a reader would: the same object every call. */
export function makePacket(spec: PacketSpec): DecodedPacket {
  const pkt = (scratch ??= createDecodedPacket());
  const src = addressBytes(spec.src);
  const dst = addressBytes(spec.dst);
  const qs = spec.quote === undefined ? Buffer.alloc(0) : addressBytes(spec.quote.src);
  const qd = spec.quote === undefined ? Buffer.alloc(0) : addressBytes(spec.quote.dst);
  pkt.buf = Buffer.concat([src, dst, qs, qd]);
  pkt.ipVersion = src.length === 4 ? 4 : 6;
  pkt.srcOff = 0;
  pkt.dstOff = src.length;
  pkt.src4 = src.length === 4 ? src.readUInt32BE(0) : 0;
  pkt.dst4 = dst.length === 4 ? dst.readUInt32BE(0) : 0;
  pkt.tsSec = Math.floor(spec.t);
  // Fractions of `t` are taken to the microsecond (floating point cannot carry nanoseconds here).
  pkt.tsNsec = spec.nsec ?? Math.round((spec.t - Math.floor(spec.t)) * 1e6) * 1000;
  pkt.proto = spec.proto ?? (spec.icmp !== undefined ? (pkt.ipVersion === 4 ? 1 : 58) : 6);
  pkt.srcPort = spec.sport ?? 0;
  pkt.dstPort = spec.dport ?? 0;
  let flags = 0;
  for (const ch of spec.flags ?? '') flags |= FLAG_BITS[ch] ?? 0;
  pkt.tcpFlags = flags;
  pkt.tcpSeq = spec.seq ?? 1000;
  pkt.tcpAck = 0;
  pkt.payloadLen = spec.len ?? 0;
  pkt.payloadWireLen = spec.len ?? 0;
  pkt.origLen = spec.origLen ?? 60 + (spec.len ?? 0);
  pkt.capLen = pkt.origLen;
  pkt.offset = spec.offset ?? 0;
  pkt.icmpType = spec.icmp?.type ?? -1;
  pkt.icmpCode = spec.icmp?.code ?? -1;
  pkt.icmpId = spec.icmp?.id ?? 0;
  pkt.fragment = spec.fragment ?? 0;
  pkt.fragId = spec.fragId ?? 0;
  pkt.vlan = spec.vlan ?? -1;
  const e = pkt.embedded;
  if (spec.quote !== undefined) {
    e.valid = true;
    e.ipVersion = qs.length === 4 ? 4 : 6;
    e.srcOff = src.length + dst.length;
    e.dstOff = e.srcOff + qs.length;
    e.proto = spec.quote.proto;
    e.srcPort = spec.quote.sport ?? 0;
    e.dstPort = spec.quote.dport ?? 0;
    e.icmpType = spec.quote.icmpType ?? -1;
    e.icmpId = spec.quote.icmpId ?? 0;
  } else {
    e.valid = false;
  }
  pkt.pflog =
    spec.pflog === undefined
      ? null
      : {
          action: spec.pflog.action,
          ruleNumber: spec.pflog.rule ?? -1,
          direction: spec.pflog.direction ?? 0,
          ifname: spec.pflog.ifname ?? '',
          ruleset: spec.pflog.ruleset ?? '',
          reason: 0,
          subruleNumber: -1,
          af: 2,
        };
  return pkt;
}

/** Short text of a flow for assertions: `tcp 10.0.0.1:40000>10.0.0.2:80 established ShAD...`. */
export function brief(f: Flow): string {
  return `${f.proto} ${f.client.ip}:${f.client.port}>${f.server.ip}:${f.server.port} ${f.outcome} ${f.history} ${f.packets.client}/${f.packets.server}`;
}
