/** IP and transport decoding: options, fragments, extension headers, ICMP quotes, cut headers. */
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { formatAddress } from '../../src/ingest/decode/address.js';
import { decodeFrame } from '../../src/ingest/decode/frame.js';
import { createDecodedPacket } from '../../src/ingest/decode/packet.js';
import {
  at,
  ethernet,
  fragmentIpv4,
  fragmentIpv6,
  icmp,
  icmpErrorFor,
  icmpv6,
  ipv4,
  ipv6,
  parseIp,
  rawIp,
  rawTransport,
  sctp,
  sctpInitChunk,
  tcp,
  udp,
  writePcap,
} from '../support/capture-writer.js';
import { decodeOne, readAll, viewOf } from '../support/packet-dump.js';

const A = '192.0.2.1';
const B = '198.51.100.2';
const A6 = '2001:db8::1';
const B6 = '2001:db8::2';

describe('IPv4', () => {
  it('skips options by the header length', () => {
    const p = ipv4({ src: A, dst: B, options: [0x94, 0x04, 0, 0, 0x07, 0x07, 0x04, 0, 0, 0, 0] }, udp({ srcPort: 1000, dstPort: 2000 }, 'data'));
    const { view, anomalies } = decodeOne(p.bytes, 101);
    expect(p.bytes.readUInt8(0) & 15).toBe(8);
    expect(view).toMatchObject({ ipVersion: 4, proto: 17, srcPort: 1000, dstPort: 2000, payload: 'data', ipLen: 44 });
    expect(anomalies.count()).toBe(0);
  });

  it('excludes Ethernet padding from the payload', () => {
    const f = ethernet(ipv4({ src: A, dst: B }, tcp({ srcPort: 1, dstPort: 2, flags: 'A' })), { pad: true });
    expect(f.data.length).toBe(60);
    const { view } = decodeOne(f.data, 1);
    expect(view).toMatchObject({ payloadLen: 0, payloadWireLen: 0, ipLen: 40 });
  });

  it('keeps addresses and protocol when the options are cut; counts truncated-ipv4', () => {
    const p = ipv4({ src: A, dst: B, options: Buffer.alloc(20, 1) }, tcp({ srcPort: 1, dstPort: 2 }));
    const { view, anomalies } = decodeOne(p.bytes, 101, 30, p.bytes.length);
    expect(view).toMatchObject({ ipVersion: 4, src: A, dst: B, proto: 6, srcPort: 0 });
    expect(anomalies.count('truncated-ipv4')).toBe(1);
    expect(anomalies.summary()[0]?.examples[0]?.message).toBe('frame@0x0: truncated IPv4 options (need 40 bytes, have 30)');
  });

  it('a header shorter than 20 bytes gives no IP', () => {
    const p = ipv4({ src: A, dst: B }, udp({ srcPort: 1, dstPort: 2 }));
    const r = decodeOne(p.bytes, 101, 19, p.bytes.length);
    expect(r.view.ipVersion).toBe(0);
    expect(r.anomalies.count('truncated-ipv4')).toBe(1);
    const bad = Buffer.from(p.bytes);
    bad[0] = 0x44;
    const r2 = decodeOne(bad, 101);
    expect(r2.view.ipVersion).toBe(0);
    expect(r2.anomalies.count('bad-ipv4-header')).toBe(1);
  });

  it('total length 0 (segmentation offload) uses the captured bytes', () => {
    const p = ipv4({ src: A, dst: B, totalLength: 0 }, tcp({ srcPort: 1, dstPort: 2, flags: 'PA' }, 'x'.repeat(100)));
    const { view, anomalies } = decodeOne(p.bytes, 101);
    expect(view).toMatchObject({ ipLen: 0, payloadLen: 100, payloadWireLen: 100 });
    expect(anomalies.count()).toBe(0);
  });

  it('a total length past the end of an unsnapped frame is counted', () => {
    const p = ipv4({ src: A, dst: B, totalLength: 500 }, udp({ srcPort: 1, dstPort: 2 }, 'abc'));
    const { view, anomalies } = decodeOne(p.bytes, 101);
    expect(view.srcPort).toBe(1);
    expect(anomalies.count('bad-ipv4-length')).toBe(1);
  });

  it('fragments: first fragment = 1, later = 2 with the first fragment ports, bounded by datagram', () => {
    const big = ipv4({ src: A, dst: B, id: 0x5151 }, udp({ srcPort: 4000, dstPort: 2049 }, Buffer.alloc(3000, 0x41)));
    const other = ipv4({ src: A, dst: B, id: 0x5252 }, udp({ srcPort: 4001, dstPort: 2050 }, Buffer.alloc(2000, 0x42)));
    const f1 = fragmentIpv4(big, 1480);
    const f2 = fragmentIpv4(other, 1480);
    const order = [f1[0], f2[0], f1[1], f2[1], f1[2]];
    const r = readAll(writePcap(order.map((p, i) => ({ ts: at(1_700_000_000, i), frame: rawIp(p ?? big) }))));
    expect(r.packets.map((p) => [p.fragment, p.fragId, p.srcPort, p.dstPort])).toEqual([
      [1, 0x5151, 4000, 2049],
      [1, 0x5252, 4001, 2050],
      [2, 0x5151, 4000, 2049],
      [2, 0x5252, 4001, 2050],
      [2, 0x5151, 4000, 2049],
    ]);
    expect(r.packets[0]).toMatchObject({ payloadLen: 1472, payloadWireLen: 3000 });
    expect(r.packets[2]).toMatchObject({ payloadLen: 1480, payloadWireLen: 1480, tcpFlags: 0 });
    expect(r.anomalies.count()).toBe(0);
  });

  it('a later fragment seen before its first one gets no ports', () => {
    const big = ipv4({ src: A, dst: B, id: 9 }, tcp({ srcPort: 5, dstPort: 80, flags: 'PA' }, Buffer.alloc(2000)));
    const frags = fragmentIpv4(big, 1480).reverse();
    const r = readAll(writePcap(frags.map((p, i) => ({ ts: at(1_700_000_000, i), frame: rawIp(p) }))));
    expect(r.packets.map((p) => [p.fragment, p.srcPort, p.dstPort])).toEqual([
      [2, 0, 0],
      [1, 5, 80],
    ]);
  });

  it('fragment state is per reader: a later fragment in another capture is not given ports', () => {
    const big = ipv4({ src: A, dst: B, id: 10 }, udp({ srcPort: 6, dstPort: 7 }, Buffer.alloc(2000)));
    const [first, second] = fragmentIpv4(big, 1480);
    if (first === undefined || second === undefined) throw new Error('no fragments');
    readAll(writePcap([{ ts: at(1), frame: rawIp(first) }]));
    const r = readAll(writePcap([{ ts: at(2), frame: rawIp(second) }]));
    expect(r.packets[0]).toMatchObject({ fragment: 2, srcPort: 0 });
  });

  it('other IP protocols keep their number and no ports', () => {
    const gre = ipv4({ src: A, dst: B }, rawTransport(47, [0, 0, 0x08, 0x00]));
    const { view } = decodeOne(gre.bytes, 101);
    expect(view).toMatchObject({ ipVersion: 4, proto: 47, srcPort: 0, dstPort: 0, payloadLen: 4 });
  });
});

describe('IPv6', () => {
  it('walks hop-by-hop, routing, destination options and AH to the transport', () => {
    const p = ipv6(
      { src: A6, dst: B6, extensions: [{ kind: 'hop-by-hop', length: 24 }, { kind: 'routing', addresses: ['2001:db8::9', '2001:db8::8'] }, { kind: 'destination' }, { kind: 'ah', icvLength: 16 }] },
      tcp({ srcPort: 179, dstPort: 50000, flags: 'SA', seq: 1, ack: 2 }),
    );
    const { view, anomalies } = decodeOne(p.bytes, 101);
    expect(view).toMatchObject({ ipVersion: 6, proto: 6, srcPort: 179, dstPort: 50000, tcpFlags: 0x12, tcpSeq: 1, tcpAck: 2 });
    expect(anomalies.count()).toBe(0);
  });

  it('stops at ESP and at no-next-header', () => {
    const esp = ipv6({ src: A6, dst: B6, extensions: [{ kind: 'hop-by-hop' }, { kind: 'esp' }] }, udp({ srcPort: 1, dstPort: 2 }));
    expect(decodeOne(esp.bytes, 101).view).toMatchObject({ proto: 50, srcPort: 0, dstPort: 0 });
    const none = ipv6({ src: A6, dst: B6 }, rawTransport(59, []));
    expect(decodeOne(none.bytes, 101).view).toMatchObject({ proto: 59, srcPort: 0 });
  });

  it('fragments: first fragment ports go to later ones; an atomic fragment is a whole datagram', () => {
    const big = ipv6({ src: A6, dst: B6 }, udp({ srcPort: 3333, dstPort: 4444 }, Buffer.alloc(3000, 0x66)));
    const frags = fragmentIpv6(big, 1232, 0xabcdef01);
    const r = readAll(writePcap(frags.map((p, i) => ({ ts: at(1_700_000_000, i), frame: rawIp(p) }))));
    expect(r.packets.map((p) => [p.fragment, p.fragId, p.proto, p.srcPort, p.dstPort])).toEqual([
      [1, 0xabcdef01, 17, 3333, 4444],
      [2, 0xabcdef01, 17, 3333, 4444],
      [2, 0xabcdef01, 17, 3333, 4444],
    ]);
    const atomic = ipv6({ src: A6, dst: B6, extensions: [{ kind: 'fragment', offset: 0, more: false }] }, udp({ srcPort: 1, dstPort: 2 }, 'x'));
    expect(decodeOne(atomic.bytes, 101).view).toMatchObject({ fragment: 0, srcPort: 1, dstPort: 2, payload: 'x' });
  });

  it('a chain cut by the capture counts truncated-ipv6 and keeps the address', () => {
    const p = ipv6({ src: A6, dst: B6, extensions: [{ kind: 'hop-by-hop', length: 64 }] }, tcp({ srcPort: 1, dstPort: 2 }));
    const { view, anomalies } = decodeOne(p.bytes, 101, 60, p.bytes.length);
    expect(view).toMatchObject({ ipVersion: 6, src: A6, srcPort: 0 });
    expect(anomalies.count('truncated-ipv6')).toBe(1);
    const short = decodeOne(p.bytes, 101, 39, p.bytes.length);
    expect(short.view.ipVersion).toBe(0);
  });
});

describe('transport', () => {
  it('TCP: ports, flags, sequence numbers, options and payload', () => {
    const p = ipv4({ src: A, dst: B }, tcp({ srcPort: 21, dstPort: 40000, flags: 'PA', seq: 0xfffffff0, ack: 12345, options: [2, 4, 5, 0xb4, 1, 1, 4, 2] }, '220 ready\r\n'));
    const { view } = decodeOne(p.bytes, 101);
    expect(view).toMatchObject({ srcPort: 21, dstPort: 40000, tcpFlags: 0x18, tcpSeq: 0xfffffff0, tcpAck: 12345, payload: '220 ready\r\n', payloadWireLen: 11 });
  });

  it('TCP cut after 14 bytes keeps ports, seq, ack and flags; bad data offset counted', () => {
    const p = ipv4({ src: A, dst: B }, tcp({ srcPort: 1234, dstPort: 80, flags: 'S', seq: 9, ack: 0 }));
    const { view, anomalies } = decodeOne(p.bytes, 101, 20 + 14, p.bytes.length);
    expect(view).toMatchObject({ srcPort: 1234, dstPort: 80, tcpFlags: 2, tcpSeq: 9, payloadLen: 0 });
    expect(anomalies.summary()[0]?.examples[0]?.message).toBe('frame@0x0: truncated TCP header (need 20 bytes, have 14)');
    const bad = ipv4({ src: A, dst: B }, tcp({ srcPort: 1, dstPort: 2, dataOffsetWords: 3 }, 'abc'));
    const r = decodeOne(bad.bytes, 101);
    expect(r.anomalies.count('bad-tcp-header')).toBe(1);
    expect(r.view).toMatchObject({ srcPort: 1, payloadLen: 0 });
  });

  it('TCP snapped inside its payload is not an anomaly', () => {
    const p = ipv4({ src: A, dst: B }, tcp({ srcPort: 1, dstPort: 2, flags: 'PA' }, 'x'.repeat(100)));
    const { view, anomalies } = decodeOne(p.bytes, 101, 60, p.bytes.length);
    expect(view).toMatchObject({ payloadLen: 20, payloadWireLen: 100 });
    expect(anomalies.count()).toBe(0);
  });

  it('UDP: payload bounded by the UDP length; a length beyond the datagram is counted', () => {
    const p = ipv6({ src: A6, dst: B6 }, udp({ srcPort: 53, dstPort: 5353 }, 'answer'));
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ payload: 'answer', payloadWireLen: 6 });
    const lying = ipv4({ src: A, dst: B }, udp({ srcPort: 1, dstPort: 2, length: 12 }, 'abcdefgh'));
    expect(decodeOne(lying.bytes, 101).view).toMatchObject({ payload: 'abcd', payloadWireLen: 4 });
    const big = ipv4({ src: A, dst: B }, udp({ srcPort: 1, dstPort: 2, length: 1000 }, 'abc'));
    expect(decodeOne(big.bytes, 101).anomalies.count('bad-udp-length')).toBe(1);
    const cut = decodeOne(big.bytes, 101, 24, big.bytes.length);
    expect(cut.view).toMatchObject({ srcPort: 1, dstPort: 2 });
    expect(cut.anomalies.count('truncated-udp')).toBe(1);
  });

  it('SCTP: ports from the common header', () => {
    const p = ipv4({ src: A, dst: B }, sctp({ srcPort: 2905, dstPort: 2905 }, sctpInitChunk()));
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ proto: 132, srcPort: 2905, dstPort: 2905, payloadLen: 20 });
    const cut = decodeOne(p.bytes, 101, 26, p.bytes.length);
    expect(cut.view.srcPort).toBe(2905);
    expect(cut.anomalies.count('truncated-sctp')).toBe(1);
  });

  it('ICMP echo: type, code and identifier; ports stay 0', () => {
    const p = ipv4({ src: A, dst: B }, icmp({ type: 8, id: 0xbeef, seq: 1 }, 'ping'));
    expect(decodeOne(p.bytes, 101).view).toMatchObject({ proto: 1, icmpType: 8, icmpCode: 0, icmpId: 0xbeef, srcPort: 0, dstPort: 0, embedded: null });
    const v6 = ipv6({ src: A6, dst: B6 }, icmpv6({ type: 129, id: 7, seq: 1 }));
    expect(decodeOne(v6.bytes, 101).view).toMatchObject({ proto: 58, icmpType: 129, icmpId: 7 });
    const ns = ipv6({ src: A6, dst: B6 }, icmpv6({ type: 135, id: 7 }));
    expect(decodeOne(ns.bytes, 101).view).toMatchObject({ icmpType: 135, icmpId: 0 });
  });

  it('ICMP errors (3, 4, 5, 11, 12) name the quoted flow', () => {
    const original = ipv4({ src: A, dst: B, options: [1, 1, 1, 1] }, tcp({ srcPort: 40000, dstPort: 3389, flags: 'S' }));
    for (const type of [3, 4, 5, 11, 12]) {
      const err = ipv4({ src: '203.0.113.1', dst: A }, icmpErrorFor(original, type, 1));
      const { view } = decodeOne(err.bytes, 101);
      expect(view.embedded).toEqual({ ipVersion: 4, src: A, dst: B, proto: 6, srcPort: 40000, dstPort: 3389, icmpType: -1, icmpId: 0 });
    }
    const info = ipv4({ src: B, dst: A }, icmp({ type: 0, id: 1 }, original.bytes));
    expect(decodeOne(info.bytes, 101).view.embedded).toBeNull();
  });

  it('a quote of the IP header alone names the flow without ports; a shorter one is counted', () => {
    const original = ipv4({ src: A, dst: B }, udp({ srcPort: 500, dstPort: 500 }));
    const headerOnly = ipv4({ src: B, dst: A }, icmpErrorFor(original, 3, 3, 20));
    expect(decodeOne(headerOnly.bytes, 101).view.embedded).toMatchObject({ src: A, dst: B, proto: 17, srcPort: 0, dstPort: 0 });
    const tooShort = ipv4({ src: B, dst: A }, icmpErrorFor(original, 3, 3, 12));
    const r = decodeOne(tooShort.bytes, 101);
    expect(r.view.embedded).toBeNull();
    expect(r.view.icmpType).toBe(3);
    expect(r.anomalies.count('truncated-icmp-quote')).toBe(1);
  });

  it('ICMP error quoting an echo request carries its identifier', () => {
    const ping = ipv4({ src: A, dst: B }, icmp({ type: 8, id: 0x4242, seq: 1 }, 'abcdefgh'));
    const err = ipv4({ src: '203.0.113.1', dst: A }, icmpErrorFor(ping, 11, 0));
    expect(decodeOne(err.bytes, 101).view.embedded).toMatchObject({ proto: 1, icmpType: 8, icmpId: 0x4242, srcPort: 0 });
  });

  it('ICMPv6 errors (1, 2, 3, 4) walk the quoted extension headers', () => {
    const original = ipv6({ src: A6, dst: B6, extensions: [{ kind: 'hop-by-hop' }, { kind: 'destination' }] }, udp({ srcPort: 547, dstPort: 546 }, 'reply'));
    for (const type of [1, 2, 3, 4]) {
      const err = ipv6({ src: '2001:db8::ff', dst: A6 }, icmpErrorFor(original, type, 4));
      expect(decodeOne(err.bytes, 101).view.embedded).toMatchObject({ ipVersion: 6, src: A6, dst: B6, proto: 17, srcPort: 547, dstPort: 546 });
    }
    const cut = ipv6({ src: '2001:db8::ff', dst: A6 }, icmpErrorFor(original, 1, 1, 44));
    expect(decodeOne(cut.bytes, 101).view.embedded).toMatchObject({ proto: 0, srcPort: 0 });
  });

  it('a cut ICMP header keeps type and code', () => {
    const p = ipv4({ src: A, dst: B }, icmp({ type: 3, code: 10 }));
    const r = decodeOne(p.bytes, 101, 22, p.bytes.length);
    expect(r.view).toMatchObject({ icmpType: 3, icmpCode: 10 });
    expect(r.anomalies.count('truncated-icmp')).toBe(1);
  });
});

describe('decodeFrame', () => {
  it('resets every field between packets of one scratch', () => {
    const pkt = createDecodedPacket();
    const log = new AnomalyLog();
    const errorPkt = ipv4({ src: B, dst: A }, icmpErrorFor(ipv4({ src: A, dst: B }, udp({ srcPort: 1, dstPort: 2 })), 3, 3));
    decodeFrame(pkt, errorPkt.bytes, 0, errorPkt.bytes.length, 101, log);
    expect(pkt.embedded.valid).toBe(true);
    const arp = ethernet(Buffer.alloc(28), { etherType: 0x0806 }).data;
    decodeFrame(pkt, arp, 0, arp.length, 1, log);
    expect(viewOf(pkt)).toMatchObject({ ipVersion: 0, proto: 0, srcPort: 0, icmpType: -1, embedded: null, vlan: -1, payloadLen: 0 });
  });

  it('decodes a frame at an offset inside a larger buffer and clamps lengths to the buffer', () => {
    const p = ipv4({ src: A, dst: B }, udp({ srcPort: 7, dstPort: 8 }, 'hi'));
    const buf = Buffer.concat([Buffer.alloc(10, 0xee), p.bytes, Buffer.alloc(5, 0xee)]);
    const pkt = createDecodedPacket();
    decodeFrame(pkt, buf, 10, p.bytes.length, 101, new AnomalyLog());
    expect(viewOf(pkt)).toMatchObject({ srcPort: 7, payload: 'hi' });
    expect(pkt.srcOff).toBe(22);
    decodeFrame(pkt, buf, 10, 10_000, 101, new AnomalyLog());
    expect(pkt.srcPort).toBe(7);
    expect(() => decodeFrame(pkt, buf, 10_000, 5, 101, new AnomalyLog())).not.toThrow();
    expect(() => decodeFrame(pkt, buf, -5, -1, 1, new AnomalyLog())).not.toThrow();
  });
});

describe('formatAddress', () => {
  const cases: Array<[string, string]> = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FE80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:0001', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} → ${expected}`, () => {
      expect(formatAddress(parseIp(input).bytes, 0, 6)).toBe(expected);
    });
  }
  it('IPv4 dotted quad at an offset', () => {
    expect(formatAddress(Buffer.from([9, 10, 0, 2, 255]), 1, 4)).toBe('10.0.2.255');
  });
});
