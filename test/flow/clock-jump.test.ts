/**
 * Absurd capture timestamps: one record whose time jumps the capture clock far ahead (a corrupted
 * record header) must not expire every live flow nor split the flows after it; a real pause of
 * the capture, confirmed by the records after it, is still taken (docs/flows.md, "Flow lifetime").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { FlowTable } from '../../src/flow/table.js';
import type { Flow, Observation } from '../../src/model.js';
import { readFlows } from '../../src/pipeline.js';
import { at, ip, tcp, toFrames, udp, writePcap } from '../support/capture-writer.js';
import type { TimedPacket } from '../support/capture-writer.js';

const T0 = 1_700_000_000;
const DAY = 86_400;
const FORTY_YEARS = Math.round(40 * 365.25 * DAY);
const SERVER = '10.1.0.1';

/** Connection `i`: handshake at T0 + offset + i, then data both ways every 20 s until `until` (no close). */
function connection(i: number, from: number, until: number): TimedPacket[] {
  const client = `10.0.0.${i + 1}`;
  const cp = 40000 + i;
  const out: TimedPacket[] = [
    { ts: at(from + i), ip: ip(client, SERVER, tcp({ srcPort: cp, dstPort: 443, flags: 'S', seq: 1000 })) },
    { ts: at(from + i, 500_000), ip: ip(SERVER, client, tcp({ srcPort: 443, dstPort: cp, flags: 'SA', seq: 5000, ack: 1001 })) },
    { ts: at(from + i, 1_000_000), ip: ip(client, SERVER, tcp({ srcPort: cp, dstPort: 443, flags: 'A', seq: 1001, ack: 5001 })) },
  ];
  for (let s = from + i + 20, k = 0; s <= until; s += 20, k++) {
    const fromClient = k % 2 === 0;
    out.push({
      ts: at(s),
      ip: fromClient
        ? ip(client, SERVER, tcp({ srcPort: cp, dstPort: 443, flags: 'PA', seq: 1001 + k, ack: 5001 }, 'x'))
        : ip(SERVER, client, tcp({ srcPort: 443, dstPort: cp, flags: 'PA', seq: 5001 + k, ack: 1001 }, 'y')),
    });
  }
  return out;
}

function byTime(pkts: TimedPacket[]): TimedPacket[] {
  return pkts.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
}

async function flowsOf(pkts: readonly TimedPacket[]): Promise<{ flows: Flow[]; anomalies: AnomalyLog; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'portolan-clock-')), 'capture.pcap');
  writeFileSync(path, writePcap(toFrames(pkts)));
  const flows: Flow[] = [];
  const r = await readFlows([path], {}, (f) => flows.push(f));
  return { flows, anomalies: r.anomalies, path };
}

const seconds = (text: string): number => Date.parse(text) / 1000;

describe('a packet 40 years ahead in the middle of a capture', () => {
  it('expires nothing, splits nothing, is counted in its flow at the clock time, and is one clock-jump anomaly', async () => {
    const pkts = byTime(Array.from({ length: 20 }, (_, i) => connection(i, T0, T0 + 600)).flat());
    // Connection 5's data packet at T0 + 305 gets a timestamp 40 years later (year 2063).
    const k = pkts.findIndex((p) => p.ts === at(T0 + 305));
    expect(k).toBeGreaterThan(0);
    const normalFirst = pkts[k - 1]!.ts;
    pkts[k] = { ts: pkts[k]!.ts + BigInt(FORTY_YEARS) * 1_000_000_000n, ip: pkts[k]!.ip };
    const { flows, anomalies, path } = await flowsOf(pkts);

    expect(flows).toHaveLength(20);
    for (const f of flows) {
      expect(seconds(f.first)).toBeGreaterThanOrEqual(T0);
      expect(seconds(f.last)).toBeLessThanOrEqual(T0 + 620);
      expect(f.history.startsWith('ShAD')).toBe(true);
    }
    const five = flows.find((f) => f.client.port === 40005)!;
    const sent = pkts.filter((p) => p.ip.src === '10.0.0.6' || p.ip.dst === '10.0.0.6').length;
    expect(sent).toBe(3 + 29);
    expect(five.packets.client + five.packets.server).toBe(sent);
    expect(anomalies.count('clock-jump')).toBe(1);
    expect(anomalies.count('clock-gap')).toBe(0);
    expect(anomalies.count('flow-table-cap')).toBe(0);
    const entry = anomalies.summary().find((a) => a.code === 'clock-jump')!;
    expect(entry.severity).toBe('warning');
    const ex = entry.examples[0]!;
    expect(ex.file).toBe(path);
    // The pcap header, then a 16-byte record header and the frame for each packet before it.
    expect(ex.offset).toBe(toFrames(pkts.slice(0, k)).reduce((n, f) => n + 16 + f.frame.data.length, 24));
    expect(ex.message).toBe(
      `${path}@0x${ex.offset!.toString(16)}: packet time 2063-11-14T22:18:25.000000000Z is 40 years after the capture clock ` +
        `(${new Date(Number(normalFirst / 1_000_000n)).toISOString().replace('.000Z', '.000000000Z')}) and the next is not: counted at the clock's time, no flow expired`,
    );
  });

  it('a lone outlier that opens its own flow: a flow at the clock time; a last packet far ahead is an outlier too', async () => {
    const pkts = byTime(Array.from({ length: 3 }, (_, i) => connection(i, T0, T0 + 200)).flat());
    const k = pkts.findIndex((p) => p.ts === at(T0 + 100));
    pkts.splice(k, 0, { ts: at(4_294_967_295), ip: ip('192.0.2.9', SERVER, udp({ srcPort: 5353, dstPort: 53 }, 'q')) });
    pkts.push({ ts: at(4_000_000_000), ip: ip('192.0.2.10', SERVER, udp({ srcPort: 5353, dstPort: 53 }, 'q')) });
    const { flows, anomalies } = await flowsOf(pkts);
    expect(flows).toHaveLength(5);
    const lone = flows.find((f) => f.client.ip === '192.0.2.9')!;
    expect(seconds(lone.first)).toBeLessThan(T0 + 101);
    expect(seconds(lone.first)).toBeGreaterThan(T0 + 79);
    const last = flows.find((f) => f.client.ip === '192.0.2.10')!;
    expect(seconds(last.first)).toBeLessThanOrEqual(T0 + 202);
    expect(anomalies.count('clock-jump')).toBe(2);
    const messages = anomalies.summary().find((a) => a.code === 'clock-jump')!.examples.map((e) => e.message);
    expect(messages[0]).toContain('packet time 2106-02-07T06:28:15.000000000Z is 82 years after');
    expect(messages[1]).toContain('and is the last:');
  });
});

describe('a real pause in a capture', () => {
  it('a 3-day gap confirmed by the packets after it is taken: flows before it time out, flows after it keep their times', async () => {
    const before = Array.from({ length: 10 }, (_, i) => connection(i, T0, T0 + 100)).flat();
    const T1 = T0 + 3 * DAY;
    // After the gap: new connections, and connection 0's 5-tuple again (a new flow after 3 days).
    const after = [...Array.from({ length: 5 }, (_, i) => connection(20 + i, T1, T1 + 100)).flat(), ...connection(0, T1 + 50, T1 + 150)];
    const { flows, anomalies } = await flowsOf([...byTime(before), ...byTime(after)]);

    expect(flows).toHaveLength(10 + 5 + 1);
    const beforeGap = flows.filter((f) => seconds(f.first) < T1);
    const afterGap = flows.filter((f) => seconds(f.first) >= T1);
    expect(beforeGap).toHaveLength(10);
    expect(afterGap).toHaveLength(6);
    for (const f of beforeGap) expect(seconds(f.last)).toBeLessThanOrEqual(T0 + 110);
    // The first packet after the gap (connection 20's SYN) was held, then given its real time back.
    const first = flows.find((f) => f.client.port === 40020)!;
    expect(first.first).toBe('2023-11-17T22:13:40.000000000Z');
    expect(first.history.startsWith('ShAD')).toBe(true);
    // Flows before the gap were emitted when the clock took the jump, before any flow after it.
    expect(flows.slice(0, 10).every((f) => seconds(f.first) < T1)).toBe(true);
    expect(anomalies.count('clock-jump')).toBe(0);
    expect(anomalies.count('clock-gap')).toBe(1);
    const gap = anomalies.summary().find((a) => a.code === 'clock-gap')!;
    expect(gap.severity).toBe('info');
    expect(gap.examples[0]!.message).toMatch(/: the capture clock jumps 3 days forward, from 2023-11-14T22:15:\d\d\.\d{9}Z to 2023-11-17T22:13:40\.000000000Z; the next record confirms it$/);
  });

  it('a jump under the bound (2 hours) is taken at once, as before: no anomaly, the old flows time out', async () => {
    const before = Array.from({ length: 4 }, (_, i) => connection(i, T0, T0 + 100)).flat();
    const after = connection(0, T0 + 7200, T0 + 7300);
    const { flows, anomalies } = await flowsOf([...byTime(before), ...byTime(after)]);
    expect(flows).toHaveLength(5);
    expect(anomalies.count('clock-jump') + anomalies.count('clock-gap')).toBe(0);
  });
});

describe('log observations', () => {
  function obs(sec: number, src: string, line: number, endSec?: number): Observation {
    return {
      tsSec: sec,
      tsNsec: 0,
      ...(endSec !== undefined ? { endSec, endNsec: 0 } : {}),
      proto: 17,
      src,
      srcPort: 5000,
      dst: '10.9.9.9',
      dstPort: 514,
      action: 'allowed',
      kind: 'attempt',
      initiatorKnown: false,
      format: 'iptables',
      evidence: { file: 'fw.log', line },
    };
  }

  it('a log line 40 years ahead is held the same way, and named by its line', () => {
    const anomalies = new AnomalyLog();
    const flows: Flow[] = [];
    const table = new FlowTable({ anomalies }, (f) => flows.push(f));
    let line = 0;
    for (let s = 0; s < 50; s++) for (const src of ['10.0.0.1', '10.0.0.2']) table.addObservation(obs(T0 + s, src, ++line), 1);
    table.addObservation(obs(T0 + 25 + FORTY_YEARS, '10.0.0.1', ++line, T0 + 26 + FORTY_YEARS), 1);
    for (let s = 50; s < 100; s++) for (const src of ['10.0.0.1', '10.0.0.2']) table.addObservation(obs(T0 + s, src, ++line), 1);
    table.flush();
    expect(flows).toHaveLength(2);
    for (const f of flows) expect(seconds(f.last)).toBe(T0 + 99);
    expect(flows.find((f) => f.client.ip === '10.0.0.1')!.packets.client).toBe(101);
    expect(anomalies.count('clock-jump')).toBe(1);
    const ex = anomalies.summary().find((a) => a.code === 'clock-jump')!.examples[0]!;
    expect(ex.line).toBe(101);
    expect(ex.message).toMatch(/^fw\.log:101: log record time 2063-11-14T22:13:45\.000000000Z is 40 years after the capture clock \(2023-11-14T22:14:09\.000000000Z\) and the next is not/);
  });

  it('a log quiet for two days: the jump is taken, and the held line keeps its times', () => {
    const anomalies = new AnomalyLog();
    const flows: Flow[] = [];
    const table = new FlowTable({ anomalies }, (f) => flows.push(f));
    for (let s = 0; s < 10; s++) table.addObservation(obs(T0 + s, '10.0.0.1', s + 1), 1);
    const T1 = T0 + 2 * DAY;
    table.addObservation(obs(T1, '10.0.0.3', 11, T1 + 30), 1);
    for (let s = 1; s < 10; s++) table.addObservation(obs(T1 + s, '10.0.0.1', 11 + s), 1);
    table.flush();
    expect(flows).toHaveLength(3);
    const held = flows.find((f) => f.client.ip === '10.0.0.3')!;
    expect([seconds(held.first), seconds(held.last)]).toEqual([T1, T1 + 30]);
    expect(anomalies.count('clock-gap')).toBe(1);
    expect(anomalies.count('clock-jump')).toBe(0);
  });
});
