import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cli } from './support.js';

const V1 = 'fixtures/drift/schema-v1.json';
const WEEK1 = 'fixtures/drift/weekly/reports/2026-11-07.json';

function noStack(err: string): void {
  expect(err).not.toMatch(/\bat .*\.[jt]s:\d+/);
  expect(err).not.toContain('internal error');
}

describe('portolan drift: usage', () => {
  const cases: Array<[string[], string]> = [
    [['drift'], 'portolan: name two reports, OLD and NEW (or a folder of reports with --history DIR)\n'],
    [['drift', V1], 'portolan: name two reports, OLD and NEW (or a folder of reports with --history DIR)\n'],
    [['drift', V1, V1, '--history', 'fixtures'], 'portolan: give either OLD NEW or --history DIR, not both\n'],
    [['drift', '-', '-'], 'portolan: standard input (-) can be read only once\n'],
    [['drift', V1, V1, '--volume-threshold', '1'], 'portolan: --volume-threshold must be a factor greater than 1 (e.g. 10 reports ×10 and ÷10 changes) (got 1)\n'],
    [['drift', V1, V1, '--volume-threshold', 'lots'], 'portolan: --volume-threshold must be a factor greater than 1 (e.g. 10 reports ×10 and ÷10 changes) (got something that is not a number)\n'],
  ];
  for (const [args, err] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toBe(err);
      expect(r.out).toBe('');
    });
  }

  it('a bad --fail-on or --format is refused by the option parser', async () => {
    for (const args of [['drift', V1, V1, '--fail-on', 'severe'], ['drift', V1, V1, '--format', 'xml'], ['drift', V1, V1, V1]]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      noStack(r.err);
    }
  });

  it('--help lists the options', async () => {
    const r = await cli(['drift', '--help']);
    expect(r.code).toBe(0);
    for (const o of ['--history', '--format', '--output', '--fail-on', '--volume-threshold', 'table', 'json', 'markdown', 'html', 'csv']) expect(r.out).toContain(o);
  });
});

describe('portolan drift: bad reports exit 2 with one clear line', () => {
  it('a report cut short, from standard input', async () => {
    const text = readFileSync(WEEK1, 'utf8');
    const r = await cli(['drift', '-', WEEK1], { stdin: text.slice(0, 2000) });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^portolan: <stdin>: report cut short: the JSON ends inside \S+ \(line \d+\); was the file still being written\?\n$/);
    noStack(r.err);
  });

  it('a future schemaVersion, gzipped on standard input', async () => {
    const text = readFileSync(V1, 'utf8').replace('"schemaVersion": 1', '"schemaVersion": 3');
    const r = await cli(['drift', V1, '-'], { stdin: gzipSync(text) });
    expect(r.code).toBe(2);
    expect(r.err).toBe('portolan: <stdin>: report schemaVersion 3 is newer than this portolan reads (1 to 1); upgrade portolan to compare it\n');
  });

  it('not a report', async () => {
    const r = await cli(['drift', 'package.json', V1]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('portolan: package.json: not a portolan report (no schemaVersion)\n');
  });

  it('an NDJSON flow stream', async () => {
    const r = await cli(['drift', '-', V1], { stdin: '{"id":"1.1","proto":"tcp","finding":"ok"}\n{"id":"1.2","proto":"tcp","finding":"ok"}\n' });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'portolan: <stdin>: not a portolan report: more JSON after the report object; it looks like NDJSON (one flow per line, `--format ndjson`): drift reads `--format json` reports\n',
    );
  });

  it('a missing file', async () => {
    const r = await cli(['drift', 'nope.json', V1]);
    expect([r.code, r.err]).toEqual([2, 'portolan: nope.json: no such file\n']);
  });

  it('an output file that cannot be written', async () => {
    const r = await cli(['drift', V1, V1, '--output', 'fixtures/drift/no-such-dir/out.json']);
    expect(r.code).toBe(2);
    expect(r.err).toBe('portolan: fixtures/drift/no-such-dir/out.json: cannot write the drift report (ENOENT)\n');
  });
});
