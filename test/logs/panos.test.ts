import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { panosFormat } from '../../src/ingest/logs/panos.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string, options = BASE_OPTIONS): LineResult {
  return panosFormat.createParser({ file: 'pa.log', options })(line, { file: 'pa.log', line: 1, options });
}

const END =
  '1,2024/03/04 10:10:00,013201001234,TRAFFIC,end,2561,2024/03/04 10:10:00,10.1.1.5,198.51.100.80,203.0.113.2,198.51.100.80,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,default,2024/03/04 10:10:00,40001,1,49300,443,21001,443,0x400053,tcp,allow,9120,1500,7620,24,2024/03/04 10:09:30,30,computer-and-internet-info,,7000001,0x0,10.0.0.0-10.255.255.255,United States,,12,12,tcp-fin,0,0,0,0,,pa-1,from-policy,,,0,,0,,N/A,0,0,0,0';

describe('PAN-OS traffic', () => {
  it('reads an end log with and without a syslog header, ignoring appended columns', () => {
    const plain = parse(END);
    const headed = parse(`Mar  4 10:10:00 pa-1 ${END}`);
    const longer = parse(`<14>Mar  4 10:10:00 pa-1 ${END},extra,columns,of,pan-os,11`);
    for (const r of [plain, headed, longer]) {
      expect(r).toMatchObject({ src: '10.1.1.5', srcPort: 49300, dst: '198.51.100.80', dstPort: 443, proto: 6, action: 'allowed', kind: 'session', rule: 'allow-web', endReason: 'tcp-fin', packets: { out: 12, back: 12 }, bytes: { out: 1500, back: 7620 } });
    }
  });
  it('takes the session start and the generated time as its span (device local time)', () => {
    const r = parse(END, { ...BASE_OPTIONS, utcOffsetMinutes: 60 });
    expect(r).toMatchObject({ tsSec: Date.UTC(2024, 2, 4, 9, 9, 30) / 1000, endSec: Date.UTC(2024, 2, 4, 9, 10, 0) / 1000 });
  });
  it('maps deny, drop and reset actions to denied', () => {
    for (const a of ['deny', 'drop', 'reset-both', 'reset-client', 'drop-icmp']) {
      expect(parse(END.replace(',tcp,allow,', `,tcp,${a},`).replace(',12,12,tcp-fin', ',1,0,policy-deny'))).toMatchObject({ action: 'denied', kind: 'attempt' });
    }
  });
  it('counts a short record as a bad line and skips other log types', () => {
    expect(parse('1,2024/03/04 10:10:07,013201001234,TRAFFIC,end,2561,2024/03/04 10:10:07,10.1.1.5,198.51.100.80')).toMatchObject({ code: 'short-record' });
    expect(parse(END.replace(',TRAFFIC,end,', ',THREAT,vulnerability,'))).toHaveProperty('skip');
  });
});

describe.runIf(haveCorpus)('PAN-OS over the corpus', () => {
  it('reads every traffic line of the sample', async () => {
    const r = await readLogFile(join(corpusLogs, 'panw/test-panw-panos-traffic-sample.input-sample.log'));
    expect(r.stats.format).toBe('panos');
    expect(r.stats.badLines).toBe(0);
    expect(r.observations).toHaveLength(10);
    expect(r.observations[0]).toMatchObject({ src: '192.168.15.207', srcPort: 55113, dst: '175.16.199.1', dstPort: 443, action: 'allowed', endReason: 'tcp-fin' });
    expect(r.observations.filter((o) => o.action === 'denied').map((o) => o.evidence.line)).toEqual([7, 8]);
  });
});
