import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gcpFirewallFormat } from '../../src/ingest/logs/gcp-firewall.js';
import { corpusRoot, fixtureCases, fixtureFileName, hasCorpus, runDocumentFormat, runFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = gcpFirewallFormat;

describe('gcp-firewall: golden fixtures', () => {
  const cases = fixtureCases('gcp-firewall');
  for (const c of cases) {
    it(`${c.name}: the reader picks gcp-firewall by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('gcp-firewall');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['api-response', 'entries-per-line', 'gcloud-array', 'truncated-array']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(gcpFirewallFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const entry = (disposition: string, conn: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  insertId: 'x',
  jsonPayload: { connection: conn, disposition, rule_details: { reference: 'network:v/firewall:r', direction: 'INGRESS' } },
  timestamp: '2024-05-01T12:03:05.221345678Z',
  ...extra,
});
const SSH = { src_ip: '203.0.113.50', src_port: 51234, dest_ip: '10.128.0.5', dest_port: 22, protocol: 6 };

describe('gcp-firewall: semantics', () => {
  it('maps ALLOWED/DENIED, keeps nanoseconds, the rule reference and the direction', async () => {
    const text = [entry('ALLOWED', SSH), entry('DENIED', SSH)].map((e) => JSON.stringify(e)).join('\n') + '\n';
    const r = await runDocumentFormat(gcpFirewallFormat, Buffer.from(text), 'f', 5);
    expect(r.observations.map((o) => [o.action, o.kind])).toEqual([
      ['allowed', 'session'],
      ['denied', 'attempt'],
    ]);
    expect(r.observations[0]).toMatchObject({
      src: '203.0.113.50', srcPort: 51234, dst: '10.128.0.5', dstPort: 22, proto: 6, initiatorKnown: true,
      tsSec: Date.UTC(2024, 4, 1, 12, 3, 5) / 1000, tsNsec: 221345678, rule: 'network:v/firewall:r', direction: 'INGRESS',
      evidence: { file: 'f', line: 1 },
    });
    expect(r.observations[1]!.evidence.line).toBe(2);
  });

  it('reads the same entries whether one per line, in an array, or in an API response', async () => {
    const e = [entry('DENIED', SSH), entry('ALLOWED', { ...SSH, src_port: 2 })];
    const asLines = await runDocumentFormat(gcpFirewallFormat, Buffer.from(e.map((x) => JSON.stringify(x)).join('\n')), 'f', 3);
    const asArray = await runDocumentFormat(gcpFirewallFormat, Buffer.from(JSON.stringify(e, null, 2)), 'f', 3);
    const asApi = await runDocumentFormat(gcpFirewallFormat, Buffer.from(JSON.stringify({ entries: e, nextPageToken: 't' })), 'f', 3);
    const asOne = await runDocumentFormat(gcpFirewallFormat, Buffer.from(JSON.stringify(e[0], null, 2)), 'f', 3);
    const key = (r: { observations: Array<{ src: string; srcPort: number; action: string }> }): string[] => r.observations.map((o) => `${o.src}:${o.srcPort} ${o.action}`);
    expect(key(asLines)).toEqual(['203.0.113.50:51234 denied', '203.0.113.50:2 allowed']);
    expect(key(asArray)).toEqual(key(asLines));
    expect(key(asApi)).toEqual(key(asLines));
    expect(key(asOne)).toEqual(['203.0.113.50:51234 denied']);
    const concatenated = await runDocumentFormat(gcpFirewallFormat, Buffer.from(e.map((x) => JSON.stringify(x, null, 2)).join('\n')), 'f', 3);
    expect(key(concatenated)).toEqual(key(asLines));
    expect(concatenated.observations.map((o) => o.evidence.line)).toEqual([1, 1 + JSON.stringify(e[0], null, 2).split('\n').length]);
  });

  it('counts a bad line and goes on (JSON lines), and stops with one error in a broken document', async () => {
    const lines = `${JSON.stringify(entry('DENIED', SSH))}\n{"broken":\n${JSON.stringify(entry('ALLOWED', SSH))}\n`;
    const r = await runDocumentFormat(gcpFirewallFormat, Buffer.from(lines), 'f');
    expect(r.observations).toHaveLength(2);
    expect(r.bad.map((b) => b.code)).toEqual(['gcp-bad-json']);
    expect(r.bad[0]!.where).toBe('2');

    const doc = JSON.stringify([entry('DENIED', SSH), entry('ALLOWED', SSH)], null, 1).slice(0, -30);
    const d = await runDocumentFormat(gcpFirewallFormat, Buffer.from(doc), 'f');
    expect(d.observations).toHaveLength(1);
    expect(d.bad.map((b) => b.code)).toEqual(['json-syntax']);
  });

  it('accepts a protocol name and reads ICMP without ports', async () => {
    const r = await runDocumentFormat(
      gcpFirewallFormat,
      Buffer.from([entry('DENIED', { src_ip: '198.51.100.9', dest_ip: '10.128.0.5', protocol: 1 }), entry('DENIED', { ...SSH, protocol: 'udp' })].map((e) => JSON.stringify(e)).join('\n')),
      'f',
    );
    expect(r.observations.map((o) => [o.proto, o.srcPort, o.dstPort])).toEqual([
      [1, 0, 0],
      [17, 51234, 22],
    ]);
  });

  it('sniffs firewall entries, not other Cloud Logging entries', () => {
    expect(gcpFirewallFormat.sniffDocument('{"logName":"projects/p/logs/compute.googleapis.com%2Ffirewall"}')).toBe(100);
    expect(gcpFirewallFormat.sniffDocument(JSON.stringify(entry('DENIED', SSH)))).toBeGreaterThan(80);
    expect(gcpFirewallFormat.sniffDocument('{"jsonPayload":{"message":"hi"},"logName":"projects/p/logs/app"}')).toBe(0);
  });
});

describe.skipIf(!hasCorpus)('gcp-firewall: corpus sample (read in place)', () => {
  it('test-firewall-event.json: both entries of the wrapped, pretty-printed document', async () => {
    const file = join(corpusRoot, 'logs/gcp_firewall/test-firewall-event.json');
    const r = await runDocumentFormat(gcpFirewallFormat, readFileSync(file), file, 4096);
    expect(r.bad).toEqual([]);
    expect(r.observations.map((o) => [o.src, o.srcPort, o.dst, o.dstPort, o.proto, o.action, o.direction, o.rule])).toEqual([
      ['10.142.0.10', 57794, '10.128.0.16', 80, 17, 'denied', 'INGRESS', 'network:default/firewall:adrian-test-3'],
      ['10.142.0.16', 80, '10.128.0.10', 57794, 17, 'denied', 'EGRESS', 'network:default/firewall:adrian-test-3'],
    ]);
    expect(r.observations[0]!.tsNsec).toBe(394575419);
    // The line where each array element (the wrapper around the entry) begins.
    expect(r.observations.map((o) => o.evidence.line)).toEqual([3, 73]);
  });
});
