import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { FlowTable } from '../../src/flow/table.js';
import type { FlowTableOptions } from '../../src/flow/table.js';
import type { FlowClaim, FlowObserver, FlowView } from '../../src/flow/observer.js';
import type { Endpoint, Flow } from '../../src/model.js';
import { brief, makePacket } from './support.js';
import type { PacketSpec } from './support.js';

const C = '10.0.0.5';
const S = '10.1.0.7';
const R = '192.0.2.1';

function run(specs: PacketSpec[], options: FlowTableOptions = {}, observer?: FlowObserver): { flows: Flow[]; table: FlowTable } {
  const flows: Flow[] = [];
  const table = new FlowTable(options, (f) => flows.push(f), observer);
  for (const s of specs) table.addPacket(makePacket(s), 1, 'cap.pcap');
  table.flush();
  return { flows, table };
}

/** A client→server TCP exchange: handshake, request, response, FIN both ways. */
function session(t0: number, sport: number, isn = 100): PacketSpec[] {
  const c = { src: C, dst: S, sport, dport: 80 };
  const s = { src: S, dst: C, sport: 80, dport: sport };
  return [
    { t: t0, ...c, flags: 'S', seq: isn },
    { t: t0 + 0.01, ...s, flags: 'SA', seq: 5000 },
    { t: t0 + 0.02, ...c, flags: 'A', seq: isn + 1 },
    { t: t0 + 0.03, ...c, flags: 'PA', seq: isn + 1, len: 100 },
    { t: t0 + 0.04, ...s, flags: 'PA', seq: 5001, len: 1000 },
    { t: t0 + 0.05, ...c, flags: 'FA', seq: isn + 101 },
    { t: t0 + 0.06, ...s, flags: 'FA', seq: 6001 },
    { t: t0 + 0.07, ...c, flags: 'A', seq: isn + 102 },
  ];
}

describe('TCP outcomes and history', () => {
  it('a complete session is established, with Zeek history letters', () => {
    const { flows } = run(session(1714564985.221, 40112));
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(brief(f)).toBe(`tcp ${C}:40112>${S}:80 established ShADdFf 5/3`);
    expect(f.directionInferred).toBe(false);
    expect(f.first).toBe('2024-05-01T12:03:05.221000000Z');
    expect(f.last).toBe('2024-05-01T12:03:05.291000000Z');
    expect(f.bytes).toEqual({ client: 60 * 5 + 100, server: 60 * 3 + 1000 });
    expect(f.id).toBe('1.1');
    expect(f.evidence).toEqual({ file: 'cap.pcap', offset: 0 });
  });

  it('SYN retransmissions stay one unanswered flow with one S', () => {
    const syn = { src: C, dst: S, sport: 40000, dport: 22, flags: 'S', seq: 7 };
    const { flows } = run([
      { t: 10, ...syn },
      { t: 11, ...syn },
      { t: 13, ...syn },
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:22 unanswered S 3/0`]);
  });

  it('a SYN answered by RST is rejected (Zeek REJ)', () => {
    const { flows } = run([
      { t: 10, src: C, dst: S, sport: 40000, dport: 23, flags: 'S' },
      { t: 10.001, src: S, dst: C, sport: 23, dport: 40000, flags: 'RA', seq: 0 },
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:23 rejected Sr 1/1`]);
  });

  it('a flow first seen mid-stream is partial, direction inferred from the ports', () => {
    const { flows } = run([
      { t: 10, src: S, dst: C, sport: 443, dport: 51000, flags: 'PA', len: 500 },
      { t: 10.1, src: C, dst: S, sport: 51000, dport: 443, flags: 'A' },
    ]);
    const f = flows[0]!;
    expect(brief(f)).toBe(`tcp ${C}:51000>${S}:443 partial ^dA 1/1`);
    expect(f.directionInferred).toBe(true);
  });

  it('a SYN+ACK seen first makes its receiver the client (SYN missed)', () => {
    const { flows } = run([
      { t: 10, src: S, dst: C, sport: 3001, dport: 1025, flags: 'SA' },
      { t: 10.1, src: C, dst: S, sport: 1025, dport: 3001, flags: 'A' },
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:1025>${S}:3001 established ^hA 1/1`]);
    expect(flows[0]!.directionInferred).toBe(false);
  });

  it('a client that ACKs after its SYN saw an answer the capture missed (one direction captured)', () => {
    const { flows } = run([
      { t: 10, src: C, dst: S, sport: 40000, dport: 80, flags: 'S' },
      { t: 10.1, src: C, dst: S, sport: 40000, dport: 80, flags: 'A' },
      { t: 10.2, src: C, dst: S, sport: 40000, dport: 80, flags: 'PA', len: 10 },
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:80 established SAD 3/0`]);
  });

  it('retransmitted payload writes T at the 1st and 10th retransmission', () => {
    const specs: PacketSpec[] = [...session(10, 40000).slice(0, 4)];
    for (let i = 0; i < 10; i++) specs.push({ t: 11 + i, src: C, dst: S, sport: 40000, dport: 80, flags: 'PA', seq: 101, len: 100 });
    const { flows } = run(specs);
    expect(flows[0]!.history).toBe('ShADTT');
  });

  it('flags that do not belong together are Q (SYN+FIN) and I (FIN+RST)', () => {
    const { flows } = run([
      { t: 10, src: C, dst: S, sport: 40000, dport: 80, flags: 'SF' },
      { t: 10.1, src: S, dst: C, sport: 80, dport: 40000, flags: 'FR' },
    ]);
    expect(flows[0]!.history).toBe('Qi');
  });
});

describe('reuse, timeouts, expiry and the cap', () => {
  it('a new SYN after the flow closed starts a new flow with a new id', () => {
    const { flows } = run([...session(10, 40000, 100), ...session(11, 40000, 900000)]);
    expect(flows.map((f) => `${f.id} ${f.outcome} ${f.packets.client}/${f.packets.server}`)).toEqual([
      '1.1 established 5/3',
      '1.2 established 5/3',
    ]);
  });

  it('a SYN after a RST joins the flow when it repeats the first SYN (a retransmission)', () => {
    const syn = { src: C, dst: S, sport: 40000, dport: 23, flags: 'S', seq: 55 };
    const { flows } = run([
      { t: 10, ...syn },
      { t: 10.001, src: S, dst: C, sport: 23, dport: 40000, flags: 'RA', seq: 0 },
      { t: 11, ...syn },
      { t: 12, ...syn, seq: 99 },
    ]);
    expect(flows.map((f) => `${f.id} ${f.outcome} ${f.packets.client}/${f.packets.server}`)).toEqual([
      '1.1 rejected 2/1',
      '1.2 unanswered 1/0',
    ]);
  });

  it('a packet after the UDP timeout starts a new flow; the old one was emitted as the clock passed', () => {
    const out: Flow[] = [];
    const table = new FlowTable({}, (f) => out.push(f));
    const dns = { src: C, dst: S, sport: 53000, dport: 53, proto: 17 };
    table.addPacket(makePacket({ t: 100, ...dns }), 1, 'x');
    table.addPacket(makePacket({ t: 150, ...dns }), 1, 'x');
    expect(out).toHaveLength(0);
    // Another flow moves the clock past 150 + 60: the DNS flow is emitted without a flush.
    table.addPacket(makePacket({ t: 211, src: C, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.id)).toEqual(['1.1']);
    table.addPacket(makePacket({ t: 212, ...dns }), 1, 'x');
    table.flush();
    expect(out.map((f) => `${f.id} ${f.packets.client}`)).toEqual(['1.1 2', '1.2 1', '1.3 1']);
  });

  it('expires flows in order of last activity, with per-protocol timeouts', () => {
    const out: Flow[] = [];
    const table = new FlowTable({ udpTimeout: 10, tcpTimeout: 20 }, (f) => out.push(f));
    table.addPacket(makePacket({ t: 0, src: C, dst: S, sport: 1000, dport: 22, flags: 'S' }), 1, 'x'); // 1.1 tcp
    table.addPacket(makePacket({ t: 1, src: C, dst: S, sport: 1001, dport: 53, proto: 17 }), 1, 'x'); // 1.2 udp
    table.addPacket(makePacket({ t: 2, src: C, dst: S, sport: 1002, dport: 53, proto: 17 }), 1, 'x'); // 1.3 udp
    table.addPacket(makePacket({ t: 3, src: C, dst: S, sport: 1001, dport: 53, proto: 17 }), 1, 'x'); // 1.2 again
    table.addPacket(makePacket({ t: 12.5, src: R, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.id)).toEqual(['1.3']);
    table.addPacket(makePacket({ t: 14, src: R, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.id)).toEqual(['1.3', '1.2']);
    table.addPacket(makePacket({ t: 21, src: R, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.id)).toEqual(['1.3', '1.2', '1.1']);
    expect(table.stats()).toMatchObject({ active: 1, emitted: 3, evicted: 0, capHit: false });
  });

  it('a closed flow lingers for its last ACK, then is emitted', () => {
    const out: Flow[] = [];
    const table = new FlowTable({ closeLinger: 5 }, (f) => out.push(f));
    for (const s of session(100, 40000)) table.addPacket(makePacket(s), 1, 'x');
    table.addPacket(makePacket({ t: 104, src: C, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out).toHaveLength(0);
    // Lists keep whole seconds: a flow is emitted within the second after its linger ends.
    table.addPacket(makePacket({ t: 107, src: C, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.outcome)).toEqual(['established']);
  });

  it('the cap evicts the least recently active flow first and reports it', () => {
    const anomalies = new AnomalyLog();
    const out: Flow[] = [];
    const table = new FlowTable({ maxFlows: 2, anomalies }, (f) => out.push(f));
    const udp = (t: number, sport: number) => makePacket({ t, src: C, dst: S, sport, dport: 53, proto: 17 });
    table.addPacket(udp(1, 1001), 1, 'x'); // 1.1
    table.addPacket(udp(2, 1002), 1, 'x'); // 1.2
    table.addPacket(udp(3, 1001), 1, 'x'); // 1.1 active again: 1.2 is now the oldest
    table.addPacket(udp(4, 1003), 1, 'x'); // 1.3 evicts 1.2
    expect(out.map((f) => f.id)).toEqual(['1.2']);
    table.addPacket(udp(5, 1004), 1, 'x'); // 1.4 evicts 1.1
    expect(out.map((f) => f.id)).toEqual(['1.2', '1.1']);
    expect(table.stats()).toMatchObject({ active: 2, evicted: 2, peakActive: 2, capHit: true });
    expect(anomalies.count('flow-table-cap')).toBe(2);
    expect(anomalies.summary()[0]!.examples[0]!.message).toContain('flow 1.2');
  });
});

describe('UDP, ICMP and other protocols', () => {
  it('two-way UDP is established, one-way unanswered, the direction inferred', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, sport: 53001, dport: 53, proto: 17 },
      { t: 1.01, src: S, dst: C, sport: 53, dport: 53001, proto: 17 },
      { t: 2, src: C, dst: R, sport: 40000, dport: 514, proto: 17 },
      { t: 3, src: C, dst: R, sport: 40000, dport: 514, proto: 17 },
    ]);
    expect(flows.map(brief)).toEqual([`udp ${C}:53001>${S}:53 established Dd 1/1`, `udp ${C}:40000>${R}:514 unanswered D 2/0`]);
    expect(flows.every((f) => f.directionInferred)).toBe(true);
  });

  it('a UDP flow first seen from the server side keeps the service port as server', () => {
    const { flows } = run([
      { t: 1, src: S, dst: C, sport: 161, dport: 40001, proto: 17 },
      { t: 1.1, src: C, dst: S, sport: 40001, dport: 161, proto: 17 },
    ]);
    expect(flows.map(brief)).toEqual([`udp ${C}:40001>${S}:161 established ^dD 1/1`]);
  });

  it('NTP 123→123 keeps the first sender as client (ports tie)', () => {
    const { flows } = run([{ t: 1, src: S, dst: C, sport: 123, dport: 123, proto: 17 }]);
    expect(brief(flows[0]!)).toBe(`udp ${S}:123>${C}:123 unanswered D 1/0`);
  });

  it('ICMP echo pairs request and reply by identifier; the requester is the client', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, icmp: { type: 8, code: 0, id: 7 } },
      { t: 1.01, src: S, dst: C, icmp: { type: 0, code: 0, id: 7 } },
      { t: 2, src: C, dst: S, icmp: { type: 8, code: 0, id: 8 } },
    ]);
    expect(flows.map(brief)).toEqual([`icmp ${C}:0>${S}:0 established  1/1`, `icmp ${C}:0>${S}:0 unanswered  1/0`]);
    expect(flows[0]!.icmp).toEqual({ type: 8, code: 0 });
    expect(flows[0]!.directionInferred).toBe(false);
  });

  it('an echo reply seen alone still names the requester as client', () => {
    const { flows } = run([{ t: 1, src: S, dst: C, icmp: { type: 0, code: 0, id: 7 } }]);
    expect(brief(flows[0]!)).toBe(`icmp ${C}:0>${S}:0 partial  0/1`);
  });

  it('IPv6 flows pair both directions', () => {
    const a = '2001:db8::5';
    const b = '2001:db8:1::7';
    const { flows } = run([
      { t: 1, src: a, dst: b, sport: 40000, dport: 443, flags: 'S' },
      { t: 1.1, src: b, dst: a, sport: 443, dport: 40000, flags: 'SA' },
      { t: 1.2, src: a, dst: b, sport: 40000, dport: 443, flags: 'A' },
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${a}:40000>${b}:443 established ShA 2/1`]);
  });

  it('other IP protocols are keyed by protocol number', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, proto: 47 },
      { t: 1.1, src: S, dst: C, proto: 47 },
      { t: 2, src: C, dst: S, proto: 112 },
    ]);
    expect(flows.map(brief)).toEqual([`ip-47 ${C}:0>${S}:0 established  1/1`, `ip-112 ${C}:0>${S}:0 unanswered  1/0`]);
  });

  it('keeps the VLAN id of the first packet', () => {
    const { flows } = run([{ t: 1, src: C, dst: S, sport: 1, dport: 2, proto: 17, vlan: 20 }]);
    expect(flows[0]!.vlan).toBe(20);
  });
});

describe('ICMP errors joined to the flow they name', () => {
  const syn = { src: C, dst: S, sport: 40000, dport: 443, flags: 'S' };
  const tcpQuote = { proto: 6, src: C, dst: S, sport: 40000, dport: 443 };

  it('ICMP 3/13 answering a SYN makes it icmp-prohibited; the error is not a flow of its own', () => {
    const { flows } = run([
      { t: 1, ...syn },
      { t: 1.01, src: R, dst: C, icmp: { type: 3, code: 13 }, quote: tcpQuote, origLen: 70 },
      { t: 2, ...syn },
      { t: 2.01, src: R, dst: C, icmp: { type: 3, code: 13 }, quote: tcpQuote, origLen: 70 },
    ]);
    expect(flows).toHaveLength(1);
    const f = flows[0]!;
    expect(brief(f)).toBe(`tcp ${C}:40000>${S}:443 icmp-prohibited S 2/0`);
    expect(f.icmpError).toEqual({ type: 3, code: 13, from: R, packets: 2 });
    expect(f.bytes).toEqual({ client: 120, server: 0 });
  });

  it('ICMP 3/3 port unreachable for a UDP datagram: icmp-unreachable', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, sport: 40000, dport: 69, proto: 17 },
      { t: 1.01, src: S, dst: C, icmp: { type: 3, code: 3 }, quote: { proto: 17, src: C, dst: S, sport: 40000, dport: 69 } },
    ]);
    expect(flows.map((f) => `${brief(f)} ${JSON.stringify(f.icmpError)}`)).toEqual([
      `udp ${C}:40000>${S}:69 icmp-unreachable D 1/0 {"type":3,"code":3,"from":"${S}","packets":1}`,
    ]);
  });

  it('ICMPv6 1/1 is prohibited and 1/4 unreachable', () => {
    const a = '2001:db8::5';
    const b = '2001:db8:1::7';
    const r = '2001:db8:ff::1';
    const { flows } = run([
      { t: 1, src: a, dst: b, sport: 40000, dport: 22, flags: 'S' },
      { t: 1.01, src: r, dst: a, icmp: { type: 1, code: 1 }, quote: { proto: 6, src: a, dst: b, sport: 40000, dport: 22 } },
      { t: 2, src: a, dst: b, sport: 40001, dport: 161, proto: 17 },
      { t: 2.01, src: b, dst: a, icmp: { type: 1, code: 4 }, quote: { proto: 17, src: a, dst: b, sport: 40001, dport: 161 } },
    ]);
    expect(flows.map((f) => `${f.proto} ${f.outcome} ${f.icmpError?.type}/${f.icmpError?.code} ${f.icmpError?.from}`)).toEqual([
      `tcp icmp-prohibited 1/1 ${r}`,
      `udp icmp-unreachable 1/4 ${b}`,
    ]);
  });

  it('an error naming a flow the capture never saw creates it from the quote', () => {
    const { flows } = run([{ t: 1, src: R, dst: C, icmp: { type: 3, code: 10 }, quote: tcpQuote, offset: 24 }]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:443 icmp-prohibited  0/0`]);
    expect(flows[0]!.evidence).toEqual({ file: 'cap.pcap', offset: 24 });
  });

  it('an error for an echo request names the echo flow by identifier', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, icmp: { type: 8, code: 0, id: 9 } },
      { t: 1.01, src: R, dst: C, icmp: { type: 3, code: 1 }, quote: { proto: 1, src: C, dst: S, icmpType: 8, icmpId: 9 } },
    ]);
    expect(flows.map(brief)).toEqual([`icmp ${C}:0>${S}:0 icmp-unreachable  1/0`]);
  });

  it('an error after the server answered does not change the outcome', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, sport: 40000, dport: 53, proto: 17 },
      { t: 1.01, src: S, dst: C, sport: 53, dport: 40000, proto: 17 },
      { t: 1.02, src: C, dst: S, icmp: { type: 3, code: 3 }, quote: { proto: 17, src: S, dst: C, sport: 53, dport: 40000 } },
    ]);
    expect(flows.map((f) => `${f.outcome} ${f.icmpError?.packets}`)).toEqual(['established 1']);
  });

  it('time exceeded is joined and recorded but does not decide the outcome', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, sport: 40000, dport: 33434, proto: 17 },
      { t: 1.01, src: R, dst: C, icmp: { type: 11, code: 0 }, quote: { proto: 17, src: C, dst: S, sport: 40000, dport: 33434 } },
    ]);
    expect(flows.map((f) => `${f.outcome} ${f.icmpError?.type}`)).toEqual(['unanswered 11']);
  });
});

describe('PFLOG verdicts', () => {
  it('a blocked SYN is denied, with the rule, direction and interface from the header', () => {
    const { flows } = run([{ t: 1, src: C, dst: S, sport: 40000, dport: 3389, flags: 'S', pflog: { action: 1, rule: 12, direction: 1, ifname: 'em0' } }]);
    expect(flows[0]!.outcome).toBe('denied');
    expect(flows[0]!.firewall).toEqual({ action: 'denied', rule: '12', direction: 'in', interface: 'em0', source: 'pflog', count: 1 });
  });

  it('a passed first packet is allowed; a rule inside an anchor prints as tcpdump does', () => {
    const { flows } = run([{ t: 1, src: C, dst: S, sport: 40000, dport: 22, flags: 'S', pflog: { action: 0, rule: 3, direction: 2, ifname: 'vio0', ruleset: 'ssh' } }]);
    expect(flows[0]!.outcome).toBe('allowed');
    expect(flows[0]!.firewall).toMatchObject({ action: 'allowed', rule: '3.ssh.-1', direction: 'out' });
  });

  it('a blocked ACK without SYN is late: lateOnly, never denied', () => {
    const { flows } = run([{ t: 1, src: C, dst: S, sport: 40000, dport: 443, flags: 'A', pflog: { action: 1, rule: 1 } }]);
    expect(flows[0]!.outcome).toBe('partial');
    expect(flows[0]!.firewall).toMatchObject({ action: 'denied', lateOnly: true, count: 1 });
  });
});

describe('IP fragments', () => {
  it('later fragments join the flow of their first fragment, also when they arrive first', () => {
    const u = { src: C, dst: S, proto: 17, fragId: 77 };
    const { flows, table } = run([
      { t: 1, ...u, fragment: 2, origLen: 600, offset: 10 },
      { t: 1.001, ...u, fragment: 1, sport: 40000, dport: 2049, origLen: 1514, offset: 700 },
      { t: 1.002, ...u, fragment: 2, origLen: 1514 },
    ]);
    expect(flows.map(brief)).toEqual([`udp ${C}:40000>${S}:2049 unanswered D 3/0`]);
    expect(flows[0]!.bytes.client).toBe(600 + 1514 + 1514);
    expect(flows[0]!.evidence.offset).toBe(10);
    expect(table.stats().orphanFragments).toBe(0);
  });

  it('fragments whose first fragment never comes are counted as an anomaly', () => {
    const anomalies = new AnomalyLog();
    const { flows, table } = run([{ t: 1, src: C, dst: S, proto: 17, fragId: 5, fragment: 2 }], { anomalies });
    expect(flows).toHaveLength(0);
    expect(table.stats().orphanFragments).toBe(1);
    expect(anomalies.count('fragment-without-first')).toBe(1);
  });
});

describe('observers', () => {
  it('asks each new flow once, applies a claim, shows claimed packets, ends and expires them', () => {
    const calls: string[] = [];
    const observer: FlowObserver = {
      matchNewFlow(proto: number, a: Endpoint, b: Endpoint): FlowClaim | undefined {
        calls.push(`match ${proto} ${a.ip}:${a.port} ${b.ip}:${b.port}`);
        // TFTP-like: the data flow starts from the server; the requester is the client.
        if (b.port === 40000) return { app: { kind: 'tftp-data', control: '1.1', controlText: 'x', announcedAt: 'y' }, client: b };
        return undefined;
      },
      wantsFlow(flow: FlowView): boolean {
        calls.push(`wants ${flow.id}`);
        return flow.app !== undefined;
      },
      onPacket(flow: FlowView, fromClient: boolean): void {
        calls.push(`packet ${flow.id} ${fromClient ? 'c' : 's'}`);
      },
      onFlowEnd(flow: FlowView): void {
        calls.push(`end ${flow.id}`);
      },
      expire(now: number): void {
        calls.push(`expire ${now}`);
      },
    };
    const { flows } = run(
      [
        { t: 5, src: C, dst: S, sport: 1, dport: 2, proto: 17 },
        { t: 5.5, src: S, dst: C, sport: 50000, dport: 40000, proto: 17 },
        { t: 6.2, src: C, dst: S, sport: 40000, dport: 50000, proto: 17 },
      ],
      {},
      observer,
    );
    expect(calls).toEqual([
      'expire 5',
      `match 17 ${C}:1 ${S}:2`,
      'wants 1.1',
      `match 17 ${S}:50000 ${C}:40000`,
      'wants 1.2',
      'packet 1.2 s',
      'expire 6.2',
      'packet 1.2 c',
      'end 1.2',
    ]);
    const data = flows.find((f) => f.id === '1.2')!;
    expect(brief(data)).toBe(`udp ${C}:40000>${S}:50000 established ^dD 1/1`);
    expect(data.directionInferred).toBe(false);
    expect(data.app?.kind).toBe('tftp-data');
  });
});

describe('the index under churn', () => {
  it('finds, replaces and removes flows like a Map would (many colliding keys)', () => {
    const live = new Map<string, number>();
    const out: Flow[] = [];
    const table = new FlowTable({ maxFlows: 300, udpTimeout: 1e9 }, (f) => out.push(f));
    let x = 12345;
    const rnd = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x % n;
    };
    for (let i = 0; i < 20000; i++) {
      const sport = 1024 + rnd(500);
      const back = rnd(2) === 1;
      table.addPacket(
        makePacket(back ? { t: i, src: S, dst: C, sport: 53, dport: sport, proto: 17 } : { t: i, src: C, dst: S, sport, dport: 53, proto: 17 }),
        1,
        'x',
      );
      live.set(String(sport), (live.get(String(sport)) ?? 0) + 1);
    }
    table.flush();
    const total = out.reduce((n, f) => n + f.packets.client + f.packets.server, 0);
    expect(total).toBe(20000);
    const perPort = new Map<string, number>();
    for (const f of out) perPort.set(String(f.client.port), (perPort.get(String(f.client.port)) ?? 0) + f.packets.client + f.packets.server);
    expect(perPort).toEqual(live);
    expect(table.stats().active).toBe(0);
  });
});

describe('flow objects are reused after emission', () => {
  it('a reset flow object has the fields of a fresh one', async () => {
    const { FlowState } = await import('../../src/flow/state.js');
    const used = new FlowState();
    Object.assign(used, { hash: 5, pktsC: 3, history: 'S', app: { kind: 'ftp-control' }, extra: {}, evLine: 4, vlan: 7, observed: true });
    used.client.ip = '10.0.0.1';
    used.reset();
    expect(JSON.stringify(used)).toBe(JSON.stringify(new FlowState()));
    expect(Object.keys(used)).toEqual(Object.keys(new FlowState()));
  });

  it('nothing of an emitted flow leaks into the next one', () => {
    const { flows } = run([
      { t: 1, src: C, dst: S, sport: 40000, dport: 3389, flags: 'S', pflog: { action: 1, rule: 9 }, vlan: 12 },
      { t: 1.01, src: R, dst: C, icmp: { type: 3, code: 13 }, quote: { proto: 6, src: C, dst: S, sport: 40000, dport: 3389 } },
      { t: 400, src: C, dst: S, sport: 40001, dport: 53, proto: 17 },
    ]);
    expect(flows).toHaveLength(2);
    const second = flows[1]!;
    expect(second.id).toBe('1.2');
    expect(second.firewall).toBeUndefined();
    expect(second.icmpError).toBeUndefined();
    expect(second.vlan).toBeUndefined();
    expect(brief(second)).toBe(`udp ${C}:40001>${S}:53 unanswered D 1/0`);
  });
});

describe('expiry with fractional times', () => {
  it('a flow still within its linger at a tick is kept, then emitted (no endless relisting)', () => {
    const out: Flow[] = [];
    const table = new FlowTable({}, (f) => out.push(f));
    // Closes at 895.7275 (lingers 5 s); the next packet at 900.398 is 4.67 s later.
    for (const s of session(895.6575, 40000)) table.addPacket(makePacket(s), 1, 'x');
    table.addPacket(makePacket({ t: 900.398, src: C, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out).toHaveLength(0);
    table.addPacket(makePacket({ t: 901.5, src: C, dst: S, sport: 1, dport: 2, proto: 17 }), 1, 'x');
    expect(out.map((f) => f.outcome)).toEqual(['established']);
  });
});
