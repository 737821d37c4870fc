import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { suricataEveFormat } from '../../src/ingest/logs/suricata-eve.js';
import { corpusRoot, fixtureCases, fixtureFileName, hasCorpus, runFormat, runLineFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = suricataEveFormat;

describe('suricata-eve: golden fixtures', () => {
  const cases = fixtureCases('suricata-eve');
  for (const c of cases) {
    it(`${c.name}: the reader picks suricata-eve by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('suricata-eve');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['eve']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(suricataEveFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const flow = (tcp: Record<string, unknown> | undefined, counts: { ts: number; tc: number }, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    timestamp: '2024-05-01T12:00:10.000000+0000',
    flow_id: 0,
    event_type: 'flow',
    src_ip: '10.0.0.1',
    src_port: 40000,
    dest_ip: '10.0.0.2',
    dest_port: 443,
    proto: tcp === undefined ? 'UDP' : 'TCP',
    flow: { pkts_toserver: counts.ts, pkts_toclient: counts.tc, bytes_toserver: counts.ts * 60, bytes_toclient: counts.tc * 60, start: '2024-05-01T12:00:00.123456+0000', end: '2024-05-01T12:00:05+0000', state: 'closed', ...extra },
    ...(tcp === undefined ? {} : { tcp }),
  }).replace('"flow_id":0', '"flow_id":1234567890123456789'); // beyond a double: kept as text

describe('suricata-eve: flow events', () => {
  it('reads the flow record: client first, counts both ways, start/end, flow_id kept exactly', () => {
    const r = runLineFormat(suricataEveFormat, flow({ tcp_flags_ts: '1b', tcp_flags_tc: '1b' }, { ts: 5, tc: 4 }), 'f');
    expect(r.observations[0]).toMatchObject({
      src: '10.0.0.1', srcPort: 40000, dst: '10.0.0.2', dstPort: 443, proto: 6, action: 'unknown', kind: 'session', initiatorKnown: true,
      packets: { out: 5, back: 4 }, bytes: { out: 300, back: 240 }, tsNsec: 123456000, endSec: Date.UTC(2024, 4, 1, 12, 0, 5) / 1000,
      connState: 'S1', connId: '1234567890123456789',
    });
  });

  it('derives a Zeek-style state: REJ, S0, OTH; UDP S0/SF', () => {
    const state = (line: string): string | undefined => runLineFormat(suricataEveFormat, line, 'f').observations[0]!.connState;
    expect(state(flow({ tcp_flags_ts: '02', tcp_flags_tc: '14' }, { ts: 1, tc: 1 }))).toBe('REJ');
    expect(state(flow({ tcp_flags_ts: '02', tcp_flags_tc: '00' }, { ts: 3, tc: 0 }))).toBe('S0');
    expect(state(flow({ tcp_flags_ts: '18', tcp_flags_tc: '18' }, { ts: 3, tc: 3 }))).toBe('OTH');
    expect(state(flow(undefined, { ts: 1, tc: 0 }))).toBe('S0');
    expect(state(flow(undefined, { ts: 1, tc: 1 }))).toBe('SF');
  });

  it('an IPS flow with action drop is a denied attempt', () => {
    const r = runLineFormat(suricataEveFormat, flow({ tcp_flags_ts: '02', tcp_flags_tc: '00' }, { ts: 1, tc: 0 }, { action: 'drop' }), 'f');
    expect(r.observations[0]).toMatchObject({ action: 'denied', kind: 'attempt' });
  });
});

describe('suricata-eve: drop and alert events', () => {
  it('drop: SYN is an attempt, ACK/PSH is late', () => {
    const drop = (flags: Record<string, boolean>): string =>
      JSON.stringify({ timestamp: '2024-05-01T12:06:04+0000', event_type: 'drop', src_ip: '198.51.100.77', src_port: 51111, dest_ip: '10.1.46.5', dest_port: 23, proto: 'TCP', drop: { len: 60, ...flags } });
    const r = runLineFormat(suricataEveFormat, [drop({ syn: true, ack: false }), drop({ syn: false, ack: true, psh: true })].join('\n'), 'f');
    expect(r.observations.map((o) => [o.action, o.kind, o.tcpFlags, o.initiatorKnown])).toEqual([
      ['denied', 'attempt', 2, true],
      ['denied', 'late', 24, false],
    ]);
  });

  it('blocked alert: turned around when it fired on a to_client packet; allowed alerts are skipped', () => {
    const alert = (action: string, extra: Record<string, unknown>): string =>
      JSON.stringify({ timestamp: '2024-05-01T12:06:06+0000', event_type: 'alert', src_ip: '10.1.46.5', src_port: 80, dest_ip: '10.1.22.212', dest_port: 47592, proto: 'TCP', alert: { action, signature_id: 1, signature: 'x' }, ...extra });
    const r = runLineFormat(suricataEveFormat, [alert('blocked', { direction: 'to_client' }), alert('allowed', {})].join('\n'), 'f');
    expect(r.observations).toHaveLength(1);
    expect(r.observations[0]).toMatchObject({ src: '10.1.22.212', srcPort: 47592, dst: '10.1.46.5', dstPort: 80, action: 'denied', initiatorKnown: true, rule: 'sid 1: x' });
    expect(r.skips.map((s) => s.reason)).toEqual(['event_type alert']);
  });

  it('Suricata 7 alerts: flow.src_ip gives the orientation', () => {
    const line = JSON.stringify({
      timestamp: '2024-05-01T12:06:06+0000', event_type: 'alert', src_ip: '10.1.46.5', src_port: 80, dest_ip: '10.1.22.212', dest_port: 47592, proto: 'TCP',
      alert: { action: 'blocked', signature_id: 7 }, flow: { src_ip: '10.1.22.212', src_port: 47592, dest_ip: '10.1.46.5', dest_port: 80, pkts_toclient: 0 },
    });
    expect(runLineFormat(suricataEveFormat, line, 'f').observations[0]).toMatchObject({ src: '10.1.22.212', dstPort: 80, kind: 'attempt', initiatorKnown: true });
  });
});

describe('suricata-eve: sniffing', () => {
  it('claims EVE events', () => {
    expect(suricataEveFormat.sniff(flow(undefined, { ts: 1, tc: 0 }))).toBe(95);
    expect(suricataEveFormat.sniff('{"timestamp":"x","event_type":"stats","stats":{}}')).toBe(50);
    expect(suricataEveFormat.sniff('{"ts":1,"id.orig_h":"10.0.0.1"}')).toBe(0);
  });
});

describe.skipIf(!hasCorpus)('suricata-eve: corpus sample (read in place)', () => {
  it('test-eve-6-0.log: the two flow events; the allowed alert is skipped', () => {
    const file = join(corpusRoot, 'logs/suricata_eve/test-eve-6-0.log');
    const r = runLineFormat(suricataEveFormat, readFileSync(file, 'utf8'), file);
    expect(r.bad).toEqual([]);
    expect(r.skips.map((s) => s.line)).toEqual([1]);
    expect(r.observations.map((o) => [o.src, o.srcPort, o.dst, o.dstPort, o.proto, o.connState, o.packets, o.connId])).toEqual([
      ['10.1.22.212', 56984, '10.1.46.5', 5005, 6, 'S1', { out: 74, back: 56 }, '1548007570151262'],
      ['10.0.0.72', 14612, '81.2.69.192', 443, 6, 'S1', { out: 15, back: 10 }, '1357088669212417'],
    ]);
  });
});
