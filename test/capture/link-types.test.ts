/** Every link type the decoder reads, through a capture file and through decodeFrame. */
import { describe, expect, it } from 'vitest';
import { isLinkTypeSupported } from '../../src/ingest/decode/frame.js';
import {
  at,
  bareIp,
  ethernet,
  fddi,
  ipoib,
  ipv4,
  ipv6,
  linkFrame,
  loop,
  nflog,
  nullLoopback,
  pflog,
  ppp,
  rawIp,
  sll,
  sll2,
  tcp,
  udp,
  writePcap,
  type Frame,
  type IpPacket,
} from '../support/capture-writer.js';
import { decodeOne, readAll } from '../support/packet-dump.js';

const v4: IpPacket = ipv4({ src: '192.0.2.1', dst: '198.51.100.2' }, tcp({ srcPort: 40000, dstPort: 443, flags: 'S', seq: 77 }));
const v6: IpPacket = ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, udp({ srcPort: 5353, dstPort: 53 }, 'query'));

function expectV4(frame: Frame): void {
  const { view, anomalies } = decodeOne(frame.data, frame.linkType);
  expect(view).toMatchObject({ ipVersion: 4, src: '192.0.2.1', dst: '198.51.100.2', proto: 6, srcPort: 40000, dstPort: 443, tcpFlags: 0x02, tcpSeq: 77 });
  expect(anomalies.count()).toBe(0);
}

function expectV6(frame: Frame): void {
  const { view, anomalies } = decodeOne(frame.data, frame.linkType);
  expect(view).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', proto: 17, srcPort: 5353, dstPort: 53, payload: 'query' });
  expect(anomalies.count()).toBe(0);
}

describe('link types', () => {
  it('Ethernet II, untagged', () => {
    expectV4(ethernet(v4));
    expectV6(ethernet(v6));
    expect(decodeOne(ethernet(v4).data, 1).view.vlan).toBe(-1);
  });

  it('802.1Q, QinQ 0x88a8 and 0x9100: the outer VLAN id is kept', () => {
    const one = ethernet(v4, { vlan: 100 });
    expectV4(one);
    expect(decodeOne(one.data, 1).view.vlan).toBe(100);
    const qinq = ethernet(v6, { vlan: [2000, 30] });
    expectV6(qinq);
    expect(qinq.data.readUInt16BE(12)).toBe(0x88a8);
    expect(decodeOne(qinq.data, 1).view.vlan).toBe(2000);
    const old = ethernet(v4, { vlan: [7, 8, 9], tpids: [0x9100, 0x9100, 0x8100] });
    expectV4(old);
    expect(decodeOne(old.data, 1).view.vlan).toBe(7);
    const zero = ethernet(v4, { vlan: 0 });
    expect(decodeOne(zero.data, 1).view.vlan).toBe(0);
  });

  it('802.3 with LLC/SNAP carries an EtherType', () => {
    expectV4(ethernet(v4, { llcSnap: true }));
  });

  it('non-IP EtherTypes (ARP) give no IP and no anomaly', () => {
    const arp = ethernet(Buffer.alloc(28), { etherType: 0x0806 });
    const { view, anomalies } = decodeOne(arp.data, 1);
    expect(view.ipVersion).toBe(0);
    expect(anomalies.count()).toBe(0);
  });

  it('Linux cooked v1 (113) and v2 (276)', () => {
    expectV4(sll(v4));
    expectV6(sll(v6));
    expectV4(sll2(v4));
    expectV6(sll2(v6));
    expect(decodeOne(sll(v4, { protocol: 0x0806 }).data, 113).view.ipVersion).toBe(0);
    // A VLAN tag left in a cooked capture.
    const tagged = Buffer.concat([sll(v4, { protocol: 0x8100 }).data.subarray(0, 16), Buffer.from([0, 55, 0x08, 0x00]), v4.bytes]);
    const { view } = decodeOne(tagged, 113);
    expect(view).toMatchObject({ ipVersion: 4, vlan: 55, srcPort: 40000 });
  });

  it('BSD NULL (0): family in either byte order, AF_INET6 as 24, 28 or 30', () => {
    expectV4(nullLoopback(v4));
    expectV4(nullLoopback(v4, { bigEndian: true }));
    for (const family of [24, 28, 30]) {
      expectV6(nullLoopback(v6, { family }));
      expectV6(nullLoopback(v6, { family, bigEndian: true }));
    }
    expect(decodeOne(nullLoopback(v4, { family: 7 }).data, 0).view.ipVersion).toBe(0);
  });

  it('LOOP (108): family in network byte order', () => {
    expectV4(loop(v4));
    expectV6(loop(v6, { family: 30 }));
    // Little-endian family bytes are not a family LOOP knows.
    expect(decodeOne(nullLoopback(v4).data, 108).view.ipVersion).toBe(0);
  });

  it('raw IP (101, 12, 14) by the version nibble, and LINKTYPE_IPV4/IPV6 (228, 229)', () => {
    for (const lt of [101, 12, 14] as const) {
      expectV4(rawIp(v4, lt));
      expectV6(rawIp(v6, lt));
    }
    expectV4(bareIp(v4));
    expectV6(bareIp(v6));
    expect(bareIp(v4).linkType).toBe(228);
    expect(bareIp(v6).linkType).toBe(229);
    const bad = Buffer.from(v4.bytes);
    bad[0] = 0x55;
    const { view, anomalies } = decodeOne(bad, 101);
    expect(view.ipVersion).toBe(0);
    expect(anomalies.count('bad-ip-version')).toBe(1);
  });

  it('PFLOG (117): verdict, rule, direction, names; IPv4 and IPv6', () => {
    const blocked = pflog(v4, { action: 'block', direction: 'in', ifname: 'em0', ruleNumber: 12, reason: 0 });
    expectV4(blocked);
    expect(decodeOne(blocked.data, 117).view.pflog).toEqual({
      action: 1,
      ruleNumber: 12,
      direction: 1,
      ifname: 'em0',
      ruleset: '',
      reason: 0,
      subruleNumber: -1,
      af: 2,
    });
    const passed = pflog(v6, { action: 'pass', direction: 'out', ifname: 'vio0', ruleset: 'relayd', ruleNumber: -1, subruleNumber: 4, af: 28 });
    expectV6(passed);
    expect(decodeOne(passed.data, 117).view.pflog).toMatchObject({ action: 0, ruleNumber: -1, direction: 2, ifname: 'vio0', ruleset: 'relayd', subruleNumber: 4, af: 28 });
    // OpenBSD's longer header (length 100): the packet starts after it.
    const openbsd = pflog(v4, { action: 'block', length: 100, af: 2 });
    expect(openbsd.data.length).toBe(100 + v4.bytes.length);
    expectV4(openbsd);
  });

  it('PFLOG with a header too short for pf, or an unknown family', () => {
    const short = pflog(v4, { length: 40 });
    const r = decodeOne(short.data, 117);
    expect(r.view.pflog).toBeNull();
    expect(r.anomalies.count('bad-pflog-header')).toBe(1);
    const odd = decodeOne(pflog(v4, { af: 99, action: 'block' }).data, 117);
    expect(odd.view.ipVersion).toBe(0);
    expect(odd.view.pflog?.action).toBe(1);
  });

  it('MPLS label stacks over Ethernet and PPP', () => {
    const eth = ethernet(v4, { mplsLabels: [16, 17, 18] });
    expect(eth.data.readUInt16BE(12)).toBe(0x8847);
    expectV4(eth);
    expectV6(ethernet(v6, { vlan: 5, mplsLabels: [100] }));
    expectV4(ppp(v4, { mplsLabels: [30, 31] }));
    const cut = decodeOne(eth.data, 1, 20, eth.data.length);
    expect(cut.anomalies.count('truncated-mpls')).toBe(1);
  });

  it('PPP (9) and PPP in HDLC framing (50), compressed protocol field', () => {
    expectV4(ppp(v4));
    expectV6(ppp(v6, { hdlc: true }));
    expectV4(ppp(v4, { compressedProtocol: true }));
    expect(ppp(v6, { hdlc: true }).linkType).toBe(50);
  });

  it('NFLOG (239): the payload attribute, attributes in either byte order', () => {
    expectV4(nflog(v4));
    expectV6(nflog(v6, { bigEndian: true }));
    const cut = nflog(v4).data.subarray(0, 20);
    const r = decodeOne(cut, 239);
    expect(r.view.ipVersion).toBe(0);
    expect(r.anomalies.count('truncated-nflog')).toBe(1);
  });

  it('FDDI (10) with LLC/SNAP and IP over InfiniBand (242)', () => {
    expectV4(fddi(v4));
    expectV6(fddi(v6));
    expectV4(ipoib(v4));
    expectV6(ipoib(v6));
  });

  it('an unknown link type is reported once per interface and its packets still counted', () => {
    expect(isLinkTypeSupported(147)).toBe(false);
    const frames = [0, 1, 2].map((i) => ({ ts: at(1_700_000_000, i), frame: linkFrame(147, 'opaque user data') }));
    const r = readAll(writePcap(frames), 'user.pcap');
    expect(r.stats.packets).toBe(3);
    expect(r.packets.every((p) => p.ipVersion === 0)).toBe(true);
    expect(r.anomalies.count('unknown-link-type')).toBe(1);
    const msg = r.anomalies.summary()[0]?.examples[0]?.message;
    expect(msg).toBe('user.pcap@0x14: interface 0 has link type 147, which is not decoded; its packets are counted but carry no flows');
    expect(r.stats.fatal).toBe(false);
  });

  it('each link type round-trips through a pcap file', () => {
    const builders: Array<(p: IpPacket) => Frame> = [
      (p) => ethernet(p, { vlan: 9 }),
      (p) => sll(p),
      (p) => sll2(p),
      (p) => nullLoopback(p),
      (p) => loop(p),
      (p) => rawIp(p),
      (p) => rawIp(p, 12),
      (p) => rawIp(p, 14),
      (p) => pflog(p),
      (p) => ppp(p),
      (p) => nflog(p),
      (p) => fddi(p),
      (p) => ipoib(p),
      (p) => ethernet(p, { mplsLabels: [1, 2] }),
    ];
    for (const build of builders) {
      const r = readAll(writePcap([{ ts: at(1_700_000_000), frame: build(v4) }, { ts: at(1_700_000_001), frame: build(v6) }]));
      expect(r.packets.map((p) => [p.ipVersion, p.src, p.srcPort])).toEqual([
        [4, '192.0.2.1', 40000],
        [6, '2001:db8::1', 5353],
      ]);
      expect(r.anomalies.count()).toBe(0);
    }
  });
});
