import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IPPROTO } from '../../src/model.js';
import { outcomeOfZeekConnState, zeekConnFormat } from '../../src/ingest/logs/zeek-conn.js';
import { corpusRoot, fixtureCases, fixtureFileName, hasCorpus, runFormat, runLineFormat, readWithReader } from './flow-log-harness.js';

const formatUnderTest = zeekConnFormat;

describe('zeek-conn: golden fixtures', () => {
  const cases = fixtureCases('zeek-conn');
  for (const c of cases) {
    it(`${c.name}: the reader picks zeek-conn by sniffing`, async () => {
      const r = await readWithReader(c.input, c.options);
      expect(r.stats.format).toBe('zeek-conn');
      const direct = await runFormat(formatUnderTest, readFileSync(c.input), c.input, c.options);
      expect(r.observations.length).toBe(direct.observations.length);
    });
  }
  it('has fixtures', () => {
    expect(cases.map((c) => c.name)).toEqual(['conn-json', 'conn-tsv', 'no-header']);
  });
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runFormat(zeekConnFormat, readFileSync(c.input), fixtureFileName(c.input), c.options);
      await expect(r.rendered.join('\n') + '\n').toMatchFileSnapshot(c.expected);
    });
  }
});

const FIELDS = '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\torig_pkts\tresp_pkts';

describe('zeek-conn: semantics', () => {
  it('reads columns in the order #fields gives, keeps nanoseconds and passes conn_state through', () => {
    const text = `#separator \\x09\n${FIELDS}\n1714564800.123456789\tC1\t10.0.0.5\t40113\t10.1.0.7\t3001\ttcp\tS0\tS\t3\t0\n`;
    const r = runLineFormat(zeekConnFormat, text, 'f');
    expect(r.observations[0]).toMatchObject({
      tsSec: 1714564800, tsNsec: 123456789, src: '10.0.0.5', srcPort: 40113, dst: '10.1.0.7', dstPort: 3001, proto: 6,
      action: 'unknown', kind: 'session', initiatorKnown: true, connState: 'S0', connId: 'C1', packets: { out: 3, back: 0 },
    });
  });

  it('honours a non-tab #separator and the #unset_field marker', () => {
    const text = '#separator ,\n#unset_field,?\n#fields,ts,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,conn_state,orig_pkts\n1.5,10.0.0.1,1,10.0.0.2,2,udp,S0,?\n';
    const r = runLineFormat(zeekConnFormat, text, 'f');
    expect(r.observations[0]).toMatchObject({ tsSec: 1, tsNsec: 500000000, proto: 17, connState: 'S0' });
    expect(r.observations[0]!.packets).toBeUndefined();
  });

  it('skips records of other Zeek logs', () => {
    const r = runLineFormat(zeekConnFormat, '#separator \\x09\n#path\tdns\n#fields\tts\tuid\n1.0\tC1\n', 'f');
    expect(r.observations).toHaveLength(0);
    expect(r.skips.at(-1)!.reason).toBe('Zeek dns.log record, not conn');
  });

  it('reads the ICMP type from orig_p, the code from resp_p only for one-way types, and ICMPv6 by address family', () => {
    const r = runLineFormat(
      zeekConnFormat,
      `${FIELDS}\n1.0\tC1\t10.0.0.5\t8\t10.0.0.6\t0\ticmp\tOTH\t-\t1\t1\n` +
        `1.0\tC2\t2001:db8::1\t128\t2001:db8::2\t129\ticmp\tOTH\t-\t1\t0\n` +
        `1.0\tC3\t10.0.0.6\t3\t10.0.0.5\t13\ticmp\tOTH\t-\t1\t0\n`,
      'f',
    );
    expect(r.observations.map((o) => [o.proto, o.icmpType, o.icmpCode, o.srcPort, o.dstPort])).toEqual([
      [1, 8, 0, 0, 0],
      [58, 128, 0, 0, 0],
      [1, 3, 13, 0, 0],
    ]);
    expect(r.observations.map((o) => o.initiatorKnown)).toEqual([true, true, true]);
  });

  it('marks the initiator as guessed when Zeek flipped the endpoints or saw no SYN', () => {
    const r = runLineFormat(zeekConnFormat, `${FIELDS}\n1.0\tC1\t10.0.0.5\t1\t10.0.0.6\t2\ttcp\tSF\t^hADadfF\t5\t5\n1.0\tC2\t10.0.0.5\t1\t10.0.0.6\t2\ttcp\tOTH\tC\t0\t0\n`, 'f');
    expect(r.observations.map((o) => o.initiatorKnown)).toEqual([false, false]);
  });
});

describe('zeek-conn: conn_state → outcome', () => {
  it('maps every Zeek state', () => {
    const tcp = (s: string): string | undefined => outcomeOfZeekConnState(s, IPPROTO.tcp);
    expect(['S0', 'RSTOS0', 'SH'].map(tcp)).toEqual(['unanswered', 'unanswered', 'unanswered']);
    expect(tcp('REJ')).toBe('rejected');
    expect(['S1', 'S2', 'S3', 'SF', 'RSTO', 'RSTR'].map(tcp)).toEqual(Array(6).fill('established'));
    expect(['RSTRH', 'SHR', 'OTH'].map(tcp)).toEqual(['partial', 'partial', 'partial']);
    expect(tcp('XYZ')).toBeUndefined();
  });

  it('OTH for ICMP and other protocols: established only when packets went both ways', () => {
    expect(outcomeOfZeekConnState('OTH', IPPROTO.icmp, { orig: 1, resp: 1 })).toBe('established');
    expect(outcomeOfZeekConnState('OTH', IPPROTO.icmp, { orig: 1, resp: 0 })).toBe('partial');
    expect(outcomeOfZeekConnState('OTH', IPPROTO.tcp, { orig: 5, resp: 5 })).toBe('partial');
    expect(outcomeOfZeekConnState('S0', IPPROTO.udp)).toBe('unanswered');
  });
});

describe('zeek-conn: sniffing', () => {
  it('claims conn headers, JSON conn records and header-less conn lines', () => {
    expect(zeekConnFormat.sniff('#path\tconn')).toBe(100);
    expect(zeekConnFormat.sniff('{"ts":1.0,"uid":"C1","id.orig_h":"10.0.0.1","conn_state":"SF"}')).toBe(95);
    expect(zeekConnFormat.sniff('1.0\tC1\t10.0.0.1\t1\t10.0.0.2\t2\ttcp\t-\t-\t-\t-\tSF\t-\t-\t0\t-\t1\t40\t1\t40\t-')).toBe(90);
    expect(zeekConnFormat.sniff('{"timestamp":"x","event_type":"flow"}')).toBe(0);
  });
});

describe.skipIf(!hasCorpus)('zeek-conn: corpus samples (read in place)', () => {
  it('zeek_conn_json/test-conn.log: all 18 records, ISO and epoch times', () => {
    const file = join(corpusRoot, 'logs/zeek_conn_json/test-conn.log');
    const r = runLineFormat(zeekConnFormat, readFileSync(file, 'utf8'), file);
    expect(r.bad).toEqual([]);
    expect(r.observations).toHaveLength(18);
    expect(r.observations[0]).toMatchObject({ src: '192.168.86.167', srcPort: 38339, dst: '192.168.86.1', dstPort: 53, proto: 17, connState: 'SF', tsNsec: 857497000 });
    expect(r.observations[3]).toMatchObject({ proto: 1, icmpType: 3, icmpCode: 3, connState: 'OTH' });
    expect(r.observations[16]).toMatchObject({ tsSec: Date.UTC(2021, 5, 9, 20, 55, 13) / 1000, tsNsec: 160328000 });
    expect(r.observations[17]).toMatchObject({ srcPort: 0, dstPort: 0, proto: 6 });
  });

  it('logstash-patterns-core/zeek-conn-tsv.samples.log: header-less lines of three layouts agree with the asserted values', () => {
    const file = join(corpusRoot, 'logs/logstash-patterns-core/zeek-conn-tsv.samples.log');
    const r = runLineFormat(zeekConnFormat, readFileSync(file, 'utf8'), file);
    expect(r.bad).toEqual([]);
    expect(r.observations.map((o) => [o.src, o.srcPort, o.dst, o.dstPort, o.proto])).toEqual([
      ['192.168.0.26', 54855, '54.85.115.89', 443, 6],
      ['141.142.220.118', 43927, '141.142.2.2', 53, 17],
      ['192.168.122.59', 47340, '143.204.201.102', 443, 6],
      ['141.42.64.125', 56730, '125.190.109.199', 80, 6],
    ]);
    expect(r.observations.map((o) => o.packets)).toEqual([
      { out: 7, back: 8 },
      { out: 1, back: 1 },
      { out: 1, back: 21 },
      { out: 11, back: 10 },
    ]);
  });
});
