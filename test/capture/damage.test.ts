/** Damaged captures: cut records, absurd lengths, bad blocks; what was read before is kept. */
import { describe, expect, it } from 'vitest';
import { at, packetBlocks, tcpSession, toFrames, writePcap, writePcapng } from '../support/capture-writer.js';
import { readAll } from '../support/packet-dump.js';

const frames = toFrames(tcpSession({ client: '10.0.0.1:40000', server: '10.0.0.2:80', start: at(1_700_000_000), request: 'x'.repeat(100) }));
const pcap = writePcap(frames);
const pcapng = writePcapng({ interfaces: [{ linkType: 1 }], blocks: packetBlocks(frames) });

/** Record offsets of a classic pcap buffer. */
function pcapRecords(buf: Buffer): number[] {
  const out: number[] = [];
  for (let off = 24; off + 16 <= buf.length; off += 16 + buf.readUInt32LE(off + 8)) out.push(off);
  return out;
}

/** Block offsets of a little-endian pcapng buffer. */
function pcapngBlocks(buf: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + 8 <= buf.length; off += buf.readUInt32LE(off + 4)) out.push(off);
  return out;
}

describe('damaged captures', () => {
  it('pcap cut mid-record: a warning with file and offset, every earlier packet kept', () => {
    const recs = pcapRecords(pcap);
    const last = recs[recs.length - 1] ?? 0;
    const cut = pcap.subarray(0, last + 16 + 5);
    const r = readAll(cut, 'cap.pcap');
    expect(r.stats.packets).toBe(frames.length - 1);
    expect(r.stats).toMatchObject({ damaged: true, fatal: false, stoppedAt: last });
    const a = r.anomalies.summary();
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ code: 'truncated-record', severity: 'warning', count: 1 });
    const need = 16 + pcap.readUInt32LE(last + 8);
    expect(a[0]?.examples[0]).toEqual({
      code: 'truncated-record',
      severity: 'warning',
      message: `cap.pcap@0x${last.toString(16)}: truncated packet record (need ${need} bytes, have 21)`,
      file: 'cap.pcap',
      offset: last,
    });
  });

  it('pcap cut inside a record header or the file header', () => {
    const recs = pcapRecords(pcap);
    const second = recs[1] ?? 0;
    const r = readAll(pcap.subarray(0, second + 7), 'h.pcap');
    expect(r.stats.packets).toBe(1);
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(`h.pcap@0x${second.toString(16)}: truncated packet record header (need 16 bytes, have 7)`);
    const f = readAll(pcap.subarray(0, 10), 'f.pcap');
    expect(f.stats.packets).toBe(0);
    expect(f.anomalies.summary()[0]?.examples[0]?.message).toBe('f.pcap@0x0: truncated pcap file header (need 24 bytes, have 10)');
  });

  it('pcap absurd captured length: an error with the offset, reading stops, fatal', () => {
    const recs = pcapRecords(pcap);
    const third = recs[2] ?? 0;
    const bad = Buffer.from(pcap);
    bad.writeUInt32LE(300_000, third + 8);
    const r = readAll(bad, 'big.pcap');
    expect(r.stats).toMatchObject({ packets: 2, fatal: true, damaged: true, stoppedAt: third });
    expect(r.anomalies.summary()[0]).toMatchObject({ code: 'bad-record-length', severity: 'error' });
    expect(r.anomalies.hasErrors()).toBe(true);
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(
      `big.pcap@0x${third.toString(16)}: absurd captured length 300000 in packet record (snaplen 262144, limit 262144); reading stopped`,
    );
  });

  it('pcap captured length far above a small snaplen is absurd too', () => {
    const small = Buffer.from(writePcap(frames, { snaplen: 128 }));
    const recs = pcapRecords(small);
    small.writeUInt32LE(128 + 65536 + 1, (recs[1] ?? 0) + 8);
    const r = readAll(small);
    expect(r.stats).toMatchObject({ packets: 1, fatal: true });
  });

  it('pcapng cut mid-block names the block type', () => {
    const blocks = pcapngBlocks(pcapng);
    const last = blocks[blocks.length - 1] ?? 0;
    const r = readAll(pcapng.subarray(0, last + 20), 'cap.pcapng');
    expect(r.stats.packets).toBe(frames.length - 1);
    const need = pcapng.readUInt32LE(last + 4);
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(
      `cap.pcapng@0x${last.toString(16)}: truncated enhanced packet block (need ${need} bytes, have 20)`,
    );
    const header = readAll(pcapng.subarray(0, last + 5), 'cap.pcapng');
    expect(header.anomalies.summary()[0]?.examples[0]?.message).toBe(`cap.pcapng@0x${last.toString(16)}: truncated block header (need 12 bytes, have 5)`);
  });

  it('pcapng block lengths below 12, not a multiple of 4, or too large stop reading with an error', () => {
    const blocks = pcapngBlocks(pcapng);
    const third = blocks[3] ?? 0;
    for (const [len, text] of [
      [8, 'enhanced packet block with total length 8 (at least 12 and a multiple of 4 required)'],
      [90, 'enhanced packet block with total length 90 (at least 12 and a multiple of 4 required)'],
      [64 * 1024 * 1024, `absurd enhanced packet block length ${64 * 1024 * 1024} (limit ${32 + 256 * 1024 + 64 * 1024})`],
    ] as const) {
      const bad = Buffer.from(pcapng);
      bad.writeUInt32LE(len, third + 4);
      const r = readAll(bad, 'b.pcapng');
      expect(r.stats).toMatchObject({ packets: 1, fatal: true, stoppedAt: third });
      expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(`b.pcapng@0x${third.toString(16)}: ${text}; reading stopped`);
    }
  });

  it('pcapng trailing length mismatch stops reading with an error', () => {
    const blocks = pcapngBlocks(pcapng);
    const second = blocks[2] ?? 0;
    const len = pcapng.readUInt32LE(second + 4);
    const bad = Buffer.from(pcapng);
    bad.writeUInt32LE(len + 8, second + len - 4);
    const r = readAll(bad, 't.pcapng');
    expect(r.stats).toMatchObject({ packets: 0, fatal: true });
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe(
      `t.pcapng@0x${second.toString(16)}: enhanced packet block length ${len} does not match its trailing length ${len + 8}; reading stopped`,
    );
  });

  it('pcapng captured length larger than its block: the block is skipped, reading goes on', () => {
    const blocks = pcapngBlocks(pcapng);
    const second = blocks[2] ?? 0;
    const bad = Buffer.from(pcapng);
    bad.writeUInt32LE(5000, second + 20);
    const r = readAll(bad);
    expect(r.stats).toMatchObject({ packets: frames.length - 1, fatal: false, damaged: true });
    expect(r.anomalies.count('bad-record-length')).toBe(1);
  });

  it('pcapng section header with a bad byte-order magic is fatal', () => {
    const bad = Buffer.from(pcapng);
    bad.writeUInt32LE(0x11223344, 8);
    const r = readAll(bad, 's.pcapng');
    expect(r.stats).toMatchObject({ packets: 0, fatal: true });
    expect(r.anomalies.summary()[0]?.examples[0]?.message).toBe('s.pcapng@0x0: section header block with byte-order magic 0x44332211; reading stopped');
  });
});
