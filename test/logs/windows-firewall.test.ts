import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { windowsFirewallFormat } from '../../src/ingest/logs/windows-firewall.js';
import { FIXTURE_OPTIONS, fixtureCases, fixtureFileName, runFormat, runLineFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = windowsFirewallFormat;

describe('windows-firewall: golden fixtures', () => {
  const cases = fixtureCases('windows-firewall');
  for (const c of cases) {
    it(`${c.name}: the reader picks windows-firewall by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('windows-firewall');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['no-header', 'pfirewall-local-time', 'reordered-fields']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(windowsFirewallFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const HEADER = [
  '#Version: 1.5',
  '#Software: Microsoft Windows Firewall',
  '#Time Format: Local',
  '#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path pid',
  '',
].join('\n');

describe('windows-firewall: semantics', () => {
  it('applies the local-time offset (east of UTC is subtracted)', () => {
    const line = '2024-03-05 14:02:12 DROP TCP 198.51.100.23 10.20.1.15 40112 3389 52 S 1 0 64240 - - - RECEIVE 0';
    const east = runLineFormat(windowsFirewallFormat, `${HEADER}${line}\n`, 'f', { ...FIXTURE_OPTIONS, utcOffsetMinutes: 60 });
    const utc = runLineFormat(windowsFirewallFormat, `${HEADER}${line}\n`, 'f', FIXTURE_OPTIONS);
    expect(utc.observations[0]!.tsSec).toBe(Date.UTC(2024, 2, 5, 14, 2, 12) / 1000);
    expect(east.observations[0]!.tsSec).toBe(utc.observations[0]!.tsSec - 3600);
  });

  it('reads DROP with SYN as a denied attempt by a known initiator, and ACK/RST as late', () => {
    const text =
      HEADER +
      '2024-03-05 14:02:12 DROP TCP 198.51.100.23 10.20.1.15 40112 3389 52 S 1 0 64240 - - - RECEIVE 0\n' +
      '2024-03-05 14:02:13 DROP TCP 10.20.9.40 10.20.1.15 445 52001 40 AR 1 2 0 - - - RECEIVE 0\n' +
      '2024-03-05 14:02:14 ALLOW TCP 10.20.1.15 10.20.9.40 52344 445 0 - - - - - - - SEND 4\n';
    const [syn, ackRst, allow] = runLineFormat(windowsFirewallFormat, text, 'f').observations;
    expect(syn).toMatchObject({ action: 'denied', kind: 'attempt', initiatorKnown: true, tcpFlags: 2, direction: 'RECEIVE', src: '198.51.100.23', dstPort: 3389 });
    expect(ackRst).toMatchObject({ action: 'denied', kind: 'late', initiatorKnown: false, tcpFlags: 16 | 4 });
    expect(allow).toMatchObject({ action: 'allowed', kind: 'attempt', initiatorKnown: false, direction: 'SEND' });
    expect(allow!.tcpFlags).toBeUndefined();
  });

  it('takes the column order from #Fields, not from a fixed layout', () => {
    const text =
      '#Fields: path date time dst-port src-port protocol action dst-ip src-ip\n' +
      'RECEIVE 2024-01-01 00:00:00 22 61000 TCP DROP 10.0.0.8 192.0.2.44\n';
    const r = runLineFormat(windowsFirewallFormat, text, 'f');
    expect(r.observations[0]).toMatchObject({ src: '192.0.2.44', srcPort: 61000, dst: '10.0.0.8', dstPort: 22, direction: 'RECEIVE' });
  });

  it('counts unreadable lines with a reason and skips headers and lost-event markers', () => {
    const text =
      HEADER +
      '2024-03-05 14:02:18 INFO-EVENTS-LOST - - - - - - - - - - - - - - - -\n' +
      '2024-03-05 14:02:19 DROP TCP 10.20.1.300 10.20.1.15 40113 3389 52 S 1 0 64240 - - - RECEIVE 0\n' +
      '2024-03-05 14:02:20 DROP UDP 10.20.1.99 10.20.1.15 137 - 78 - - - - - - - RECEIVE 0\n' +
      '2024-13-05 14:02:20 DROP UDP 10.20.1.99 10.20.1.15 137 137 78 - - - - - - - RECEIVE 0\n';
    const r = runLineFormat(windowsFirewallFormat, text, 'f');
    expect(r.observations).toHaveLength(0);
    expect(r.bad.map((b) => b.code)).toEqual(['windows-firewall-bad-address', 'windows-firewall-bad-port', 'windows-firewall-bad-time']);
    expect(r.skips.map((s) => s.reason)).toContain('INFO-EVENTS-LOST (the firewall dropped log events)');
  });

  it('sniffs the header and data lines, and not W3C logs of other software', () => {
    expect(windowsFirewallFormat.sniff('#Software: Microsoft Windows Firewall')).toBe(100);
    expect(windowsFirewallFormat.sniff('2024-03-05 14:02:12 DROP TCP 1.2.3.4 5.6.7.8 1 2 52 S 1 0 64240 - - - RECEIVE 0')).toBeGreaterThan(0);
    expect(windowsFirewallFormat.sniff('#Software: Microsoft Internet Information Services 10.0')).toBe(0);
    expect(windowsFirewallFormat.sniff('2024-03-05 14:02:12 10.0.0.1 GET /index.html - 80 - 10.0.0.2 Mozilla/5.0 - 200 0 0 15')).toBe(0);
  });
});
