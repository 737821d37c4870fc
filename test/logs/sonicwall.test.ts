import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSonicEndpoint, sonicwallFormat } from '../../src/ingest/logs/sonicwall.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string): LineResult {
  return sonicwallFormat.createParser({ file: 'sw.log', options: BASE_OPTIONS })(line, { file: 'sw.log', line: 1, options: BASE_OPTIONS });
}

describe('SonicWall', () => {
  it('splits address:port:interface, IPv6 bare or bracketed', () => {
    expect(readSonicEndpoint('10.0.0.96:54606:X1')).toEqual({ ip: '10.0.0.96', port: 54606, iface: 'X1' });
    expect(readSonicEndpoint('10.0.0.96:54606:X1:host.example')).toEqual({ ip: '10.0.0.96', port: 54606, iface: 'X1' });
    expect(readSonicEndpoint('198.51.100.77:X1')).toEqual({ ip: '198.51.100.77', port: 0, iface: 'X1' });
    expect(readSonicEndpoint('2001:db8:2::10:40500:X0')).toEqual({ ip: '2001:db8:2::10', port: 40500, iface: 'X0' });
    expect(readSonicEndpoint('2001:db8::1:443')).toEqual({ ip: '2001:db8::1', port: 443, iface: '' });
    expect(readSonicEndpoint('[2001:db8:2::11]:40501:X0:host6')).toEqual({ ip: '2001:db8:2::11', port: 40501, iface: 'X0' });
    expect(readSonicEndpoint('10.0.0.1:telnet:X0')).toBeUndefined();
  });
  it('maps fw_action and message ids', () => {
    const base = 'id=firewall sn=0017C5000001 time="2024-03-04 10:55:00" fw=192.0.2.3 pri=1 src=198.51.100.23:52000:X1 dst=192.0.2.10:3001:X0 proto=tcp/3001';
    expect(parse(`${base} m=36 fw_action="drop"`)).toMatchObject({ action: 'denied', kind: 'attempt', dstPort: 3001 });
    expect(parse(`${base} m=98 fw_action="NA"`)).toMatchObject({ action: 'allowed', kind: 'session' });
    expect(parse(`${base} m=537 sent=10 rcvd=20 spkt=1 rpkt=2 cdur=5000`)).toMatchObject({ action: 'allowed', packets: { out: 1, back: 2 }, bytes: { out: 10, back: 20 } });
    expect(parse(`${base} m=82`)).toHaveProperty('skip');
  });
});

describe.runIf(haveCorpus)('SonicWall over the corpus', () => {
  it('reads the sample', async () => {
    const r = await readLogFile(join(corpusLogs, 'sonicwall_firewall/test-nat.log'));
    expect(r.stats.format).toBe('sonicwall');
    expect(r.stats.badLines).toBe(0);
    expect(r.observations).toHaveLength(4);
    expect(r.observations[0]).toMatchObject({ src: '10.0.0.96', srcPort: 54606, dst: '169.254.169.254', dstPort: 80, proto: 6, action: 'allowed' });
  });
});

describe('SonicWall IPv6 without a port', () => {
  it('prefers address:port:interface, and falls back to address:interface', () => {
    expect(readSonicEndpoint('2001:db8:9::1:161:X1')).toEqual({ ip: '2001:db8:9::1', port: 161, iface: 'X1' });
    expect(readSonicEndpoint('2001:db8:9::1:X1')).toEqual({ ip: '2001:db8:9::1', port: 0, iface: 'X1' });
  });
});
