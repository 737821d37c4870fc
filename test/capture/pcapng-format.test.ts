/** pcapng: sections, byte orders, interfaces, resolutions, packet block kinds, skipped blocks. */
import { describe, expect, it } from 'vitest';
import {
  at,
  ethernet,
  ipv4,
  packetBlocks,
  rawIp,
  sll,
  tcp,
  tcpSession,
  toFrames,
  udp,
  writePcapng,
  type CapturedFrame,
  type PcapngBlock,
} from '../support/capture-writer.js';
import { readAll } from '../support/packet-dump.js';

const v4 = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, udp({ srcPort: 1111, dstPort: 2222 }, 'payload'));
const T = 1_700_000_000;

function pkt(ts: bigint, interfaceId = 0, extra: Partial<CapturedFrame> = {}): PcapngBlock {
  return { kind: 'packet', ts, interfaceId, frame: ethernet(v4), ...extra };
}

describe('pcapng', () => {
  it('two interfaces of different link types and resolutions', () => {
    const buf = writePcapng({
      interfaces: [
        { linkType: 1, tsresol: 9, name: 'eth0' },
        { linkType: 101, tsresol: 3, snaplen: 128 },
      ],
      blocks: [pkt(at(T, 123_456_789), 0), { kind: 'packet', ts: at(T + 1, 987_654_321), interfaceId: 1, frame: rawIp(v4) }],
    });
    const r = readAll(buf, 'two.pcapng');
    expect(r.stats.format).toBe('pcapng');
    expect(r.stats.interfaces).toEqual([
      { id: 0, linkType: 1, tsresolNanos: 1, snaplen: 0, section: 0, name: 'eth0' },
      { id: 1, linkType: 101, tsresolNanos: 1_000_000, snaplen: 128, section: 0 },
    ]);
    expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.srcPort])).toEqual([
      [0, 1, T, 123_456_789, 1111],
      [1, 101, T + 1, 987_000_000, 1111],
    ]);
    expect(r.anomalies.count()).toBe(0);
  });

  it('power-of-two resolutions and if_tsoffset', () => {
    // 2^-10 s units with an offset: 1.5 s after the offset is 1536 units.
    const buf = writePcapng({
      interfaces: [
        { linkType: 1, tsresol: 0x80 | 10, tsoffset: T },
        { linkType: 1, tsresol: 0x80 | 20, tsoffset: -5 },
      ],
      blocks: [pkt(at(T + 1, 500_000_000), 0), pkt(at(T, 250_000_000), 1)],
    });
    const r = readAll(buf);
    expect(r.stats.interfaces.map((i) => [i.tsresolNanos, i.tsOffsetSeconds])).toEqual([
      [1e9 / 1024, T],
      [1e9 / 2 ** 20, -5],
    ]);
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [T + 1, 500_000_000],
      [T, 250_000_000],
    ]);
  });

  it('resolutions beyond nanoseconds (picoseconds, 2^-40) read exactly through the slow path', () => {
    const buf = writePcapng({
      interfaces: [
        { linkType: 1, tsresol: 12 },
        { linkType: 1, tsresol: 0x80 | 30 },
      ],
      blocks: [pkt(at(1_000_000, 123_456_789), 0), pkt(at(1_000_000, 500_000_000), 1)],
    });
    const r = readAll(buf);
    expect(r.packets.map((p) => [p.tsSec, p.tsNsec])).toEqual([
      [1_000_000, 123_456_789],
      [1_000_000, 500_000_000],
    ]);
  });

  it('several sections with different byte orders; interface ids continue across sections', () => {
    const buf = writePcapng([
      { interfaces: [{ linkType: 1 }], blocks: [pkt(at(T), 0)] },
      { bigEndian: true, interfaces: [{ linkType: 113, tsresol: 9 }, { linkType: 1 }], blocks: [{ kind: 'packet', ts: at(T + 1, 1), interfaceId: 0, frame: sll(v4) }, pkt(at(T + 2), 1)] },
      { interfaces: [{ linkType: 101 }], blocks: [{ kind: 'packet', ts: at(T + 3), frame: rawIp(v4) }] },
    ]);
    const r = readAll(buf);
    expect(r.stats.interfaces.map((i) => [i.id, i.linkType, i.section])).toEqual([
      [0, 1, 0],
      [1, 113, 1],
      [2, 1, 1],
      [3, 101, 2],
    ]);
    expect(r.packets.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.src, p.dstPort])).toEqual([
      [0, 1, T, 0, '10.0.0.1', 2222],
      [1, 113, T + 1, 1, '10.0.0.1', 2222],
      [2, 1, T + 2, 0, '10.0.0.1', 2222],
      [3, 101, T + 3, 0, '10.0.0.1', 2222],
    ]);
    expect(r.anomalies.count()).toBe(0);
  });

  it('Simple Packet Blocks: interface 0, its snaplen, original length from the block, previous timestamp', () => {
    const big = ipv4({ src: '10.0.0.1', dst: '10.0.0.2' }, tcp({ srcPort: 5, dstPort: 6, flags: 'PA' }, 'z'.repeat(200)));
    const buf = writePcapng({
      interfaces: [{ linkType: 1, snaplen: 100 }],
      blocks: [pkt(at(T, 42_000)), { kind: 'packet', ts: at(0), frame: ethernet(big), block: 'spb' }],
    });
    const r = readAll(buf);
    expect(r.packets[1]).toMatchObject({ capLen: 100, origLen: 254, tsSec: T, tsNsec: 42_000, srcPort: 5, payloadLen: 46, payloadWireLen: 200 });
  });

  it('obsolete Packet Blocks carry a 16-bit interface id', () => {
    const buf = writePcapng({
      bigEndian: true,
      interfaces: [{ linkType: 101 }, { linkType: 1, tsresol: 9 }],
      blocks: [{ kind: 'packet', ts: at(T, 7), interfaceId: 1, frame: ethernet(v4), block: 'pb' }],
    });
    expect(readAll(buf).packets[0]).toMatchObject({ interfaceId: 1, linkType: 1, tsSec: T, tsNsec: 7, srcPort: 1111 });
  });

  it('skips NRB, ISB, DSB, custom and unknown blocks by their length, and IDBs between packets work', () => {
    const buf = writePcapng({
      interfaces: [{ linkType: 1 }],
      blocks: [
        { kind: 'nrb', entries: [{ ip: '10.0.0.1', name: 'a' }, { ip: '2001:db8::1', name: 'b' }] },
        pkt(at(T)),
        { kind: 'isb', interfaceId: 0 },
        { kind: 'dsb', secrets: 'x'.repeat(33) },
        { kind: 'custom', data: 'abc' },
        { kind: 'custom', noCopy: true },
        { kind: 'unknown', type: 0x12345678, body: 'hello' },
        { kind: 'unknown', type: 9 },
        { kind: 'idb', iface: { linkType: 101 } },
        { kind: 'packet', ts: at(T + 1), interfaceId: 1, frame: rawIp(v4) },
      ],
    });
    const r = readAll(buf);
    expect(r.stats.packets).toBe(2);
    expect(r.packets.map((p) => p.linkType)).toEqual([1, 101]);
    expect(r.anomalies.count()).toBe(0);
  });

  it('a packet naming an interface the section has not described is skipped with a warning', () => {
    const buf = writePcapng({ interfaces: [{ linkType: 1 }], blocks: [pkt(at(T), 3), pkt(at(T), 0)] });
    const r = readAll(buf, 'x.pcapng');
    expect(r.stats.packets).toBe(1);
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(
      'x.pcapng@0x30: enhanced packet block names interface 3, which this section has not described; packet skipped',
    );
  });

  it('a section of another version is skipped up to the next section header', () => {
    const buf = writePcapng([
      { versionMajor: 2, interfaces: [{ linkType: 1 }], blocks: [pkt(at(T))] },
      { interfaces: [{ linkType: 1 }], blocks: [pkt(at(T + 1))] },
    ]);
    const r = readAll(buf, 'v.pcapng');
    expect(r.packets.map((p) => p.tsSec)).toEqual([T + 1]);
    expect(r.stats).toMatchObject({ damaged: true, fatal: false });
    expect(r.anomalies.summary()[0]).toMatchObject({ code: 'unsupported-version', severity: 'error' });
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe('v.pcapng@0xc: pcapng section version 2.0 is not readable (1.0 is); section skipped');
  });

  it('an option list running past its block is reported and the interface kept', () => {
    const buf = Buffer.from(writePcapng({ interfaces: [{ linkType: 1, name: 'eth0' }], blocks: [pkt(at(T))] }));
    // The IDB's first option (if_name) claims 200 bytes.
    const idb = 28;
    expect(buf.readUInt16LE(idb + 16)).toBe(2);
    buf.writeUInt16LE(200, idb + 18);
    const r = readAll(buf, 'o.pcapng');
    expect(r.stats.packets).toBe(1);
    expect(r.anomalies.count('bad-option')).toBe(1);
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toMatch(/^o\.pcapng@0x30: truncated option 2 \(need 200 bytes, have \d+\) in the interface description block at 0x1c/);
  });

  it('reads a realistic session in a big-endian file the same as little-endian', () => {
    const frames = toFrames(tcpSession({ client: '10.1.1.1:1234', server: '10.2.2.2:22', request: 'SSH-2.0-x\r\n' }));
    const le = readAll(writePcapng({ interfaces: [{ linkType: 1, tsresol: 9 }], blocks: packetBlocks(frames) }));
    const be = readAll(writePcapng({ bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9 }], blocks: packetBlocks(frames) }));
    expect(be.packets).toEqual(le.packets);
    expect(le.packets.length).toBe(frames.length);
  });
});
