import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { azureNsgFormat, parseAzureFlowTuple } from '../../src/ingest/logs/azure-nsg.js';
import { corpusRoot, fixtureCases, fixtureFileName, hasCorpus, runDocumentFormat, runFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = azureNsgFormat;

describe('azure-nsg: golden fixtures', () => {
  const cases = fixtureCases('azure-nsg');
  for (const c of cases) {
    it(`${c.name}: the reader picks azure-nsg by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('azure-nsg');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['nsg-v1-pretty', 'nsg-v2-one-line', 'vnet-flow-log']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(azureNsgFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const ev = { file: 'f', line: 1 };
const NSG2 = { vnet: false, version: 2, rule: 'R', mac: 'M' };

describe('azure-nsg: flow tuples', () => {
  it('v2: decision, state, direction and both directions of counts', () => {
    const o = parseAzureFlowTuple('1714564865,10.1.0.4,93.184.216.34,49700,443,T,O,A,E,12,3210,10,45012', NSG2, ev);
    expect(o).toMatchObject({
      tsSec: 1714564865, src: '10.1.0.4', srcPort: 49700, dst: '93.184.216.34', dstPort: 443, proto: 6, action: 'allowed', kind: 'session',
      initiatorKnown: true, direction: 'outbound', packets: { out: 12, back: 10 }, bytes: { out: 3210, back: 45012 }, endSec: 1714564865, rule: 'R', interface: 'M',
    });
    const d = parseAzureFlowTuple('1714564800,203.0.113.7,10.1.0.4,50122,3389,T,I,D,B,,,,', NSG2, ev);
    expect(d).toMatchObject({ action: 'denied', kind: 'attempt', direction: 'inbound', src: '203.0.113.7' });
    expect('packets' in d).toBe(false);
  });

  it('v1: eight fields; a v1 tuple in a record that says Version 2 is refused', () => {
    expect(parseAzureFlowTuple('1487282393,5.39.218.34,10.1.0.4,58596,3389,U,I,A', { ...NSG2, version: undefined }, ev)).toMatchObject({ proto: 17, action: 'allowed' });
    expect(parseAzureFlowTuple('1487282393,5.39.218.34,10.1.0.4,58596,3389,U,I,A', NSG2, ev)).toMatchObject({ error: expect.stringContaining('Version 2') });
  });

  it('VNet: millisecond time, IANA protocol number, state D = denied', () => {
    const vnet = { vnet: true, version: 4, rule: undefined, mac: undefined };
    const o = parseAzureFlowTuple('1714564801000,198.51.100.4,10.0.0.6,50050,22,6,I,D,NX,0,0,0,0', vnet, ev);
    expect(o).toMatchObject({ tsSec: 1714564801, tsNsec: 0, proto: 6, action: 'denied', kind: 'attempt' });
    const icmp = parseAzureFlowTuple('1714564802250,10.0.0.6,10.0.0.7,0,0,1,O,C,X,4,336,4,336', vnet, ev);
    expect(icmp).toMatchObject({ tsSec: 1714564802, tsNsec: 250_000_000, proto: 1, srcPort: 0, dstPort: 0, action: 'allowed' });
    expect(parseAzureFlowTuple('1714564803000,10.0.0.6,10.0.0.7,1,2,6,O,Q,NX,0,0,0,0', vnet, ev)).toMatchObject({ error: expect.stringContaining('"Q"') });
  });
});

describe('azure-nsg: streaming', () => {
  const doc = JSON.stringify({
    records: [
      {
        time: '2024-05-01T12:01:00Z',
        properties: {
          Version: 2,
          flows: [
            { rule: 'R1', flows: [{ mac: 'AA', flowTuples: ['1714564800,10.0.0.1,10.0.0.2,1000,80,T,O,A,B,,,,'] }] },
            { flows: [{ mac: 'BB', flowTuples: ['1714564801,10.0.0.1,10.0.0.3,1001,81,T,O,D,B,,,,'] }], rule: 'R2-after-its-tuples' },
          ],
        },
      },
    ],
  });

  it('gives the same observations whatever the chunk size (1 byte to the whole document)', async () => {
    const whole = await runDocumentFormat(azureNsgFormat, Buffer.from(doc), 'f', doc.length);
    for (const size of [1, 2, 3, 64]) {
      const r = await runDocumentFormat(azureNsgFormat, Buffer.from(doc), 'f', size);
      expect(r.rendered).toEqual(whole.rendered);
    }
    expect(whole.observations.map((o) => [o.rule, o.interface, o.action])).toEqual([
      ['R1', 'AA', 'allowed'],
      ['R2-after-its-tuples', 'BB', 'denied'],
    ]);
  });

  it('reads a bare array of records, and one record per line, the same way', async () => {
    const records = (JSON.parse(doc) as { records: unknown[] }).records;
    const whole = await runDocumentFormat(azureNsgFormat, Buffer.from(doc), 'f');
    const asArray = await runDocumentFormat(azureNsgFormat, Buffer.from(JSON.stringify(records)), 'f');
    const perLine = await runDocumentFormat(azureNsgFormat, Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'), 'f');
    expect(asArray.rendered).toEqual(whole.rendered);
    expect(perLine.rendered).toEqual(whole.rendered);
  });

  it('reads multi-byte UTF-8 split across chunks', async () => {
    const withUnicode = doc.replace('R1', 'Règle-1');
    const r = await runDocumentFormat(azureNsgFormat, Buffer.from(withUnicode), 'f', 1);
    expect(r.observations[0]!.rule).toBe('Règle-1');
  });

  it('names the JSON path of a bad tuple', async () => {
    const bad = doc.replace('1714564801,10.0.0.1,10.0.0.3,1001,81,T,O,D,B,,,,', '1714564801,10.0.0.1,10.0.0.3,1001,81,T,O,D');
    const r = await runDocumentFormat(azureNsgFormat, Buffer.from(bad), 'f');
    expect(r.bad[0]!.where).toBe('1 (records[0].properties.flows[1].flows[0].flowTuples[0])');
    expect(r.observations).toHaveLength(1);
  });

  it('sniffs NSG and VNet flow logs', () => {
    expect(azureNsgFormat.sniffDocument('{"records":[{"time":"x","category":"NetworkSecurityGroupFlowEvent"')).toBe(100);
    expect(azureNsgFormat.sniffDocument('{"records":[{"time":"x","flowLogVersion":4,"category":"FlowLogFlowEvent"')).toBe(100);
    expect(azureNsgFormat.sniffDocument('{"records":[{"time":"x","category":"AzureFirewallNetworkRule"}]}')).toBe(0);
  });
});

describe.skipIf(!hasCorpus)('azure-nsg: corpus sample (read in place)', () => {
  it('test-nsg.log: the one v2 tuple', async () => {
    const file = join(corpusRoot, 'logs/azure_nsg_flow/test-nsg.log');
    const r = await runDocumentFormat(azureNsgFormat, readFileSync(file), file, 64);
    expect(r.bad).toEqual([]);
    expect(r.observations).toHaveLength(1);
    expect(r.observations[0]).toMatchObject({
      tsSec: 1542110379, src: '1.128.0.0', srcPort: 59932, dst: '1.128.0.1', dstPort: 443, proto: 6, action: 'allowed',
      direction: 'outbound', rule: 'DefaultRule_AllowInternetOutBound', interface: '000D3AF87856', packets: { out: 1, back: 1 }, bytes: { out: 66, back: 66 },
    });
  });
});
