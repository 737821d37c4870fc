/**
 * Hand-built decoded packets and TCP conversations for the observer tests: the flow table and the
 * observers read only the fields set here (addresses live at the start of `buf`, the payload after
 * them).
 */
import { createDecodedPacket, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/ingest/decode/packet.js';
import type { DecodedPacket } from '../../src/ingest/decode/packet.js';
import { parseIPv4Text, parseIPv6Text } from '../../src/ingest/observe/address.js';
import { FlowTable } from '../../src/flow/table.js';
import type { Flow } from '../../src/model.js';
import type { FlowObserver } from '../../src/flow/observer.js';

export interface EndpointText {
  ip: string;
  port: number;
}

/** `10.0.0.1:21` or `[2001:db8::1]:21`. */
export function ep(text: string): EndpointText {
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (m === null) throw new Error(`bad endpoint ${text}`);
  return { ip: m[1] ?? '', port: Number(m[2]) };
}

function addressBytes(ip: string): Buffer {
  if (ip.includes(':')) {
    const g = parseIPv6Text(ip);
    if (g === undefined) throw new Error(`bad IPv6 ${ip}`);
    const b = Buffer.alloc(16);
    g.forEach((v, i) => b.writeUInt16BE(v, 2 * i));
    return b;
  }
  const p = parseIPv4Text(ip);
  if (p === undefined) throw new Error(`bad IPv4 ${ip}`);
  return Buffer.from(p);
}

const FLAG_BITS: Record<string, number> = { S: TCP_SYN, A: TCP_ACK, F: TCP_FIN, R: TCP_RST, P: TCP_PSH };

export interface PacketSpec {
  /** Capture time, seconds. */
  t: number;
  src: string;
  dst: string;
  proto?: 'tcp' | 'udp';
  /** TCP flags as letters: `S`, `SA`, `A`, `PA`, `FA`, `R`. */
  flags?: string;
  seq?: number;
  ack?: number;
  payload?: Buffer | string;
  /** Payload length on the wire when the capture snapped it (default: the payload's length). */
  wireLen?: number;
}

export function packet(spec: PacketSpec): DecodedPacket {
  const src = ep(spec.src);
  const dst = ep(spec.dst);
  const sa = addressBytes(src.ip);
  const da = addressBytes(dst.ip);
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload, 'latin1') : (spec.payload ?? Buffer.alloc(0));
  const pkt = createDecodedPacket();
  pkt.buf = Buffer.concat([sa, da, payload]);
  const v6 = sa.length === 16;
  pkt.ipVersion = v6 ? 6 : 4;
  pkt.srcOff = 0;
  pkt.dstOff = sa.length;
  if (!v6) {
    pkt.src4 = sa.readUInt32BE(0);
    pkt.dst4 = da.readUInt32BE(0);
  }
  const tcp = (spec.proto ?? 'tcp') === 'tcp';
  pkt.proto = tcp ? 6 : 17;
  pkt.srcPort = src.port;
  pkt.dstPort = dst.port;
  pkt.payloadOff = sa.length + da.length;
  pkt.payloadLen = payload.length;
  pkt.payloadWireLen = spec.wireLen ?? payload.length;
  let flags = 0;
  for (const ch of spec.flags ?? (tcp ? 'A' : '')) flags |= FLAG_BITS[ch] ?? 0;
  pkt.tcpFlags = tcp ? flags : 0;
  pkt.tcpSeq = (spec.seq ?? 0) >>> 0;
  pkt.tcpAck = (spec.ack ?? 0) >>> 0;
  pkt.tsSec = Math.floor(spec.t);
  pkt.tsNsec = Math.round((spec.t - Math.floor(spec.t)) * 1e9);
  const header = 14 + (v6 ? 40 : 20) + (tcp ? 20 : 8);
  pkt.origLen = header + pkt.payloadWireLen;
  pkt.capLen = header + payload.length;
  pkt.ipLen = (v6 ? 40 : 20) + (tcp ? 20 : 8) + pkt.payloadWireLen;
  return pkt;
}

/** A TCP connection that keeps sequence numbers for each side. */
export class Conversation {
  private seqC: number;
  private seqS: number;
  constructor(
    readonly client: string,
    readonly server: string,
    isnC = 1000,
    isnS = 5000,
  ) {
    this.seqC = isnC;
    this.seqS = isnS;
  }

  /** SYN, SYN-ACK, ACK. */
  handshake(t: number): DecodedPacket[] {
    const out = [
      packet({ t, src: this.client, dst: this.server, flags: 'S', seq: this.seqC }),
      packet({ t: t + 0.001, src: this.server, dst: this.client, flags: 'SA', seq: this.seqS }),
    ];
    this.seqC++;
    this.seqS++;
    out.push(packet({ t: t + 0.002, src: this.client, dst: this.server, flags: 'A', seq: this.seqC }));
    return out;
  }

  /** Data from one side; `seq` advances unless `keepSeq` (to build retransmissions). */
  send(fromClient: boolean, t: number, data: string | Buffer, keepSeq = false): DecodedPacket {
    const payload = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    const seq = fromClient ? this.seqC : this.seqS;
    const p = packet({ t, src: fromClient ? this.client : this.server, dst: fromClient ? this.server : this.client, flags: 'PA', seq, payload });
    if (!keepSeq) {
      if (fromClient) this.seqC = (this.seqC + payload.length) >>> 0;
      else this.seqS = (this.seqS + payload.length) >>> 0;
    }
    return p;
  }

  /** Next sequence number of a side (to build out-of-order segments by hand). */
  nextSeq(fromClient: boolean): number {
    return fromClient ? this.seqC : this.seqS;
  }

  advance(fromClient: boolean, bytes: number): void {
    if (fromClient) this.seqC = (this.seqC + bytes) >>> 0;
    else this.seqS = (this.seqS + bytes) >>> 0;
  }

  fin(t: number): DecodedPacket[] {
    const out = [
      packet({ t, src: this.client, dst: this.server, flags: 'FA', seq: this.seqC }),
      packet({ t: t + 0.001, src: this.server, dst: this.client, flags: 'FA', seq: this.seqS }),
    ];
    this.seqC++;
    this.seqS++;
    out.push(packet({ t: t + 0.002, src: this.client, dst: this.server, flags: 'A', seq: this.seqC }));
    return out;
  }
}

/** Runs packets through a flow table with the observer; returns the emitted flows in creation order. */
export function runFlows(packets: readonly DecodedPacket[], observer: FlowObserver): Flow[] {
  const flows: Flow[] = [];
  const table = new FlowTable({}, (f) => flows.push(f), observer);
  for (const p of packets) table.addPacket(p, 1, 'test.pcap');
  table.flush();
  return flows.sort((a, b) => Number(a.id.split('.')[1]) - Number(b.id.split('.')[1]));
}

/** The flow with this server port (and client port, when given). */
export function flowTo(flows: readonly Flow[], serverPort: number, clientPort?: number): Flow {
  const f = flows.find((x) => x.server.port === serverPort && (clientPort === undefined || x.client.port === clientPort));
  if (f === undefined) throw new Error(`no flow to port ${serverPort}: ${flows.map((x) => `${x.client.ip}:${x.client.port}->${x.server.ip}:${x.server.port}`).join(', ')}`);
  return f;
}
