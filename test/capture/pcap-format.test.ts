/** Classic pcap: both magics, both byte orders, snaplen, FCS bits, versions, timestamps. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { at, ethernet, tcpSession, toFrames, udpExchange, writePcap, mergeByTime, type CapturedFrame } from '../support/capture-writer.js';
import { readAll } from '../support/packet-dump.js';

const frames: CapturedFrame[] = toFrames(
  mergeByTime(
    tcpSession({ client: '10.0.0.1:40000', server: '10.0.0.2:80', start: at(1_700_000_000, 123_456_789), request: 'GET / HTTP/1.0\r\n\r\n' }),
    udpExchange({ client: '[2001:db8::1]:5000', server: '[2001:db8::2]:53', start: at(1_700_000_000, 500_000_001), response: 'x' }),
  ),
);

describe('classic pcap', () => {
  it('reads microsecond and nanosecond files in both byte orders alike', () => {
    const results = [
      readAll(writePcap(frames)),
      readAll(writePcap(frames, { bigEndian: true })),
      readAll(writePcap(frames, { nanos: true })),
      readAll(writePcap(frames, { nanos: true, bigEndian: true })),
    ];
    const strip = (r: (typeof results)[number]): unknown => r.packets.map((p) => ({ ...p, tsNsec: Math.floor(p.tsNsec / 1000) }));
    for (const r of results) {
      expect(r.stats.packets).toBe(frames.length);
      expect(r.anomalies.count()).toBe(0);
      expect(strip(r)).toEqual(strip(results[0] ?? r));
    }
    expect(results[0]?.stats.interfaces).toEqual([{ id: 0, linkType: 1, tsresolNanos: 1000, snaplen: 262144, section: 0 }]);
    expect(results[2]?.stats.interfaces[0]?.tsresolNanos).toBe(1);
  });

  it('keeps nanoseconds exactly in nanosecond files and microseconds in the others', () => {
    const us = readAll(writePcap(frames)).packets[0];
    const ns = readAll(writePcap(frames, { nanos: true, bigEndian: true })).packets[0];
    expect([us?.tsSec, us?.tsNsec]).toEqual([1_700_000_000, 123_456_000]);
    expect([ns?.tsSec, ns?.tsNsec]).toEqual([1_700_000_000, 123_456_789]);
  });

  it('reads seconds as unsigned 32-bit (past 2038)', () => {
    const r = readAll(writePcap([{ ts: at(0xfffffff0, 999_999_000), frame: frames[0]?.frame ?? ethernet(Buffer.alloc(0)) }]));
    expect(r.packets[0]).toMatchObject({ tsSec: 0xfffffff0, tsNsec: 999_999_000 });
  });

  it('record offsets point at the record headers', () => {
    const buf = writePcap(frames);
    const r = readAll(buf);
    let off = 24;
    for (const p of r.packets) {
      expect(p.offset).toBe(off);
      off += 16 + p.capLen;
    }
    expect(off).toBe(buf.length);
    expect(r.stats.bytes).toBe(buf.length);
  });

  it('captured vs original length: snaplen cuts, the original length is kept', () => {
    const r = readAll(writePcap(frames, { snaplen: 60 }));
    const data = r.packets.find((p) => p.payloadWireLen > 0 && p.proto === 6);
    expect(data).toMatchObject({ capLen: 60, payloadLen: 6 });
    expect(data?.origLen).toBeGreaterThan(60);
    expect(r.stats.interfaces[0]?.snaplen).toBe(60);
    // The IPv6 UDP packets lose their UDP header past byte 60: ports kept, header counted as cut.
    expect(r.anomalies.count()).toBe(2);
    expect(r.anomalies.count('truncated-udp')).toBe(2);
    expect(r.packets.filter((p) => p.ipVersion === 6).every((p) => p.srcPort !== 0)).toBe(true);
  });

  it('a captured length above the original length or the snaplen is counted, not fatal', () => {
    const f0 = frames[0];
    if (f0 === undefined) throw new Error('no frame');
    const r = readAll(writePcap([{ ...f0, origLen: 10 }], { snaplen: 40, linkType: 1 }));
    // writePcap cuts to the snaplen; make a file whose record exceeds it by patching the header.
    const buf = Buffer.from(writePcap([f0], { snaplen: 1000 }));
    buf.writeUInt32LE(40, 16);
    const r2 = readAll(buf);
    expect(r.anomalies.count('caplen-exceeds-origlen')).toBe(1);
    expect(r2.anomalies.count('caplen-exceeds-snaplen')).toBe(1);
    expect(r2.stats.packets).toBe(1);
    expect(r2.stats.fatal).toBe(false);
  });

  it('reads the FCS bits of the link type field', () => {
    const r = readAll(writePcap(frames.slice(0, 1), { linkTypeField: (1 | 0x04000000 | (2 << 28)) >>> 0 }));
    expect(r.stats.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: 4 });
    expect(r.packets[0]?.srcPort).toBe(40000);
  });

  it('refuses reserved link type bits and version 1 with an error anomaly, not an exception', () => {
    const reserved = readAll(writePcap(frames, { linkTypeField: 0x00800001 }), 'r.pcap');
    expect(reserved.stats).toMatchObject({ packets: 0, fatal: true, damaged: true });
    expect(reserved.anomalies.summary()[0]).toMatchObject({ code: 'bad-file-header', severity: 'error' });
    expect(reserved.anomalies.summary()[0]?.examples[0]?.message).toBe(
      'r.pcap@0x14: link type field 0x800001 has reserved bits set; reading stopped',
    );
    const v1 = readAll(writePcap(frames, { versionMajor: 1 }), 'v1.pcap');
    expect(v1.stats).toMatchObject({ packets: 0, fatal: true });
    expect(v1.anomalies.summary()[0]?.examples[0]?.message).toBe('v1.pcap@0x4: pcap version 1.4 is not readable (only 2.x is); reading stopped');
  });

  it('reads version 2.5 with a warning, and 2.2 with its swapped length fields', () => {
    const v25 = readAll(writePcap(frames, { versionMinor: 5 }));
    expect(v25.stats.packets).toBe(frames.length);
    expect(v25.anomalies.count('unusual-version')).toBe(1);
    const buf = Buffer.from(writePcap(frames.slice(0, 2), { versionMinor: 2, snaplen: 50 }));
    // Version 2.2 writers put the original length first.
    let off = 24;
    for (let i = 0; i < 2; i++) {
      const cap = buf.readUInt32LE(off + 8);
      const orig = buf.readUInt32LE(off + 12);
      buf.writeUInt32LE(orig, off + 8);
      buf.writeUInt32LE(cap, off + 12);
      off += 16 + cap;
    }
    const v22 = readAll(buf);
    expect(v22.packets.map((p) => [p.capLen, p.origLen])).toEqual([
      [50, 54],
      [50, 54],
    ]);
  });

  it('carries a fraction of a second or more into the seconds, counting bad-timestamp', () => {
    const buf = Buffer.from(writePcap(frames.slice(0, 1), { nanos: true }));
    buf.writeUInt32LE(2_147_483_648, 24 + 4);
    const r = readAll(buf);
    expect(r.packets[0]).toMatchObject({ tsSec: 1_700_000_002, tsNsec: 147_483_648 });
    expect(r.anomalies.count('bad-timestamp')).toBe(1);
  });

  it('an empty capture (header only) has no packets and no damage', () => {
    const r = readAll(writePcap([], { linkType: 1 }));
    expect(r.stats).toMatchObject({ packets: 0, damaged: false, fatal: false });
  });

  it('a file that is not a capture throws InputError with its magic', () => {
    expect(() => readAll(Buffer.from('{"hello": 1}'), 'notes.json')).toThrow(InputError);
    expect(() => readAll(Buffer.from('{"hello": 1}'), 'notes.json')).toThrow('notes.json: not a pcap or pcapng file (magic 0x7b226865)');
    expect(() => readAll(Buffer.alloc(0), 'empty.pcap')).toThrow('empty.pcap: not a pcap or pcapng file (empty file)');
    expect(() => readAll(Buffer.from([0xd4, 0xc3]), 'two.pcap')).toThrow('two.pcap: not a pcap or pcapng file (magic 0xd4c3)');
  });
});
