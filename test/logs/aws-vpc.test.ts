import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { awsVpcFormat, parseAwsVpcFieldList } from '../../src/ingest/logs/aws-vpc.js';
import { corpusRoot, FIXTURE_OPTIONS, fixtureCases, fixtureFileName, hasCorpus, runFormat, runLineFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = awsVpcFormat;

describe('aws-vpc: golden fixtures', () => {
  const cases = fixtureCases('aws-vpc');
  // A header-less custom format cannot be recognised: the user names the format and its fields.
  for (const c of cases.filter((x) => x.options.awsVpcFields === undefined)) {
    it(`${c.name}: the reader picks aws-vpc by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('aws-vpc');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['all-fields-v5-no-header', 'custom-format-option', 'custom-v5-header', 'default-v2']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(awsVpcFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const V2 = (rest: string): string => `2 123456789012 eni-0a1b2c3d4e5f60718 ${rest}`;

describe('aws-vpc: semantics', () => {
  it('reads the default v2 record: ACCEPT is an allowed session, REJECT without flags a denied attempt', () => {
    const r = runLineFormat(
      awsVpcFormat,
      [V2('10.0.1.25 10.0.2.40 49152 443 6 12 3480 1700000000 1700000060 ACCEPT OK'), V2('203.0.113.9 10.0.1.25 51515 22 6 3 180 1700000000 1700000060 REJECT OK')].join('\n'),
      'f',
    );
    expect(r.observations[0]).toMatchObject({
      src: '10.0.1.25', srcPort: 49152, dst: '10.0.2.40', dstPort: 443, proto: 6, action: 'allowed', kind: 'session',
      initiatorKnown: false, packets: { out: 12 }, bytes: { out: 3480 }, tsSec: 1700000000, endSec: 1700000060, interface: 'eni-0a1b2c3d4e5f60718',
    });
    expect(r.observations[1]).toMatchObject({ action: 'denied', kind: 'attempt', initiatorKnown: false });
  });

  it('skips NODATA and SKIPDATA markers and counts them as skips, not errors', () => {
    const r = runLineFormat(
      awsVpcFormat,
      [V2('- - - - - - - 1431280876 1431280934 - NODATA'), V2('- - - - - - - 1431280876 1431280934 - SKIPDATA')].join('\n'),
      'f',
    );
    expect(r.observations).toHaveLength(0);
    expect(r.bad).toHaveLength(0);
    expect(r.skips.map((s) => s.reason)).toEqual(['log-status NODATA', 'log-status SKIPDATA']);
  });

  it('uses tcp-flags: SYN marks the initiator, SYN-ACK turns the record around, RST/0 on a REJECT is late', () => {
    const hdr = 'version srcaddr dstaddr srcport dstport protocol packets bytes start end action tcp-flags log-status';
    const r = runLineFormat(
      awsVpcFormat,
      [
        hdr,
        '5 52.213.180.42 10.0.0.62 43416 5001 6 8 568 1566848875 1566848933 ACCEPT 2 OK',
        '5 10.0.0.62 52.213.180.42 5001 43416 6 7 376 1566848875 1566848933 ACCEPT 18 OK',
        '5 198.51.100.7 10.0.0.62 40001 3306 6 1 40 1566848875 1566848933 REJECT 4 OK',
        '5 198.51.100.7 10.0.0.62 40002 3306 6 1 52 1566848875 1566848933 REJECT 0 OK',
        '5 198.51.100.7 10.0.0.62 40003 3306 6 1 52 1566848875 1566848933 REJECT 3 OK',
      ].join('\n'),
      'f',
    );
    const [syn, synAck, rst, zero, synFin] = r.observations;
    expect(syn).toMatchObject({ src: '52.213.180.42', dst: '10.0.0.62', dstPort: 5001, initiatorKnown: true, packets: { out: 8 } });
    expect(synAck).toMatchObject({ src: '52.213.180.42', srcPort: 43416, dst: '10.0.0.62', dstPort: 5001, initiatorKnown: true, packets: { back: 7 }, bytes: { back: 376 }, tcpFlags: 18 });
    expect(rst).toMatchObject({ action: 'denied', kind: 'late', initiatorKnown: false });
    expect(zero).toMatchObject({ action: 'denied', kind: 'late', tcpFlags: 0 });
    expect(synFin).toMatchObject({ action: 'denied', kind: 'attempt', initiatorKnown: true });
  });

  it('prefers the packet-level addresses (traffic through a NAT gateway interface)', () => {
    const r = runLineFormat(
      awsVpcFormat,
      'srcaddr dstaddr pkt-srcaddr pkt-dstaddr srcport dstport protocol start action\n10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5 50432 443 6 1566848875 ACCEPT\n',
      'f',
    );
    expect(r.observations[0]).toMatchObject({ src: '10.0.1.5', dst: '203.0.113.5' });
  });

  it('infers a header-less layout from its field count, and refuses one it cannot infer', () => {
    const r = runLineFormat(awsVpcFormat, '2 123 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1700000000 1700000060 ACCEPT\n', 'f');
    expect(r.bad[0]).toMatchObject({ code: 'aws-vpc-unknown-layout' });
  });

  it('takes the custom format from the option when the file has no header', () => {
    const opts = { ...FIXTURE_OPTIONS, awsVpcFields: '${dstaddr} ${srcaddr} ${dstport} ${srcport} ${protocol} ${action} ${start}' };
    const r = runLineFormat(awsVpcFormat, '10.0.0.9 10.0.0.5 5432 51000 6 REJECT 1700000200\n', 'f', opts);
    expect(r.observations[0]).toMatchObject({ src: '10.0.0.5', srcPort: 51000, dst: '10.0.0.9', dstPort: 5432, action: 'denied' });
  });

  it('reads header names with hyphens, underscores or ${...}', () => {
    expect(parseAwsVpcFieldList('version account_id interface_id srcaddr')).toEqual(['version', 'account-id', 'interface-id', 'srcaddr']);
    expect(parseAwsVpcFieldList('${version} ${srcaddr} ${dstaddr}')).toEqual(['version', 'srcaddr', 'dstaddr']);
    expect(parseAwsVpcFieldList('version something-else srcaddr')).toBeUndefined();
  });

  it('sniffs headers and v2 records, not other space-separated text', () => {
    expect(awsVpcFormat.sniff('version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status')).toBe(100);
    expect(awsVpcFormat.sniff(V2('10.0.1.25 10.0.2.40 49152 443 6 12 3480 1700000000 1700000060 ACCEPT OK'))).toBe(90);
    expect(awsVpcFormat.sniff('Jan  8 03:37:09 host kernel: DROP IN=eth0 SRC=1.2.3.4')).toBe(0);
  });
});

describe.skipIf(!hasCorpus)('aws-vpc: corpus samples (read in place)', () => {
  it('test-extra-samples.log: 5 flows, NODATA and SKIPDATA skipped, IPv6 and ICMP read', () => {
    const file = join(corpusRoot, 'logs/aws_vpcflow/test-extra-samples.log');
    const r = runLineFormat(awsVpcFormat, readFileSync(file, 'utf8'), file);
    expect(r.bad).toEqual([]);
    expect(r.skips.map((s) => s.line)).toEqual([2, 3]);
    expect(r.observations.map((o) => [o.src, o.srcPort, o.dst, o.dstPort, o.proto, o.action])).toEqual([
      ['2001:db8:1234:a100:8d6e:3477:df66:f105', 34892, '2001:db8:1234:a102:3304:8879:34cf:4071', 22, 6, 'allowed'],
      ['78.24.182.42', 20641, '158.109.0.1', 22, 6, 'allowed'],
      ['78.24.182.42', 49761, '158.109.0.1', 3389, 6, 'denied'],
      ['203.0.113.12', 0, '172.31.16.139', 0, 1, 'allowed'],
      ['172.31.16.139', 0, '203.0.113.12', 0, 1, 'denied'],
    ]);
  });

  it('test-ecs-samples: the 39-field layout (every field of v2-v7) is inferred without a header', () => {
    const file = join(corpusRoot, 'logs/aws_vpcflow/test-ecs-samples.expected-subset.log');
    const r = runLineFormat(awsVpcFormat, readFileSync(file, 'utf8'), file);
    expect(r.bad).toEqual([]);
    expect(r.observations.map((o) => [o.src, o.dst, o.direction, o.action])).toEqual([
      ['1.128.0.0', '2a02:cf40::', 'ingress', 'denied'],
      ['175.16.199.0', '67.43.156.0', 'egress', 'allowed'],
      ['216.160.83.56', '89.160.20.128', 'ingress', 'allowed'],
    ]);
  });
});
