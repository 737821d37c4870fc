import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { juniperSrxFormat } from '../../src/ingest/logs/juniper-srx.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { allowedDifferences, compare, readExpectedTsv, unexplained } from './corpus-compare.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string): LineResult {
  return juniperSrxFormat.createParser({ file: 'srx.log', options: BASE_OPTIONS })(line, { file: 'srx.log', line: 1, options: BASE_OPTIONS });
}

describe('Juniper SRX RT_FLOW', () => {
  it('reads the structured-data CLOSE with counts and span', () => {
    const r = parse(
      '<14>1 2019-04-12T14:29:06.576Z cixi RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.26 reason="TCP FIN" source-address="10.3.255.203" source-port="47776" destination-address="67.43.156.15" destination-port="80" protocol-id="6" policy-name="permit_all" source-zone-name="trust" destination-zone-name="untrust" session-id-32="5" packets-from-client="6" bytes-from-client="337" packets-from-server="4" bytes-from-server="535" elapsed-time="1"]',
    );
    expect(r).toMatchObject({ src: '10.3.255.203', srcPort: 47776, dst: '67.43.156.15', dstPort: 80, action: 'allowed', kind: 'session', connId: '5', endReason: 'TCP FIN', packets: { out: 6, back: 4 }, bytes: { out: 337, back: 535 } });
  });
  it('reads the plain CREATE, CLOSE and DENY', () => {
    expect(parse('Dec 17 08:04:45 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.10.10.2/53836->10.10.10.1/22 junos-ssh 10.10.10.2/53836->10.10.10.1/22 None None 6 log-host-traffic untrust junos-host 5 N/A(N/A) ge-0/0/1.0')).toMatchObject({
      proto: 6,
      connId: '5',
      rule: 'log-host-traffic',
      direction: 'untrust->junos-host',
    });
    expect(
      parse('Dec 17 08:05:30 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.10.10.2/53836->10.10.10.1/22 junos-ssh 10.10.10.2/53836->10.10.10.1/22 None None 6 log-host-traffic untrust junos-host 5 78(6657) 122(13305) 45 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 No '),
    ).toMatchObject({ endReason: 'TCP FIN', packets: { out: 78, back: 122 }, bytes: { out: 6657, back: 13305 } });
    expect(parse('Sep 29 23:49:20 SRX-1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 10.0.0.1/54924->192.168.1.1/53 junos-dns-udp 17(0) default-deny(global) trust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny')).toMatchObject({
      proto: 17,
      action: 'denied',
      kind: 'attempt',
      rule: 'default-deny',
    });
  });
});

describe.runIf(haveCorpus)('Juniper over the corpus', () => {
  it('reads the SRX sample without a bad line', async () => {
    const r = await readLogFile(join(corpusLogs, 'juniper_srx/test-flow.input-sample.log'));
    expect(r.stats.format).toBe('juniper-srx');
    expect(r.stats.badLines).toBe(0);
    expect(r.observations).toHaveLength(9);
  });
  it('agrees with logstash-patterns-core on the RT_FLOW and NetScreen samples', async () => {
    for (const name of ['juniper-srx-rt-flow.samples.log', 'juniper-netscreen.samples.log']) {
      const rel = `logstash-patterns-core/${name}`;
      const r = await readLogFile(join(corpusLogs, rel));
      expect(r.stats.format).toBe('juniper-srx');
      const expected = readExpectedTsv(join(corpusLogs, 'logstash-patterns-core', 'expected-asserted-ecs.tsv'), name);
      expect(expected.length).toBeGreaterThan(0);
      const { unexpected, stale } = unexplained(compare(rel, expected, r.observations), allowedDifferences('juniper-srx'), [rel]);
      expect(unexpected).toEqual([]);
      expect(stale).toEqual([]);
    }
  });
});
