import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../src/errors.js';
import { inferLogYear } from '../../src/ingest/logs/read.js';
import { logFormatNames } from '../../src/ingest/logs/registry.js';
import { fixturesDir, readLogFile, readLogText } from './log-helpers.js';

const IPT = 'Mar  4 09:15:01 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.23 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=51514 DPT=3001 WINDOW=64240 RES=0x00 SYN URGP=0 ';
const ASA = 'Mar 04 2024 09:15:02 asa1 : %ASA-4-106023: Deny tcp src outside:198.51.100.23/51520 dst inside:192.0.2.10/1960 by access-group "OUTSIDE_IN" [0x0, 0x0]';
const NOISE = 'Mar  4 09:15:03 srv1 CRON[811]: (root) CMD (run-parts /etc/cron.hourly)';

describe('readLog: choosing the format', () => {
  it('says which format it chose', async () => {
    const r = await readLogText(`${IPT}\n${IPT}\n`);
    expect(r.stats).toMatchObject({ format: 'iptables', formats: [{ name: 'iptables', lines: 2 }], lines: 2, observations: 2, badLines: 0, skipped: 0 });
  });

  it('reads a syslog file that interleaves devices line by line', async () => {
    const r = await readLogText([IPT, ASA, NOISE, ASA, IPT, NOISE].join('\n') + '\n');
    expect(r.stats.format).toBe('iptables+cisco-asa');
    expect(r.stats.formats).toEqual([
      { name: 'iptables', lines: 2 },
      { name: 'cisco-asa', lines: 2 },
    ]);
    expect(r.observations.map((o) => `${o.evidence.line}:${o.format}`)).toEqual(['1:iptables', '2:cisco-asa', '4:cisco-asa', '5:iptables']);
    expect(r.stats.skipped).toBe(2);
  });

  it('picks up a format that first appears after the head', async () => {
    const head = Array.from({ length: 600 }, () => IPT).join('\n');
    const r = await readLogText(`${head}\n${ASA}\n`);
    expect(r.stats.format).toBe('iptables+cisco-asa');
    expect(r.observations.at(-1)).toMatchObject({ format: 'cisco-asa', evidence: { line: 601 } });
  });

  it('lets --input-format force a format, and rejects an unknown name listing the known ones', async () => {
    const r = await readLogText(`${ASA}\n${IPT}\n`, { forceFormat: 'iptables' });
    expect(r.stats.format).toBe('iptables');
    expect(r.observations).toHaveLength(1);
    expect(r.stats.skipped).toBe(1);
    await expect(readLogText(`${IPT}\n`, { forceFormat: 'netflow' })).rejects.toThrow(UsageError);
    await expect(readLogText(`${IPT}\n`, { forceFormat: 'netflow' })).rejects.toThrow(`unknown log format "netflow" (known: ${logFormatNames().join(', ')})`);
  });

  it('fails with exit 2 and the formats tried on a file no format reads', async () => {
    const err = await readLogText('hello\nthis is not a firewall log\n', {}, 'notes.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(/notes\.txt: not a recognised log format \(tried: iptables, cisco-asa, /);
  });

  it('fails the same way on a syslog file with no firewall line in it, after reading it', async () => {
    const err = await readLogText(`${NOISE}\n${NOISE}\n`, {}, 'syslog').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/syslog: not a recognised log format/);
  });

  it('reads an empty file as empty', async () => {
    const r = await readLogText('');
    expect(r.stats).toMatchObject({ format: 'empty', lines: 0, observations: 0 });
  });

  it('sniffs each fixture as its own format', async () => {
    const cases: Record<string, string> = {
      iptables: 'iptables/kernel.log',
      'cisco-asa': 'cisco-asa/messages.log',
      panos: 'panos/traffic.log',
      fortigate: 'fortigate/traffic.log',
      'juniper-srx': 'juniper-srx/rt-flow.log',
      pfsense: 'pfsense/filterlog.log',
      checkpoint: 'checkpoint/exporter.log',
      sonicwall: 'sonicwall/firewall.log',
    };
    for (const [format, rel] of Object.entries(cases)) {
      const r = await readLogFile(join(fixturesDir, rel));
      expect(r.stats.format, rel).toBe(format);
    }
  });
});

describe('readLog: bad lines', () => {
  it('counts bad lines by reason with their numbers and never stops', async () => {
    const badPort = ASA.replace('/51520', '/http');
    const badAddr = IPT.replace('SRC=198.51.100.23', 'SRC=198.51.100.300');
    const r = await readLogText([ASA, badPort, ASA, badAddr, badPort, IPT].join('\n') + '\n', {}, 'asa.log');
    expect(r.observations.map((o) => o.evidence.line)).toEqual([1, 3, 6]);
    expect(r.stats.badLines).toBe(3);
    expect(r.stats.badReasons).toEqual([
      { code: 'bad-address', count: 1, lines: [4] },
      { code: 'bad-port', count: 2, lines: [2, 5] },
    ]);
    const a = r.anomalies.find((x) => x.code === 'bad-log-line');
    expect(a?.count).toBe(3);
    expect(a?.examples[0]?.message).toBe(`${r.path}:2: port "http" is not a number`);
    expect(a?.examples[0]?.line).toBe(2);
  });
});

describe('readLog: the year of stamps without one', () => {
  const IPT_2019 = IPT.replace('Mar  4', 'Jan 31');
  it('takes the year of a stamp that states one among the first lines (ASA logging timestamp beside kernel lines)', async () => {
    const asa2021 = ASA.replace('2024', '2021');
    const r = await readLogText([IPT, asa2021, IPT].join('\n') + '\n', { assumeYear: 2026 });
    const years = r.observations.map((o) => new Date(o.tsSec * 1000).getUTCFullYear());
    expect(years).toEqual([2021, 2021, 2021]);
  });
  it('keeps a year given by the user (--year) whatever the lines say', async () => {
    const asa2021 = ASA.replace('2024', '2021');
    const r = await readLogText([IPT, asa2021].join('\n') + '\n', { assumeYear: 2026, yearGiven: true });
    expect(r.observations.map((o) => new Date(o.tsSec * 1000).getUTCFullYear())).toEqual([2026, 2021]);
  });
  it('a stated year later in the file dates the yearless lines after it', async () => {
    const lines = [IPT_2019, IPT_2019, ...Array.from({ length: 2500 }, () => NOISE), ASA.replace('2024', '2022'), IPT];
    const r = await readLogText(lines.join('\n') + '\n', { assumeYear: 2019 });
    const years = r.observations.map((o) => new Date(o.tsSec * 1000).getUTCFullYear());
    // The ASA line is read by its own parser; the kernel line after it by the iptables parser,
    // which saw no stated year: both keep what they know.
    expect(years[0]).toBe(2019);
    expect(years.at(-2)).toBe(2022);
  });
});

describe('inferLogYear', () => {
  const now = new Date(Date.UTC(2026, 10, 21));
  const head = (text: string) => Buffer.from(text, 'latin1');
  it('uses the first stated year: Cisco, ISO 8601, RFC 5424', () => {
    expect(inferLogYear(head(`${IPT}\n${ASA}\n`), true, 2026, now)).toBe(2024);
    expect(inferLogYear(head(`${IPT}\n2023-05-01T10:00:00Z host x: y\n`), true, 2026, now)).toBe(2023);
    expect(inferLogYear(head(`<14>1 2019-11-14T09:37:51Z h a - - - x\n${IPT}\n`), true, 2026, now)).toBe(2019);
  });
  it('falls back to the given year, or the year before when the month is still to come', () => {
    expect(inferLogYear(head(`${IPT}\n`), true, 2026, now)).toBe(2026);
    expect(inferLogYear(head(`${IPT.replace('Mar  4', 'Dec 31')}\n`), true, 2026, now)).toBe(2025);
    expect(inferLogYear(head(`${IPT.replace('Mar  4', 'Dec 31')}\n`), true, 2019, now)).toBe(2019);
    expect(inferLogYear(head('no stamps here\n'), true, 2026, now)).toBe(2026);
  });
});
