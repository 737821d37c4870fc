/**
 * Test helpers over the capture reader: a plain copy of each decoded packet (the reader's scratch
 * is overwritten per packet) and a one-line text form for golden files.
 */
import { AnomalyLog } from '../../src/anomalies.js';
import { formatAddress } from '../../src/ingest/decode/address.js';
import { decodeFrame } from '../../src/ingest/decode/frame.js';
import { createDecodedPacket, type DecodedPacket } from '../../src/ingest/decode/packet.js';
import { readCaptureBuffer, type CaptureStats } from '../../src/ingest/pcap/read.js';

export interface PacketView {
  tsSec: number;
  tsNsec: number;
  origLen: number;
  capLen: number;
  offset: number;
  interfaceId: number;
  linkType: number;
  ipVersion: 0 | 4 | 6;
  src: string;
  dst: string;
  proto: number;
  ipLen: number;
  vlan: number;
  fragment: 0 | 1 | 2;
  fragId: number;
  srcPort: number;
  dstPort: number;
  tcpFlags: number;
  tcpSeq: number;
  tcpAck: number;
  payload: string;
  payloadLen: number;
  payloadWireLen: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  embedded: null | { ipVersion: 4 | 6; src: string; dst: string; proto: number; srcPort: number; dstPort: number; icmpType: number; icmpId: number };
  pflog: null | { action: number; ruleNumber: number; direction: number; ifname: string; ruleset: string; reason: number; subruleNumber: number; af: number };
}

export function viewOf(p: DecodedPacket): PacketView {
  const e = p.embedded;
  return {
    tsSec: p.tsSec,
    tsNsec: p.tsNsec,
    origLen: p.origLen,
    capLen: p.capLen,
    offset: p.offset,
    interfaceId: p.interfaceId,
    linkType: p.linkType,
    ipVersion: p.ipVersion,
    src: p.ipVersion === 0 ? '' : formatAddress(p.buf, p.srcOff, p.ipVersion),
    dst: p.ipVersion === 0 ? '' : formatAddress(p.buf, p.dstOff, p.ipVersion),
    proto: p.proto,
    ipLen: p.ipLen,
    vlan: p.vlan,
    fragment: p.fragment,
    fragId: p.fragId,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    tcpFlags: p.tcpFlags,
    tcpSeq: p.tcpSeq,
    tcpAck: p.tcpAck,
    payload: p.buf.toString('latin1', p.payloadOff, p.payloadOff + p.payloadLen),
    payloadLen: p.payloadLen,
    payloadWireLen: p.payloadWireLen,
    icmpType: p.icmpType,
    icmpCode: p.icmpCode,
    icmpId: p.icmpId,
    embedded: e.valid
      ? {
          ipVersion: e.ipVersion,
          src: formatAddress(p.buf, e.srcOff, e.ipVersion),
          dst: formatAddress(p.buf, e.dstOff, e.ipVersion),
          proto: e.proto,
          srcPort: e.srcPort,
          dstPort: e.dstPort,
          icmpType: e.icmpType,
          icmpId: e.icmpId,
        }
      : null,
    pflog: p.pflog === null ? null : { ...p.pflog },
  };
}

export interface ReadResult {
  packets: PacketView[];
  stats: CaptureStats;
  anomalies: AnomalyLog;
}

/** Reads a whole capture buffer into plain packet copies. */
export function readAll(buf: Buffer, name = 'test.pcap'): ReadResult {
  const anomalies = new AnomalyLog();
  const packets: PacketView[] = [];
  const stats = readCaptureBuffer(buf, name, (p) => packets.push(viewOf(p)), anomalies);
  return { packets, stats, anomalies };
}

/** Decodes one frame outside any capture. */
export function decodeOne(frame: Buffer, linkType: number, capLen = frame.length, origLen = frame.length): { view: PacketView; anomalies: AnomalyLog } {
  const anomalies = new AnomalyLog();
  const pkt = createDecodedPacket();
  pkt.capLen = capLen;
  pkt.origLen = origLen;
  pkt.source = 'frame';
  decodeFrame(pkt, frame, 0, capLen, linkType, anomalies);
  return { view: viewOf(pkt), anomalies };
}

const FLAG_LETTERS = 'FSRPAUEC';

function flagText(flags: number): string {
  let s = '';
  for (let i = 0; i < 8; i++) if ((flags & (1 << i)) !== 0) s += FLAG_LETTERS[i] ?? '';
  return s === '' ? '.' : s;
}

/** One line per packet, stable, for golden files. */
export function describePacket(v: PacketView, index: number): string {
  const parts = [
    `#${index + 1} @0x${v.offset.toString(16)} ${v.tsSec}.${String(v.tsNsec).padStart(9, '0')} if${v.interfaceId} lt${v.linkType} len ${v.capLen}/${v.origLen}`,
  ];
  if (v.vlan >= 0) parts.push(`vlan ${v.vlan}`);
  if (v.pflog !== null) {
    const f = v.pflog;
    parts.push(`pflog action ${f.action} dir ${f.direction} rule ${f.ruleNumber}/${f.subruleNumber} reason ${f.reason} if ${f.ifname} ruleset "${f.ruleset}" af ${f.af}`);
  }
  if (v.ipVersion === 0) {
    parts.push('no ip');
    return parts.join(' | ');
  }
  let ipText = `ip${v.ipVersion} ${v.src} > ${v.dst} proto ${v.proto} iplen ${v.ipLen}`;
  if (v.fragment !== 0) ipText += ` frag ${v.fragment} id 0x${v.fragId.toString(16)}`;
  parts.push(ipText);
  let l4 = `ports ${v.srcPort} > ${v.dstPort}`;
  if (v.proto === 6) l4 += ` flags ${flagText(v.tcpFlags)} seq ${v.tcpSeq} ack ${v.tcpAck}`;
  if (v.icmpType >= 0) l4 += ` icmp ${v.icmpType}/${v.icmpCode} id ${v.icmpId}`;
  l4 += ` payload ${v.payloadLen}/${v.payloadWireLen}`;
  parts.push(l4);
  if (v.embedded !== null) {
    const e = v.embedded;
    parts.push(`quotes ip${e.ipVersion} ${e.src} > ${e.dst} proto ${e.proto} ports ${e.srcPort} > ${e.dstPort}${e.icmpType >= 0 ? ` icmp ${e.icmpType} id ${e.icmpId}` : ''}`);
  }
  return parts.join(' | ');
}

/** The whole read as text: stats, packets, anomalies (with their examples). */
export function describeRead(r: ReadResult): string {
  const s = r.stats;
  const lines = [
    `format ${s.format} packets ${s.packets} bytes ${s.bytes} damaged ${s.damaged} fatal ${s.fatal}${s.stoppedAt !== undefined ? ` stoppedAt 0x${s.stoppedAt.toString(16)}` : ''}`,
    ...s.interfaces.map((i) => `interface ${JSON.stringify(i)}`),
    ...r.packets.map((p, i) => describePacket(p, i)),
  ];
  for (const a of r.anomalies.summary()) {
    lines.push(`anomaly ${a.code} ${a.severity} x${a.count}`);
    for (const e of a.examples) lines.push(`  ${e.message}`);
  }
  return `${lines.join('\n')}\n`;
}
