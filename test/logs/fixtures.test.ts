/**
 * Golden fixtures of the syslog-borne formats: each `fixtures/logs/<format>/<case>.log` is read
 * with its `<case>.options.json` and must give `<case>.expected.jsonl` (observations) and
 * `<case>.expected-stats.json` (counts, bad lines by reason, anomalies). Regenerate with
 * `npx vitest run test/logs -u` and review the diff. The file is also sniffed: the format chosen
 * must be the folder's.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFormats } from '../../src/ingest/logs/registry.js';
import { caseOptions, fixturesDir, readLogFile, statsJson, toJsonl } from './log-helpers.js';

const SYSLOG_FORMATS = ['iptables', 'cisco-asa', 'panos', 'fortigate', 'juniper-srx', 'pfsense', 'checkpoint', 'sonicwall'];

describe('log fixtures', () => {
  for (const format of SYSLOG_FORMATS) {
    const dir = join(fixturesDir, format);
    const cases = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.log')).sort() : [];
    it(`${format} has fixtures`, () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const file of cases) {
      it(`${format}/${file}`, async () => {
        const path = join(dir, file);
        const r = await readLogFile(path, caseOptions(path));
        expect(r.stats.format).toBe(format);
        expect(r.observations.length).toBeGreaterThan(0);
        const stem = file.replace(/\.log$/, '');
        await expect(toJsonl(r.observations)).toMatchFileSnapshot(join(dir, `${stem}.expected.jsonl`));
        await expect(statsJson(r)).toMatchFileSnapshot(join(dir, `${stem}.expected-stats.json`));
      });
    }
  }

  it('every registered format has a fixtures folder with at least one case', () => {
    const missing = logFormats
      .map((f) => f.name)
      .filter((name) => {
        const dir = join(fixturesDir, name);
        return !existsSync(dir) || readdirSync(dir).filter((f) => !f.startsWith('.')).length === 0;
      });
    expect(missing).toEqual([]);
  });
});
