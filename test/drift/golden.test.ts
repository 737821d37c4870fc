/**
 * Golden drift: `analyze` runs on three generated weeks of captures and firewall logs
 * (weekly.ts), and `drift` compares the reports. Regenerate after a reviewed change with
 *
 *   PORTOLAN_UPDATE_FIXTURES=1 npx vitest run test/drift -u
 *
 * (the variable rewrites the generated inputs, `-u` the reports and expected outputs).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DriftResult, HistoryResult } from '../../src/drift/types.js';
import { cli } from './support.js';
import { EXPECTED, INPUTS, REPORTS, WEEKS, analyzeArgs, weeklyInputs } from './weekly.js';

const OLD = `${REPORTS}/${WEEKS[0]}.json`;
const NEW = `${REPORTS}/${WEEKS[1]}.json`;

const EXTENSIONS = { table: 'txt', json: 'json', markdown: 'md', html: 'html', csv: 'csv' } as const;

describe('weekly fixture inputs', () => {
  it('are what the generator makes', () => {
    const update = process.env['PORTOLAN_UPDATE_FIXTURES'] === '1';
    for (const [path, bytes] of weeklyInputs()) {
      if (update) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, bytes);
      }
      expect(existsSync(path), `${path} is missing: run PORTOLAN_UPDATE_FIXTURES=1 npx vitest run test/drift`).toBe(true);
      expect(readFileSync(path).equals(bytes), `${path} differs from the generator: run PORTOLAN_UPDATE_FIXTURES=1 npx vitest run test/drift`).toBe(true);
    }
  });
});

describe('analyze on the weekly inputs', () => {
  for (const week of WEEKS) {
    it(`gives ${REPORTS}/${week}.json`, async () => {
      const r = await cli(analyzeArgs(week));
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`../../${REPORTS}/${week}.json`);
    });
  }
});

describe(`drift ${WEEKS[0]} → ${WEEKS[1]}`, () => {
  it('finds exactly the known changes, each with its severity', async () => {
    const r = await cli(['drift', OLD, NEW, '--format', 'json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as DriftResult;
    expect(d.items.map((i) => [i.kind, i.key, i.severity])).toEqual([
      ['new-service', 'workstation → vos-module tcp/85', 'high'],
      ['new-service', 'workstation → pts-1 tcp/8080', 'medium'],
      ['newly-blocked', 'hcu → pathtrak-server tcp/5808', 'high'],
      ['finding-changed', 'workstation → backup-1 tcp/7000', 'info'],
      ['volume-changed', 'managed-node → management-node tcp/3001', 'low'],
      ['vanished-service', 'management-node → managed-node tcp/22', 'low'],
      ['rule-no-longer-seen', 'xcat/ssh-tcp', 'low'],
      ['rule-newly-seen', 'acme-backup/agent-control', 'info'],
      ['rule-newly-seen', 'stratus-vos/telnet-rsn', 'info'],
    ]);
    const blocked = d.items.find((i) => i.kind === 'newly-blocked');
    expect(blocked?.summary).toBe(
      'allowed → blocked: a documented requirement is now blocked (pathtrak/boot-event-listener); ok → broken requirement; denied by iptables "UFW BLOCK"',
    );
    const documented = d.items.find((i) => i.kind === 'finding-changed');
    expect(documented?.summary).toBe('undocumented → ok, allowed; status undocumented → documented; now documented by acme-backup/agent-control');
    const volume = d.items.find((i) => i.kind === 'volume-changed');
    expect(volume !== undefined && 'volume' in volume ? volume.volume : null).toEqual({ flowsFactor: 12.5, bytesFactor: 12.5, direction: 'up' });
    expect(d.catalog).toMatchObject({ changed: true, productsAdded: ['acme-backup'], productsRemoved: [], productsChanged: [] });
    expect(d.notes[0]).toMatch(/^The catalog changed between the runs \(sha256 [0-9a-f]{12} → [0-9a-f]{12}; products added acme-backup\): a catalog change alone can shift verdicts\.$/);
    expect(d.counts.services).toEqual({ old: 5, new: 6, common: 4, unchanged: 1 });
  });

  for (const [format, ext] of Object.entries(EXTENSIONS)) {
    it(`--format ${format}`, async () => {
      const r = await cli(['drift', OLD, NEW, '--format', format]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      await expect(r.out).toMatchFileSnapshot(`../../${EXPECTED}/drift.${ext}`);
    });
  }

  it('--fail-on: 1 at or above the worst change, 0 above it', async () => {
    expect((await cli(['drift', OLD, NEW, '--fail-on', 'high', '-f', 'json'])).code).toBe(1);
    expect((await cli(['drift', OLD, NEW, '--fail-on', 'info', '-f', 'json'])).code).toBe(1);
    expect((await cli(['drift', OLD, NEW, '-f', 'json'])).code).toBe(0);
    // Week 3 against week 3: nothing changed, nothing fails.
    const same = await cli(['drift', `${REPORTS}/${WEEKS[2]}.json`, `${REPORTS}/${WEEKS[2]}.json`, '--fail-on', 'info']);
    expect(same.code).toBe(0);
    expect(same.out).toContain('No drift; 7 of 7 services in both runs unchanged');
    // Week 2 → 3: fixes and a block; the worst is low.
    expect((await cli(['drift', NEW, `${REPORTS}/${WEEKS[2]}.json`, '--fail-on', 'medium'])).code).toBe(0);
    expect((await cli(['drift', NEW, `${REPORTS}/${WEEKS[2]}.json`, '--fail-on', 'low'])).code).toBe(1);
  });

  it('--volume-threshold moves the line', async () => {
    const high = JSON.parse((await cli(['drift', OLD, NEW, '-f', 'json', '--volume-threshold', '13'])).out) as DriftResult;
    expect(high.items.some((i) => i.kind === 'volume-changed')).toBe(false);
    const low = JSON.parse((await cli(['drift', OLD, NEW, '-f', 'json', '--volume-threshold', '12.5'])).out) as DriftResult;
    expect(low.items.some((i) => i.kind === 'volume-changed')).toBe(true);
  });

  it('--output writes the file, in the format its name implies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-drift-'));
    try {
      const out = join(dir, 'drift.md');
      const r = await cli(['drift', OLD, NEW, '--output', out, '--fail-on', 'high']);
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err).toBe(`portolan: markdown drift written to ${out} (9 changes)\n`);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(`${EXPECTED}/drift.md`, 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compares an analyze report with an audit report, and says so', async () => {
    const audit = await cli([...analyzeArgs(WEEKS[1]).map((a) => (a === 'analyze' ? 'audit' : a))]);
    expect(audit.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'portolan-drift-'));
    try {
      const path = join(dir, 'audit.json');
      writeFileSync(path, audit.out);
      const viaAudit = JSON.parse((await cli(['drift', OLD, path, '-f', 'json'])).out) as DriftResult;
      const viaAnalyze = JSON.parse((await cli(['drift', OLD, NEW, '-f', 'json'])).out) as DriftResult;
      expect(viaAudit.items).toEqual(viaAnalyze.items);
      expect(viaAudit.notes).toContain('OLD was written by `analyze` and NEW by `audit`: the services are compared by key all the same.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('colours the table only on a terminal, and never with NO_COLOR', async () => {
    const tty = await cli(['drift', OLD, NEW], { tty: true });
    expect(tty.out).toContain('\u001b[1;31mhigh\u001b[0m');
    const noColor = await cli(['drift', OLD, NEW], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColor.out).not.toContain('\u001b[');
    const pipe = await cli(['drift', OLD, NEW]);
    expect(pipe.out).not.toContain('\u001b[');
    expect(pipe.out).toBe(readFileSync(`${EXPECTED}/drift.txt`, 'utf8'));
  });
});

describe('drift --history over the three weeks', () => {
  for (const [format, ext] of Object.entries(EXTENSIONS)) {
    it(`--format ${format}`, async () => {
      const r = await cli(['drift', '--history', REPORTS, '--format', format]);
      expect(r.code).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`../../${EXPECTED}/history.${ext}`);
    });
  }

  it('tracks each service across the runs', async () => {
    const h = JSON.parse((await cli(['drift', '--history', REPORTS, '-f', 'json'])).out) as HistoryResult;
    expect(h.runs.map((r) => [r.run, r.date, r.dateSource, r.catalogChanged])).toEqual([
      [1, '2026-11-07', 'file-name', false],
      [2, '2026-11-14', 'file-name', true],
      [3, '2026-11-21', 'file-name', false],
    ]);
    const byKey = new Map(h.services.map((s) => [s.key, s]));
    expect(byKey.get('management-node → managed-node tcp/22')?.timeline).toEqual(['ok', null, 'ok']);
    expect(byKey.get('hcu → pathtrak-server tcp/5808')?.changes).toEqual([
      { run: 2, from: 'ok', to: 'broken-requirement' },
      { run: 3, from: 'broken-requirement', to: 'ok' },
    ]);
    expect(byKey.get('workstation → vos-module tcp/85')).toMatchObject({ firstRun: 2, lastRun: 3, timeline: [null, 'exposure', 'ok'] });
    expect(h.latest?.worst).toBe('low');
  });

  it('--fail-on looks at the two most recent runs', async () => {
    expect((await cli(['drift', '--history', REPORTS, '--fail-on', 'low', '-f', 'json'])).code).toBe(1);
    expect((await cli(['drift', '--history', REPORTS, '--fail-on', 'medium', '-f', 'json'])).code).toBe(0);
  });

  it('uses the text symbols without a terminal and coloured blocks on one', async () => {
    const plain = await cli(['drift', '--history', REPORTS]);
    expect(plain.out).toContain('│ #B#      │');
    const tty = await cli(['drift', '--history', REPORTS], { tty: true });
    expect(tty.out).toContain('\u001b[32m█\u001b[0m\u001b[31m█\u001b[0m\u001b[32m█\u001b[0m');
  });
});

describe('inputs of the fixture', () => {
  it('are all under the fixture folder', () => {
    for (const path of weeklyInputs().keys()) expect(path.startsWith(INPUTS)).toBe(true);
  });
});

describe('docs/drift.md', () => {
  it('shows the real output of the worked example', () => {
    const doc = readFileSync('docs/drift.md', 'utf8');
    for (const f of ['drift.txt', 'history.txt']) {
      expect(doc.includes(readFileSync(`${EXPECTED}/${f}`, 'utf8').trimEnd()), `docs/drift.md: paste the current ${EXPECTED}/${f}`).toBe(true);
    }
  });
});
