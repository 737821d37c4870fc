import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryBuilder, dateFromFileName, readHistory } from '../../src/drift/history.js';
import type { HistoryResult } from '../../src/drift/types.js';
import { cli, loaded, report, serviceRow, summary } from './support.js';
import { REPORTS, WEEKS } from './weekly.js';

describe('dateFromFileName', () => {
  const cases: Array<[string, string | null]> = [
    ['2026-11-14.json', '2026-11-14'],
    ['reports/report-20261114.json.gz', '2026-11-14'],
    ['site-a_2026-11-14T0600.json', '2026-11-14T06:00'],
    ['2026-11-14_06-30-15.json', '2026-11-14T06:30:15'],
    ['20261114T063015.json', '2026-11-14T06:30:15'],
    ['weekly.json', null],
    ['2026-13-01.json', null],
    ['2026-02-30.json', null],
    ['run-123456789.json', null],
    ['v20261114x.json', '2026-11-14'],
  ];
  for (const [name, date] of cases) it(`${name} → ${String(date)}`, () => expect(dateFromFileName(name)).toBe(date));
});

describe('HistoryBuilder', () => {
  it('orders runs by date (file name, else earliest flow, else last by name) and tracks each service', () => {
    const b = new HistoryBuilder(4);
    b.add(0, loaded([summary('a'), summary('b')], { file: 'd/zzz.json', first: null, last: null }));
    b.add(1, loaded([summary('a', { finding: 'broken-requirement', reachability: 'blocked' })], { file: 'd/2026-11-14.json' }));
    b.add(2, loaded([summary('a')], { file: 'd/baseline.json', first: '2026-11-01T09:00:00.5Z' }));
    b.add(3, loaded([summary('c', { finding: 'undocumented' })], { file: 'd/2026-11-07.json', catalogHash: 'f'.repeat(64) }));
    const h = b.finish(null);
    expect(h.runs.map((r) => [r.run, r.file, r.date, r.dateSource, r.catalogChanged])).toEqual([
      [1, 'd/baseline.json', '2026-11-01T09:00:00', 'report', false],
      [2, 'd/2026-11-07.json', '2026-11-07', 'file-name', true],
      [3, 'd/2026-11-14.json', '2026-11-14', 'file-name', true],
      [4, 'd/zzz.json', null, 'none', false],
    ]);
    expect(h.services).toEqual([
      { key: 'c', timeline: [null, 'undocumented', null, null], firstRun: 2, lastRun: 2, finding: 'undocumented', severity: 'medium', changes: [] },
      {
        key: 'a',
        timeline: ['ok', null, 'broken-requirement', 'ok'],
        firstRun: 1,
        lastRun: 4,
        finding: 'ok',
        severity: 'none',
        changes: [
          { run: 3, from: 'ok', to: 'broken-requirement' },
          { run: 4, from: 'broken-requirement', to: 'ok' },
        ],
      },
      { key: 'b', timeline: [null, null, null, 'ok'], firstRun: 4, lastRun: 4, finding: 'ok', severity: 'none', changes: [] },
    ]);
    expect(h.runs[0]?.byFinding).toEqual({ 'broken-requirement': 0, exposure: 0, undocumented: 0, 'deprecated-in-use': 0, info: 0, ok: 1 });
  });
});

describe('readHistory over a folder', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'portolan-history-'));
    // Week 1 named without a date (dated by its flows), week 2 gzipped, week 3 plain; and noise.
    copyFileSync(`${REPORTS}/${WEEKS[0]}.json`, join(dir, 'baseline.json'));
    writeFileSync(join(dir, 'report-20261114.json.gz'), gzipSync(readFileSync(`${REPORTS}/${WEEKS[1]}.json`)));
    copyFileSync(`${REPORTS}/${WEEKS[2]}.json`, join(dir, '2026-11-21.json'));
    writeFileSync(join(dir, 'notes.txt'), 'not a report');
    mkdirSync(join(dir, 'old'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads plain and gzipped reports and dates them', async () => {
    const { history, latest } = await readHistory(dir);
    expect(history.runs.map((r) => [r.file.slice(dir.length + 1), r.date, r.dateSource])).toEqual([
      ['baseline.json', '2026-11-07T10:00:01', 'report'],
      ['report-20261114.json.gz', '2026-11-14', 'file-name'],
      ['2026-11-21.json', '2026-11-21', 'file-name'],
    ]);
    expect(latest?.old.file).toBe(join(dir, 'report-20261114.json.gz'));
    expect(latest?.new.file).toBe(join(dir, '2026-11-21.json'));
    const viaCli = await cli(['drift', '--history', dir, '--format', 'json']);
    expect(viaCli.code).toBe(0);
    const h = JSON.parse(viaCli.out) as HistoryResult;
    expect(h.services.map((s) => s.timeline)).toEqual(history.services.map((s) => s.timeline));
    // The same three weeks as the golden history, under other names.
    const golden = JSON.parse(readFileSync('fixtures/drift/weekly/expected/history.json', 'utf8')) as HistoryResult;
    expect(h.services).toEqual(golden.services);
  });

  it('a bad report in the folder stops the history with its name', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'portolan-history-'));
    try {
      writeFileSync(join(bad, '2026-11-01.json'), JSON.stringify(report([serviceRow('k')])));
      writeFileSync(join(bad, '2026-11-02.json'), '{"schemaVersion": 1, "services": [');
      const r = await cli(['drift', '--history', bad]);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`portolan: ${join(bad, '2026-11-02.json')}: report cut short: the JSON ends inside services[0] (line 1); was the file still being written?\n`);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  it('an empty folder, a missing folder, a file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'portolan-history-'));
    try {
      expect((await cli(['drift', '--history', empty])).err).toBe(`portolan: ${empty}: no reports (*.json, *.json.gz) in this folder\n`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const missing = await cli(['drift', '--history', 'fixtures/drift/nope']);
    expect([missing.code, missing.err]).toEqual([2, 'portolan: fixtures/drift/nope: no such directory\n']);
    const file = await cli(['drift', '--history', 'fixtures/drift/schema-v1.json']);
    expect([file.code, file.err]).toEqual([2, 'portolan: fixtures/drift/schema-v1.json: not a directory\n']);
  });

  it('one run: a timeline and no latest change', async () => {
    const one = mkdtempSync(join(tmpdir(), 'portolan-history-'));
    try {
      copyFileSync(`${REPORTS}/${WEEKS[0]}.json`, join(one, '2026-11-07.json'));
      const r = await cli(['drift', '--history', one, '-f', 'json', '--fail-on', 'info']);
      expect(r.code).toBe(0);
      const h = JSON.parse(r.out) as HistoryResult;
      expect(h.latest).toBeNull();
      expect(h.runs).toHaveLength(1);
    } finally {
      rmSync(one, { recursive: true, force: true });
    }
  });
});
