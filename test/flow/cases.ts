/**
 * The golden captures of the flow tests, built with the project's capture writer. Each case is a
 * capture (written to fixtures/flow/<name>.<ext>) and the `portolan flows` options it runs with;
 * the expected outputs sit beside it as <name>.expected.<format>.
 */
import {
  DEFAULT_START,
  at,
  ethernet,
  fragmentIpv4,
  icmp,
  icmpEcho,
  icmpErrorReply,
  ip,
  mergeByTime,
  packetBlocks,
  pflog,
  sll2,
  tcp,
  tcpSession,
  toFrames,
  udp,
  udpExchange,
  writePcap,
  writePcapng,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL2,
} from '../../src/testing/capture-writer.js';
import type { CapturedFrame, TimedPacket } from '../../src/testing/capture-writer.js';

export interface FlowCase {
  name: string;
  /** File extension of the capture. */
  ext: 'pcap' | 'pcapng';
  capture: Buffer;
  /** Extra `portolan flows` options. */
  args: string[];
  /** Output formats checked against golden files. */
  formats: Array<'ndjson' | 'json' | 'csv' | 'table'>;
}

const S0 = DEFAULT_START;
const sec = (s: number): bigint => S0 + BigInt(Math.round(s * 1e9));

/** TCP: established, rejected, unanswered with retransmitted SYNs, mid-stream, RST-closed, reuse after close. */
function tcpOutcomes(): FlowCase {
  const established = tcpSession({ client: '10.0.0.5:40112', server: '10.1.0.7:22', start: sec(0), request: 'SSH-2.0-x\r\n', response: 'SSH-2.0-y\r\n' });
  const rejected = tcpSession({ client: '10.0.0.5:40113', server: '10.1.0.7:23', start: sec(1), handshake: 'rejected' });
  const unanswered = tcpSession({ client: '10.0.0.5:40114', server: '10.1.0.9:3389', start: sec(2), handshake: 'unanswered', synRetries: 2 });
  const midStream = tcpSession({ client: '10.0.0.6:51000', server: '10.1.0.7:443', start: sec(3), handshake: 'mid-stream', request: 'x', response: 'y' });
  const reset = tcpSession({ client: '10.0.0.5:40115', server: '10.1.0.7:80', start: sec(4), request: 'GET / HTTP/1.0\r\n\r\n', close: 'rst' });
  // The same 5-tuple twice: the second SYN comes after the first connection closed.
  const first = tcpSession({ client: '10.0.0.5:40116', server: '10.1.0.7:21', start: sec(20), request: 'QUIT\r\n', response: '221 bye\r\n', clientIsn: 1000 });
  const second = tcpSession({ client: '10.0.0.5:40116', server: '10.1.0.7:21', start: sec(21), request: 'QUIT\r\n', response: '221 bye\r\n', clientIsn: 900000 });
  const pkts = mergeByTime(established, rejected, unanswered, midStream, reset, first, second);
  return { name: 'tcp-outcomes', ext: 'pcap', capture: writePcap(toFrames(pkts)), args: [], formats: ['ndjson', 'json', 'csv', 'table'] };
}

/** UDP two-way and one-way, ICMP echo answered and not, and UDP flows split by the timeout. */
function datagrams(): FlowCase {
  const dns = udpExchange({ client: '10.0.0.5:53001', server: '10.1.0.53:53', start: sec(0), request: 'q', response: 'a' });
  const syslog = udpExchange({ client: '10.0.0.5:40514', server: '10.1.0.8:514', start: sec(1), request: '<13>hello', count: 3 });
  // Seen first from the server side: the service port makes it the server.
  const snmp = udpExchange({ client: '10.1.0.9:161', server: '10.0.0.5:40161', start: sec(2), request: 'report', response: 'get' });
  const ping = icmpEcho({ from: '10.0.0.5', to: '10.1.0.7', id: 7, start: sec(3) });
  const lost = icmpEcho({ from: '10.0.0.5', to: '10.1.0.99', id: 8, start: sec(4), reply: false });
  const v6ping = icmpEcho({ from: '2001:db8::5', to: '2001:db8:1::7', id: 9, start: sec(5) });
  // Same tuple 70 s later: past the 60 s UDP timeout, so a second flow.
  const ntpA = udpExchange({ client: '10.0.0.5:123', server: '10.1.0.123:123', start: sec(6), request: 'n', response: 'n' });
  const ntpB = udpExchange({ client: '10.0.0.5:123', server: '10.1.0.123:123', start: sec(76), request: 'n', response: 'n' });
  // An ICMP type that is neither echo nor error (router advertisement): a flow of its own.
  const advert: TimedPacket[] = [{ ts: sec(7), ip: ip('10.0.0.1', '224.0.0.1', icmp({ type: 9, code: 0 }, Buffer.alloc(8))) }];
  const pkts = mergeByTime(dns, syslog, snmp, ping, lost, v6ping, ntpA, ntpB, advert);
  return { name: 'datagrams', ext: 'pcap', capture: writePcap(toFrames(pkts), { nanos: true }), args: [], formats: ['ndjson'] };
}

/** ICMP and ICMPv6 errors joined to the flows they name (3/13, 3/3, 1/1, 1/4), and one for a flow never seen. */
function icmpErrors(): FlowCase {
  const syn4 = tcpSession({ client: '10.0.0.5:40200', server: '10.1.0.7:8443', start: sec(0), handshake: 'unanswered', synRetries: 1 });
  const prohibited4 = syn4.map((p) => icmpErrorReply(p, { from: '192.0.2.1', type: 3, code: 13 }));
  const udp4 = udpExchange({ client: '10.0.0.5:40201', server: '10.1.0.7:69', start: sec(5), request: 'rrq' });
  const unreachable4 = udp4.map((p) => icmpErrorReply(p, { type: 3, code: 3 }));
  const syn6 = tcpSession({ client: '[2001:db8::5]:40202', server: '[2001:db8:1::7]:22', start: sec(10), handshake: 'unanswered' });
  const prohibited6 = syn6.map((p) => icmpErrorReply(p, { from: '2001:db8:ff::1', type: 1, code: 1 }));
  const udp6 = udpExchange({ client: '[2001:db8::5]:40203', server: '[2001:db8:1::7]:161', start: sec(15), request: 'get' });
  const unreachable6 = udp6.map((p) => icmpErrorReply(p, { type: 1, code: 4 }));
  // An error quoting a SYN the capture never saw: the flow is known only from the quote.
  const unseen = tcpSession({ client: '10.0.0.5:40204', server: '10.1.0.8:445', start: sec(20), handshake: 'unanswered' });
  const onlyError = unseen.map((p) => icmpErrorReply(p, { from: '192.0.2.1', type: 3, code: 10 }));
  const pkts = mergeByTime(syn4, prohibited4, udp4, unreachable4, syn6, prohibited6, udp6, unreachable6, onlyError);
  return { name: 'icmp-errors', ext: 'pcap', capture: writePcap(toFrames(pkts)), args: [], formats: ['ndjson'] };
}

/** PFLOG: a blocked SYN, a passed SYN, and a blocked late ACK. */
function pflogVerdicts(): FlowCase {
  const blocked = ip('10.0.0.5', '10.1.0.7', tcp({ srcPort: 40300, dstPort: 3389, flags: 'S', seq: 1 }));
  const passed = ip('10.0.0.5', '10.1.0.7', tcp({ srcPort: 40301, dstPort: 22, flags: 'S', seq: 1 }));
  const late = ip('10.0.0.6', '10.1.0.7', tcp({ srcPort: 40302, dstPort: 443, flags: 'A', seq: 1, ack: 1 }));
  const frames: CapturedFrame[] = [
    { ts: sec(0), frame: pflog(blocked, { action: 'block', direction: 'in', ifname: 'em0', ruleNumber: 12 }) },
    { ts: sec(1), frame: pflog(blocked, { action: 'block', direction: 'in', ifname: 'em0', ruleNumber: 12 }) },
    { ts: sec(2), frame: pflog(passed, { action: 'pass', direction: 'in', ifname: 'em0', ruleNumber: 3, ruleset: 'ssh', subruleNumber: 1 }) },
    { ts: sec(3), frame: pflog(late, { action: 'block', direction: 'out', ifname: 'em1', ruleNumber: 1 }) },
  ];
  return { name: 'pflog', ext: 'pcap', capture: writePcap(frames), args: [], formats: ['ndjson'] };
}

/** pcapng, two interfaces (Ethernet with VLAN in microseconds, Linux SLL2 in nanoseconds), IP fragments. */
function interfacesAndFragments(): FlowCase {
  const a = tcpSession({ client: '10.0.0.5:40400', server: '10.1.0.7:80', start: at(1_700_000_000, 123_000), request: 'GET /\r\n\r\n', response: 'ok' });
  const b = udpExchange({ client: '10.0.0.6:40401', server: '10.1.0.53:53', start: at(1_700_000_001, 987_654_321), request: 'q', response: 'a' });
  const big = ip('10.0.0.5', '10.1.0.20', udp({ srcPort: 40402, dstPort: 2049 }, Buffer.alloc(3000, 0x61)), { id: 77 });
  const frags = fragmentIpv4(big, 1400);
  const fragFrames: CapturedFrame[] = frags.map((p, i) => ({ ts: sec(2 + i * 0.001), frame: ethernet(p, { vlan: 20 }), interfaceId: 0 }));
  // The last fragment is captured first (out of order): it waits for the first.
  const last = fragFrames.pop();
  if (last !== undefined) fragFrames.unshift({ ...last, ts: sec(1.999) });
  const frames = [
    ...toFrames(a, (p) => ethernet(p, { vlan: 20 })).map((f) => ({ ...f, interfaceId: 0 })),
    ...toFrames(b, (p) => sll2(p)).map((f) => ({ ...f, interfaceId: 1 })),
    ...fragFrames,
  ].sort((x, y) => (BigInt(x.ts) < BigInt(y.ts) ? -1 : 1));
  const capture = writePcapng({
    interfaces: [{ linkType: LINKTYPE_ETHERNET, name: 'eth0' }, { linkType: LINKTYPE_LINUX_SLL2, tsresol: 9, name: 'any' }],
    blocks: packetBlocks(frames),
  });
  return { name: 'interfaces-fragments', ext: 'pcapng', capture, args: [], formats: ['ndjson'] };
}

/** Four UDP flows with a table of two: the least recently active are emitted first. */
function cap(): FlowCase {
  const pkt = (t: number, port: number): TimedPacket => ({ ts: sec(t), ip: ip('10.0.0.5', '10.1.0.53', udp({ srcPort: port, dstPort: 53 }, 'q')) });
  const pkts = [pkt(0, 1001), pkt(1, 1002), pkt(2, 1001), pkt(3, 1003), pkt(4, 1004)];
  return { name: 'cap', ext: 'pcap', capture: writePcap(toFrames(pkts)), args: ['--max-flows', '2'], formats: ['ndjson'] };
}

/** A UDP flow idle for 15 s with --timeout-udp 10: two flows. */
function shortTimeout(): FlowCase {
  const a = udpExchange({ client: '10.0.0.5:40500', server: '10.1.0.53:53', start: sec(0), request: 'q', response: 'a' });
  const b = udpExchange({ client: '10.0.0.5:40500', server: '10.1.0.53:53', start: sec(15), request: 'q', response: 'a' });
  return { name: 'timeout-udp', ext: 'pcap', capture: writePcap(toFrames([...a, ...b])), args: ['--timeout-udp', '10'], formats: ['ndjson'] };
}

export function flowCases(): FlowCase[] {
  return [tcpOutcomes(), datagrams(), icmpErrors(), pflogVerdicts(), interfacesAndFragments(), cap(), shortTimeout()];
}
