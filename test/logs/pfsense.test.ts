import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pfsenseFormat } from '../../src/ingest/logs/pfsense.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string): LineResult {
  return pfsenseFormat.createParser({ file: 'pf.log', options: BASE_OPTIONS })(line, { file: 'pf.log', line: 1, options: BASE_OPTIONS });
}

describe('pfSense filterlog', () => {
  it('reads IPv4 TCP with its flags', () => {
    expect(parse('<134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,10.170.12.50,1.1.1.1,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS;nop;wscale')).toMatchObject({
      proto: 6,
      src: '10.170.12.50',
      srcPort: 49724,
      dst: '1.1.1.1',
      dstPort: 853,
      action: 'denied',
      kind: 'attempt',
      tcpFlags: 2,
      direction: 'in',
      interface: 'igb1.12',
      rule: '1535324496',
    });
    expect(parse('<134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,52,1.1.1.1,10.170.12.50,853,49724,0,FA,1,2,64240,,')).toMatchObject({ kind: 'late', tcpFlags: 17 });
  });
  it('reads IPv6 (protocol name and id in the other order)', () => {
    expect(parse('<134>Jul  3 19:10:31 filterlog[72237]: 6,,,1000000105,igb1.27,match,block,in,6,0x00,0xf6279,1,UDP,17,32,fe80::208:9bff:fef3:652b,ff02::1:2,546,547,32')).toMatchObject({
      proto: 17,
      src: 'fe80::208:9bff:fef3:652b',
      srcPort: 546,
      dst: 'ff02::1:2',
      dstPort: 547,
    });
  });
  it('reads ICMP requests and port-unreachable errors with the packet they answer', () => {
    expect(parse('<134>Jul  4 11:10:45 filterlog[72237]: 176,,,1520797901,igb1.10,match,pass,in,4,0x0,,64,62096,0,DF,1,icmp,84,10.100.10.30,142.250.114.105,request,37728,164')).toMatchObject({ proto: 1, icmpType: 8, kind: 'attempt', action: 'allowed' });
    expect(parse('<134>Mar  4 10:40:06 filterlog[7123]: 80,,,1710000004,em0,match,block,in,4,0xc0,,254,9,0,none,1,icmp,56,198.51.100.1,192.0.2.10,unreachport,198.51.100.90,17,161')).toMatchObject({
      icmpType: 3,
      icmpCode: 3,
      kind: 'late',
      quoted: { proto: 17, src: '192.0.2.10', dst: '198.51.100.90', dstPort: 161 },
    });
  });
  it('skips rule matches that are not verdicts', () => {
    expect(parse('<134>Mar  4 10:40:09 filterlog[7123]: 3,,,1000000001,em0,match,rdr,in,4,0x0,,52,41003,0,DF,6,tcp,60,198.51.100.23,192.0.2.10,51801,8080,0,S,1,,64240,,mss')).toHaveProperty('skip');
  });
});

describe.runIf(haveCorpus)('pfSense over the corpus', () => {
  it('reads every line of the sample', async () => {
    const r = await readLogFile(join(corpusLogs, 'pfsense/test-pfsense-bsd.log'));
    expect(r.stats.format).toBe('pfsense');
    expect(r.stats.badLines).toBe(0);
    expect(r.observations).toHaveLength(r.stats.lines);
    expect(r.observations.filter((o) => o.action === 'denied' && o.kind === 'attempt')).toHaveLength(14);
  });
});
