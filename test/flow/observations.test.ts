import { describe, expect, it } from 'vitest';
import { FlowTable } from '../../src/flow/table.js';
import type { Flow, Observation } from '../../src/model.js';
import { brief } from './support.js';

const C = '10.0.0.5';
const S = '10.1.0.7';

let line = 0;
function obs(o: Partial<Observation> & { tsSec: number }): Observation {
  line++;
  return {
    tsNsec: 0,
    proto: 6,
    src: C,
    srcPort: 40000,
    dst: S,
    dstPort: 443,
    action: 'denied',
    kind: 'attempt',
    initiatorKnown: true,
    format: 'iptables',
    evidence: { file: 'fw.log', line },
    ...o,
  };
}

function run(list: Observation[]): Flow[] {
  line = 0;
  const flows: Flow[] = [];
  const table = new FlowTable({}, (f) => flows.push(f));
  for (const o of list) table.addObservation(o, 2);
  table.flush();
  return flows;
}

describe('log observations merge into flows', () => {
  it('repeated deny lines for retransmitted SYNs are one denied flow with a count', () => {
    line = 0;
    const flows = run([
      obs({ tsSec: 100, tcpFlags: 2, rule: 'INPUT-DROP', interface: 'eth0', direction: 'in' }),
      obs({ tsSec: 101, tcpFlags: 2, rule: 'INPUT-DROP' }),
      obs({ tsSec: 103, tcpFlags: 2, rule: 'INPUT-DROP' }),
    ]);
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:443 denied S 3/0`]);
    const f = flows[0]!;
    expect(f.id).toBe('2.1');
    expect(f.firewall).toEqual({ action: 'denied', rule: 'INPUT-DROP', direction: 'in', interface: 'eth0', source: 'iptables', count: 3 });
    expect(f.evidence).toEqual({ file: 'fw.log', line: 1 });
    expect(f.directionInferred).toBe(false);
    expect(f.first).toBe('1970-01-01T00:01:40.000000000Z');
    expect(f.last).toBe('1970-01-01T00:01:43.000000000Z');
  });

  it('ASA Built and Teardown pair by connection id; a new id on the same tuple is a new flow', () => {
    const base = { format: 'cisco-asa', action: 'allowed' as const, kind: 'session' as const };
    const flows = run([
      obs({ tsSec: 10, ...base, connId: '77' }),
      obs({ tsSec: 70, ...base, connId: '77', endSec: 70, bytes: { out: 1234 } }),
      obs({ tsSec: 75, ...base, connId: '78' }),
    ]);
    expect(flows.map((f) => `${f.id} ${f.outcome} ${f.bytes.client} ${f.firewall?.count}`)).toEqual(['2.1 allowed 1234 2', '2.2 allowed 0 1']);
  });

  it('a late ACK denial is lateOnly and never a blocked attempt', () => {
    const flows = run([obs({ tsSec: 10, kind: 'late', tcpFlags: 0x10, format: 'cisco-asa', rule: '106015' })]);
    expect(flows[0]!.outcome).toBe('partial');
    expect(flows[0]!.firewall).toMatchObject({ action: 'denied', lateOnly: true, count: 1 });
  });

  it('a late denial next to a denied attempt: the flow is denied and not lateOnly', () => {
    const flows = run([obs({ tsSec: 10, kind: 'late', tcpFlags: 0x10, rule: 'late' }), obs({ tsSec: 11, tcpFlags: 2, rule: 'attempt' })]);
    expect(flows[0]!.outcome).toBe('denied');
    expect(flows[0]!.firewall).toEqual({ action: 'denied', rule: 'attempt', source: 'iptables', count: 2 });
  });

  it('an allowed flow with late denials stays allowed', () => {
    const flows = run([obs({ tsSec: 10, action: 'allowed', tcpFlags: 2 }), obs({ tsSec: 20, kind: 'late', tcpFlags: 0x11 })]);
    expect(flows[0]!.outcome).toBe('allowed');
    expect(flows[0]!.firewall).toMatchObject({ action: 'allowed', lateOnly: true, count: 2 });
  });

  it('lines that do not know the initiator infer it; a later line that knows turns the flow around', () => {
    const unknown = { proto: 17, initiatorKnown: false, action: 'allowed' as const };
    const flows = run([
      obs({ tsSec: 10, ...unknown, src: S, srcPort: 5000, dst: C, dstPort: 6000 }),
      obs({ tsSec: 11, ...unknown, src: C, srcPort: 6000, dst: S, dstPort: 5000, initiatorKnown: true }),
    ]);
    // 5000 and 6000 tie as server ports: the first line's sender was taken as client, then corrected.
    expect(flows.map(brief)).toEqual([`udp ${C}:6000>${S}:5000 allowed dD 1/1`]);
    expect(flows[0]!.directionInferred).toBe(false);
  });

  it('UDP lines without the initiator: the service port is the server, direction inferred', () => {
    const flows = run([obs({ tsSec: 10, proto: 17, initiatorKnown: false, src: S, srcPort: 53, dst: C, dstPort: 40000 })]);
    expect(brief(flows[0]!)).toBe(`udp ${C}:40000>${S}:53 denied d 0/1`);
    expect(flows[0]!.directionInferred).toBe(true);
  });

  it('an ICMP error line quoting a packet applies to the quoted flow', () => {
    const flows = run([
      obs({ tsSec: 10, proto: 17, dstPort: 161, action: 'allowed' }),
      obs({
        tsSec: 10.5,
        proto: 1,
        src: S,
        srcPort: 0,
        dst: C,
        dstPort: 0,
        action: 'allowed',
        icmpType: 3,
        icmpCode: 3,
        quoted: { proto: 17, src: C, srcPort: 40000, dst: S, dstPort: 161 },
      }),
    ]);
    expect(flows.map((f) => `${brief(f)} ${JSON.stringify(f.icmpError)}`)).toEqual([
      `udp ${C}:40000>${S}:161 icmp-unreachable D 1/0 {"type":3,"code":3,"from":"${S}","packets":1}`,
    ]);
  });

  it('flow logs without an action take the outcome from the reported conn_state', () => {
    const zeek = { action: 'unknown' as const, kind: 'session' as const, format: 'zeek-conn' };
    const flows = run([
      obs({ tsSec: 1, ...zeek, connState: 'S0', history: 'S', packets: { out: 2, back: 0 } }),
      obs({ tsSec: 2, ...zeek, srcPort: 40001, connState: 'REJ', history: 'Sr', packets: { out: 1, back: 1 } }),
      obs({ tsSec: 3, ...zeek, srcPort: 40002, connState: 'SF', history: 'ShADadFf', packets: { out: 6, back: 5 }, bytes: { out: 400, back: 9000 } }),
    ]);
    expect(flows.map(brief)).toEqual([
      `tcp ${C}:40000>${S}:443 unanswered S 2/0`,
      `tcp ${C}:40001>${S}:443 rejected Sr 1/1`,
      `tcp ${C}:40002>${S}:443 established ShADadFf 6/5`,
    ]);
    expect(flows[2]!.bytes).toEqual({ client: 400, server: 9000 });
    expect(flows[2]!.firewall).toBeUndefined();
  });

  it('a session the firewall allowed but that ended in SYN timeout is unanswered', () => {
    const flows = run([obs({ tsSec: 10, action: 'allowed', kind: 'session', connId: '9', format: 'cisco-asa', connState: 'S0' })]);
    expect(flows[0]!.outcome).toBe('unanswered');
    expect(flows[0]!.firewall).toMatchObject({ action: 'allowed', count: 1 });
  });

  it('the same tuple after the timeout is a new flow', () => {
    const flows = run([obs({ tsSec: 10, proto: 17 }), obs({ tsSec: 100, proto: 17 })]);
    expect(flows.map((f) => f.id)).toEqual(['2.1', '2.2']);
  });

  it('a session record spanning time extends the flow to its end', () => {
    const flows = run([obs({ tsSec: 10, action: 'allowed', kind: 'session', endSec: 40, endNsec: 5, packets: { out: 3, back: 2 } })]);
    expect(flows[0]!.last).toBe('1970-01-01T00:00:40.000000005Z');
    expect(flows[0]!.packets).toEqual({ client: 3, server: 2 });
  });
});

describe('how long a log flow waits for more lines', () => {
  const syn = { tcpFlags: 2, rule: 'INPUT-DROP' };
  it('a TCP flow of denied attempts only waits 130 s for a retransmitted SYN (Linux retries for 127 s)', () => {
    const flows = run([obs({ tsSec: 1000, ...syn }), obs({ tsSec: 1063, ...syn }), obs({ tsSec: 1190, ...syn }), obs({ tsSec: 1321, ...syn })]);
    // 1063 − 1000 and 1190 − 1063 are within 130 s; 1321 − 1190 = 131 s is not.
    expect(flows.map(brief)).toEqual([`tcp ${C}:40000>${S}:443 denied S 3/0`, `tcp ${C}:40000>${S}:443 denied S 1/0`]);
  });
  it('an allowed line keeps the TCP timeout (300 s), and so does a denied flow that saw an answer', () => {
    const allowed = run([obs({ tsSec: 1000, ...syn }), obs({ tsSec: 1001, action: 'allowed', kind: 'session' }), obs({ tsSec: 1250, ...syn })]);
    expect(allowed).toHaveLength(1);
    const answered = run([obs({ tsSec: 1000, ...syn }), obs({ tsSec: 1001, src: S, srcPort: 443, dst: C, dstPort: 40000, tcpFlags: 0x12, kind: 'late' }), obs({ tsSec: 1250, ...syn })]);
    expect(answered).toHaveLength(1);
  });
  it('never waits longer than the TCP timeout, and the wait can be set', () => {
    const lines = [obs({ tsSec: 1000, ...syn }), obs({ tsSec: 1060, ...syn })];
    const short: Flow[] = [];
    const t1 = new FlowTable({ tcpTimeout: 30 }, (f) => short.push(f));
    for (const o of lines) t1.addObservation(o, 1);
    t1.flush();
    expect(short).toHaveLength(2);
    const long: Flow[] = [];
    const t2 = new FlowTable({ deniedTimeout: 300, tcpTimeout: 300 }, (f) => long.push(f));
    for (const o of [...lines, obs({ tsSec: 1300, ...syn })]) t2.addObservation(o, 1);
    t2.flush();
    expect(long).toHaveLength(1);
  });
  it('a Zeek conn.log line or Suricata flow event closes its flow at once, after the lines before it', () => {
    const emitted: Flow[] = [];
    const table = new FlowTable({}, (f) => emitted.push(f));
    table.addObservation(obs({ tsSec: 10, format: 'suricata-eve', connId: '9', tcpFlags: 2 }), 1);
    expect(emitted).toHaveLength(0);
    table.addObservation(obs({ tsSec: 11, format: 'suricata-eve', connId: '9', action: 'unknown', kind: 'session', final: true, packets: { out: 3, back: 0 } }), 1);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.firewall?.count).toBe(1);
    table.addObservation(obs({ tsSec: 12, format: 'zeek-conn', action: 'unknown', kind: 'session', connId: 'Cx', final: true, srcPort: 40001 }), 1);
    expect(emitted).toHaveLength(2);
    expect(table.stats().active).toBe(0);
  });
});
