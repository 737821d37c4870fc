/**
 * The small captures under fixtures/capture/, each built here with the project's capture writer.
 * golden.test.ts checks the committed files still equal what the writer builds and that their
 * decoding matches `<case>.expected.txt`. Regenerate both after a deliberate change with
 *
 *   PORTOLAN_WRITE_FIXTURES=1 npx vitest run test/capture/golden.test.ts -u
 */
import {
  at,
  bareIp,
  ethernet,
  fragmentIpv4,
  fragmentIpv6,
  icmpEcho,
  icmpErrorReply,
  ip,
  ipv4,
  ipv6,
  loop,
  mergeByTime,
  nullLoopback,
  packetBlocks,
  pflog,
  rawIp,
  sctp,
  sctpInitChunk,
  sll,
  sll2,
  tcp,
  tcpSession,
  toFrames,
  udp,
  udpExchange,
  writePcap,
  writePcapng,
  type CapturedFrame,
  type TimedPacket,
} from '../support/capture-writer.js';

export interface CaptureCase {
  /** File name under fixtures/capture/. */
  file: string;
  /** What the case exercises. */
  about: string;
  build(): Buffer;
}

const T0 = 1_700_000_000;

/** A small mixed traffic set used by several cases: TCP with data, UDP both ways, ICMP echo. */
function mixedV4(start = T0): TimedPacket[] {
  return mergeByTime(
    tcpSession({ client: '192.0.2.10:40112', server: '198.51.100.7:21', start: at(start), request: 'USER anonymous\r\n', response: '331 Guest login ok\r\n' }),
    udpExchange({ client: '192.0.2.10:53001', server: '198.51.100.53:53', start: at(start, 2_000_000), request: 'query', response: 'answer' }),
    icmpEcho({ from: '192.0.2.10', to: '198.51.100.1', id: 0x1d2e, seq: 3, start: at(start, 3_000_000) }),
  );
}

function mixedV6(start = T0 + 10): TimedPacket[] {
  return mergeByTime(
    tcpSession({ client: '[2001:db8:1::10]:50000', server: '[2001:db8:2::80]:443', start: at(start), request: 'hello', handshake: 'full', close: 'rst' }),
    udpExchange({ client: '[2001:db8:1::10]:5353', server: '[2001:db8:2::53]:53', start: at(start, 1_000_000), request: 'q6', response: 'a6' }),
    icmpEcho({ from: '2001:db8:1::10', to: '2001:db8:2::1', id: 77, start: at(start, 2_000_000) }),
  );
}

export const CASES: readonly CaptureCase[] = [
  {
    file: 'ethernet-vlan-usec-le.pcap',
    about: 'Ethernet with an 802.1Q tag, microsecond little-endian pcap, padded short frames',
    build: () => writePcap(toFrames(mixedV4(), (p) => ethernet(p, { vlan: 100, pad: true }))),
  },
  {
    file: 'ethernet-qinq-usec-be.pcap',
    about: 'QinQ (0x88a8 outer, 0x8100 inner) and 0x9100 stacking, big-endian microsecond pcap',
    build: () => {
      const pkts = mixedV4();
      const frames = pkts.map((p, i) => ({
        ts: p.ts,
        frame: ethernet(p.ip, { vlan: [300 + i, 42], tpids: i % 2 === 0 ? [0x88a8, 0x8100] : [0x9100, 0x8100] }),
      }));
      return writePcap(frames, { bigEndian: true });
    },
  },
  {
    file: 'sll-nsec-le.pcap',
    about: 'Linux cooked v1, nanosecond little-endian pcap, IPv4 and IPv6',
    build: () => writePcap(toFrames(mergeByTime(mixedV4(), mixedV6()), (p) => sll(p)), { nanos: true }),
  },
  {
    file: 'sll2-nsec-be.pcap',
    about: 'Linux cooked v2, nanosecond big-endian pcap',
    build: () => writePcap(toFrames(mixedV6(), (p) => sll2(p, { interfaceIndex: 3 })), { nanos: true, bigEndian: true }),
  },
  {
    file: 'null-loopback.pcap',
    about: 'BSD NULL with the family in both byte orders and the IPv6 families 24, 28, 30',
    build: () => {
      const pkts = mergeByTime(mixedV4(), mixedV6());
      const families = [24, 28, 30];
      const frames = pkts.map((p, i) => ({
        ts: p.ts,
        frame: nullLoopback(p.ip, { bigEndian: i % 2 === 1, ...(p.ip.version === 6 ? { family: families[i % 3] ?? 24 } : {}) }),
      }));
      return writePcap(frames);
    },
  },
  {
    file: 'loop.pcap',
    about: 'OpenBSD LOOP (family in network byte order)',
    build: () => writePcap(toFrames(mergeByTime(mixedV4(), mixedV6()), (p) => loop(p))),
  },
  {
    file: 'raw-ipv6-extensions.pcap',
    about: 'LINKTYPE_RAW: IPv6 extension header chains (hop-by-hop, routing, destination, AH, ESP) and IPv6 fragments',
    build: () => {
      const src = '2001:db8::a';
      const dst = '2001:db8::b';
      const t = (n: number): bigint => at(T0 + 20, n * 1000);
      const pkts: TimedPacket[] = [
        { ts: t(0), ip: ipv6({ src, dst, extensions: [{ kind: 'hop-by-hop' }] }, tcp({ srcPort: 40000, dstPort: 22, flags: 'S', seq: 7 })) },
        {
          ts: t(1),
          ip: ipv6(
            { src, dst, extensions: [{ kind: 'hop-by-hop', length: 16 }, { kind: 'routing', addresses: ['2001:db8::c'] }, { kind: 'destination' }] },
            udp({ srcPort: 546, dstPort: 547 }, 'dhcpv6'),
          ),
        },
        { ts: t(2), ip: ipv6({ src, dst, extensions: [{ kind: 'ah' }] }, tcp({ srcPort: 40001, dstPort: 179, flags: 'PA' }, 'bgp')) },
        { ts: t(3), ip: ipv6({ src, dst, extensions: [{ kind: 'esp' }] }, udp({ srcPort: 1, dstPort: 2 }, 'encrypted')) },
        { ts: t(4), ip: ipv6({ src, dst, extensions: [{ kind: 'fragment', offset: 0, more: false, id: 9 }] }, udp({ srcPort: 7000, dstPort: 7001 }, 'atomic')) },
        ...fragmentIpv6(ipv6({ src, dst }, udp({ srcPort: 5001, dstPort: 5002 }, Buffer.alloc(3000, 0x61))), 1232, 0xfeed).map((p, i) => ({ ts: t(5 + i), ip: p })),
      ];
      return writePcap(toFrames(pkts, (p) => rawIp(p)));
    },
  },
  {
    file: 'ipv4-options-fragments.pcap',
    about: 'LINKTYPE_IPV4: IPv4 options, a fragmented UDP datagram and a fragmented TCP segment (later fragments get the ports)',
    build: () => {
      const t = (n: number): bigint => at(T0 + 30, n * 1000);
      const withOptions = ipv4(
        { src: '203.0.113.1', dst: '203.0.113.2', options: [0x94, 0x04, 0x00, 0x00, 0x01] },
        tcp({ srcPort: 33000, dstPort: 80, flags: 'S', seq: 1 }),
      );
      const bigUdp = ipv4({ src: '203.0.113.1', dst: '203.0.113.2', id: 0x4242 }, udp({ srcPort: 4000, dstPort: 2049 }, Buffer.alloc(4000, 0x62)));
      const bigTcp = ipv4({ src: '203.0.113.3', dst: '203.0.113.2', id: 0x4343 }, tcp({ srcPort: 33001, dstPort: 80, flags: 'PA', seq: 5 }, Buffer.alloc(2000, 0x63)));
      const pkts: TimedPacket[] = [
        { ts: t(0), ip: withOptions },
        ...fragmentIpv4(bigUdp, 1480).map((p, i) => ({ ts: t(1 + i), ip: p })),
        // The TCP fragments arrive with the later one first: it cannot get ports.
        ...fragmentIpv4(bigTcp, 1480)
          .reverse()
          .map((p, i) => ({ ts: t(10 + i), ip: p })),
      ];
      return writePcap(toFrames(pkts, bareIp));
    },
  },
  {
    file: 'ipv6-bare-sctp.pcap',
    about: 'LINKTYPE_IPV6 with SCTP, and DLT_RAW 12/14 style files are covered by unit tests',
    build: () => {
      const p = ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }, sctp({ srcPort: 36412, dstPort: 36412, verificationTag: 0 }, sctpInitChunk()));
      return writePcap([{ ts: at(T0 + 40), frame: bareIp(p) }]);
    },
  },
  {
    file: 'pflog-verdicts.pcap',
    about: 'PFLOG: pass and block, in and out, IPv4 and IPv6 (OpenBSD af 24), rule and subrule numbers',
    build: () => {
      const attempt = tcpSession({ client: '192.0.2.20:51000', server: '198.51.100.25:25', start: at(T0 + 50), handshake: 'unanswered', synRetries: 1 });
      const allowed = tcpSession({ client: '[2001:db8::20]:52000', server: '[2001:db8::443]:443', start: at(T0 + 51), close: 'none' });
      const frames: CapturedFrame[] = [
        ...attempt.map((p) => ({ ts: p.ts, frame: pflog(p.ip, { action: 'block', direction: 'in', ifname: 'em0', ruleNumber: 12, reason: 0 }) })),
        ...allowed.map((p, i) => ({
          ts: p.ts,
          frame: pflog(p.ip, { action: 'pass', direction: i % 2 === 0 ? 'out' : 'in', ifname: 'vio1', ruleset: 'anchor1', ruleNumber: 3, subruleNumber: 2 }),
        })),
      ];
      return writePcap(frames);
    },
  },
  {
    file: 'icmp-errors.pcap',
    about: 'ICMP and ICMPv6 errors quoting TCP, UDP and echo packets (prohibited, port unreachable, time exceeded)',
    build: () => {
      const syn = tcpSession({ client: '192.0.2.30:41000', server: '198.51.100.30:3389', start: at(T0 + 60), handshake: 'unanswered' });
      const dns = udpExchange({ client: '192.0.2.30:41001', server: '198.51.100.53:53', start: at(T0 + 61), request: 'q' });
      const ping = icmpEcho({ from: '192.0.2.30', to: '198.51.100.99', id: 0x99, start: at(T0 + 62), reply: false });
      const syn6 = tcpSession({ client: '[2001:db8::30]:41002', server: '[2001:db8::31]:22', start: at(T0 + 63), handshake: 'unanswered' });
      const udp6 = udpExchange({ client: '[2001:db8::30]:41003', server: '[2001:db8::32]:161', start: at(T0 + 64), request: 'get' });
      const [s0, d0, p0, s6, u6] = [syn[0], dns[0], ping[0], syn6[0], udp6[0]];
      if (s0 === undefined || d0 === undefined || p0 === undefined || s6 === undefined || u6 === undefined) throw new Error('empty session');
      const pkts = [
        s0,
        icmpErrorReply(s0, { from: '198.51.100.1', type: 3, code: 13 }),
        d0,
        icmpErrorReply(d0),
        p0,
        icmpErrorReply(p0, { from: '192.0.2.1', type: 11, code: 0 }),
        s6,
        icmpErrorReply(s6, { from: '2001:db8::1', type: 1, code: 1 }),
        u6,
        icmpErrorReply(u6),
      ];
      return writePcap(toFrames(pkts));
    },
  },
  {
    file: 'two-interfaces.pcapng',
    about: 'pcapng: Ethernet interface at nanoseconds and raw-IP interface at 2^-20 s with if_tsoffset, plus NRB/ISB/DSB/custom/unknown blocks',
    build: () => {
      const eth = toFrames(mixedV4(0), (p) => ethernet(p)).map((f) => ({ ...f, interfaceId: 0 }));
      const raw = toFrames(mixedV6(0), (p) => rawIp(p)).map((f) => ({ ...f, interfaceId: 1 }));
      // if_tsoffset 1_700_000_000: the blocks hold small times, the packets read as 2023.
      const shifted = (fs: CapturedFrame[]): CapturedFrame[] => fs.map((f) => ({ ...f, ts: BigInt(f.ts) + at(T0) }));
      return writePcapng({
        application: 'portolan test',
        interfaces: [
          { linkType: 1, tsresol: 9, name: 'eth0', snaplen: 0, tsoffset: T0 },
          { linkType: 101, tsresol: 0x80 | 20, name: 'tun0', snaplen: 65535, tsoffset: T0 },
        ],
        blocks: [
          { kind: 'nrb', entries: [{ ip: '192.0.2.10', name: 'client.example' }, { ip: '2001:db8:1::10', name: 'client6.example' }] },
          ...packetBlocks(mergeByTime(shifted(eth), shifted(raw))),
          { kind: 'isb', interfaceId: 0 },
          { kind: 'dsb' },
          { kind: 'custom', data: 'vendor data' },
          { kind: 'custom', noCopy: true },
          { kind: 'unknown', type: 0x7eadbeef },
        ],
      });
    },
  },
  {
    file: 'sections-mixed-endian.pcapng',
    about: 'pcapng: a little-endian section (EPB, SPB) then a big-endian one (obsolete PB, EPB, SPB) with its own interfaces',
    build: () => {
      const a = toFrames(mixedV4()).map((f, i) => ({ ...f, block: i === 3 ? ('spb' as const) : ('epb' as const) }));
      const b = toFrames(mixedV6(), (p) => sll(p)).map((f, i) => ({ ...f, block: i % 3 === 0 ? ('pb' as const) : i % 3 === 1 ? ('epb' as const) : ('spb' as const) }));
      return writePcapng([
        { interfaces: [{ linkType: 1, snaplen: 96 }], blocks: packetBlocks(a) },
        { bigEndian: true, interfaces: [{ linkType: 113, tsresol: 3 }, { linkType: 1 }], blocks: packetBlocks(b) },
      ]);
    },
  },
  {
    file: 'snapped-and-unknown-link.pcapng',
    about: 'pcapng: a snaplen of 54 cutting TCP and IPv6 headers, and an interface of a link type not decoded',
    build: () => {
      const frames = toFrames(mergeByTime(mixedV4(), mixedV6())).map((f) => ({ ...f, snap: 54 }));
      const usb = { kind: 'packet' as const, ts: at(T0 + 99), interfaceId: 1, frame: { linkType: 189, data: Buffer.alloc(48, 1) } };
      return writePcapng({ interfaces: [{ linkType: 1, snaplen: 54 }, { linkType: 189 }], blocks: [...packetBlocks(frames), usb] });
    },
  },
  {
    file: 'cut-mid-record.pcap',
    about: 'damage: the file ends 10 bytes into the last packet record',
    build: () => {
      const full = writePcap(toFrames(mixedV4()));
      return full.subarray(0, full.length - 40);
    },
  },
  {
    file: 'absurd-length.pcap',
    about: 'damage: the fourth record header claims 1,000,000 captured bytes',
    build: () => {
      const full = Buffer.from(writePcap(toFrames(mixedV4())));
      let off = 24;
      for (let i = 0; i < 3; i++) off += 16 + full.readUInt32LE(off + 8);
      full.writeUInt32LE(1_000_000, off + 8);
      return full;
    },
  },
  {
    file: 'bad-block-length.pcapng',
    about: 'damage: a pcapng block whose trailing length disagrees with its leading length',
    build: () => {
      const full = Buffer.from(writePcapng({ interfaces: [{ linkType: 1 }], blocks: packetBlocks(toFrames(mixedV4())) }));
      // SHB (28) + IDB (20) + first EPB: corrupt the second EPB's trailer.
      let off = 28 + 20;
      off += full.readUInt32LE(off + 4);
      const len = full.readUInt32LE(off + 4);
      full.writeUInt32LE(len + 4, off + len - 4);
      return full;
    },
  },
  {
    file: 'udp-gre-other.pcap',
    about: 'other IP protocols (GRE 47) keep their number with ports 0; a UDP length larger than the datagram',
    build: () => {
      const gre = ip('192.0.2.40', '198.51.100.40', { proto: 47, bytes: Buffer.from([0, 0, 0x08, 0]), checksumAt: -1, checksumKind: 'none' });
      const badUdp = ipv4({ src: '192.0.2.41', dst: '198.51.100.41' }, udp({ srcPort: 9, dstPort: 9, length: 400 }, 'short'));
      return writePcap([
        { ts: at(T0 + 70), frame: ethernet(gre) },
        { ts: at(T0 + 71), frame: ethernet(badUdp) },
      ]);
    },
  },
];
