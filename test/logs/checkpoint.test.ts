import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointFormat } from '../../src/ingest/logs/checkpoint.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string): LineResult {
  return checkpointFormat.createParser({ file: 'cp.log', options: BASE_OPTIONS })(line, { file: 'cp.log', line: 1, options: BASE_OPTIONS });
}

describe('Check Point Log Exporter', () => {
  it('maps Accept, Drop and Reject', () => {
    const line = (a: string): string => `<134>1 2024-03-04T10:50:00Z cp-gw CheckPoint 2210 - [action:"${a}"; ifdir:"inbound"; ifname:"eth0"; dst:"192.0.2.10"; proto:"6"; s_port:"51900"; service:"3001"; src:"198.51.100.23"]`;
    expect(parse(line('Accept'))).toMatchObject({ action: 'allowed', kind: 'session', src: '198.51.100.23', srcPort: 51900, dst: '192.0.2.10', dstPort: 3001, proto: 6 });
    expect(parse(line('Drop'))).toMatchObject({ action: 'denied', kind: 'attempt' });
    expect(parse(line('Reject'))).toMatchObject({ action: 'denied', kind: 'attempt' });
    expect(parse(line('Detect'))).toHaveProperty('skip');
  });
  it('reads a drop of an out-of-state packet as late', () => {
    expect(
      parse('<134>1 2020-03-30T06:13:42Z gw CheckPoint 8363 - [action:"Drop"; ifdir:"outbound"; ifname:"eth0"; dst:"2.21.41.118"; proto:"6"; s_port:"65488"; service:"80"; src:"192.168.1.100"; tcp_flags:"FIN-ACK"; tcp_packet_out_of_state:"First packet isn\'t SYN"]'),
    ).toMatchObject({ kind: 'late', initiatorKnown: false });
  });
  it('unescapes values', () => {
    expect(parse('<134>1 2024-03-04T10:50:04Z cp-gw CheckPoint 2210 - [action:"Accept"; dst:"2001:db8:2::10"; proto:"6"; rule_name:"v6 \\"web\\" \\]in\\;"; s_port:"39100"; service:"80"; src:"2001:db8:1::42"]')).toMatchObject({ rule: 'v6 "web" ]in;' });
  });
});

describe.runIf(haveCorpus)('Check Point over the corpus', () => {
  it('reads the exporter sample and the optimized-drop sample', async () => {
    const a = await readLogFile(join(corpusLogs, 'checkpoint/test-checkpoint.input-sample.log'));
    expect(a.stats.format).toBe('checkpoint');
    expect(a.stats.badLines).toBe(0);
    expect(a.observations).toHaveLength(5);
    const b = await readLogFile(join(corpusLogs, 'checkpoint/test-packet-drop.log'));
    expect(b.stats.format).toBe('checkpoint');
    expect(b.observations).toHaveLength(8);
    expect(b.observations.every((o) => o.action === 'denied' && o.src === '81.2.69.142')).toBe(true);
  });
});
