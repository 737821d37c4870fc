/**
 * Inputs and outputs as a terminal user meets them: `-` for standard input and gzip on every
 * command that reads inputs, captures and logs mixed in one run, colour only on a terminal and
 * never with NO_COLOR, and exit codes that mean the same on every command.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Report } from '../../src/report/types.js';
import { memoryIo } from '../report/memory-io.js';

const DEMO = 'fixtures/demo/demo.pcap';
const INVENTORY = 'fixtures/demo/inventory.json';
const IPTABLES = 'fixtures/flow/iptables.log';
const WEEK1 = 'fixtures/drift/weekly/reports/2026-11-07.json';
const WEEK2 = 'fixtures/drift/weekly/reports/2026-11-14.json';
const tmp = mkdtempSync(join(tmpdir(), 'portolan-cli-io-'));
const demoGz = join(tmp, 'demo.pcap.gz');
writeFileSync(demoGz, gzipSync(readFileSync(DEMO)));
const logGz = join(tmp, 'fw.log.gz');
writeFileSync(logGz, gzipSync(readFileSync(IPTABLES)));
const week2Gz = join(tmp, 'week2.json.gz');
writeFileSync(week2Gz, gzipSync(readFileSync(WEEK2)));

type Options = Parameters<typeof memoryIo>[0];

async function cli(args: string[], options: Options = {}): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(options);
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

const ESC = '\u001b[';

describe('standard input and gzip on every command that reads inputs', () => {
  for (const command of ['flows', 'analyze', 'audit']) {
    it(`${command}: - reads a capture from standard input, gzip or not`, async () => {
      const plain = await cli([command, '-', '-f', 'json'], { stdin: readFileSync(DEMO) });
      const gz = await cli([command, '-', '-f', 'json'], { stdin: readFileSync(demoGz) });
      expect(plain.code).toBe(0);
      expect(gz.code).toBe(0);
      const flowsOf = (out: string): number => {
        const doc = JSON.parse(out) as { flows?: unknown[]; totals?: { flows: number } };
        return doc.flows?.length ?? doc.totals?.flows ?? -1;
      };
      expect(flowsOf(plain.out)).toBe(15);
      expect(flowsOf(gz.out)).toBe(15);
    });

    it(`${command}: a .gz log and a .gz capture on the command line`, async () => {
      const r = await cli([command, demoGz, logGz, '-f', 'json']);
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.out) as { inputs?: Array<{ format: string }>; generatedFrom?: { inputs: Array<{ format: string }> } };
      const formats = (doc.inputs ?? doc.generatedFrom?.inputs ?? []).map((i) => i.format);
      expect(formats).toEqual(['pcap', 'iptables']);
    });
  }

  it('analyze mixes captures and logs in one report, each flow with its own evidence', async () => {
    const r = await cli(['analyze', DEMO, IPTABLES, '--inventory', INVENTORY, '--format', 'json']);
    const report = JSON.parse(r.out) as Report;
    expect(report.generatedFrom.inputs.map((i) => [i.name, i.kind])).toEqual([
      [DEMO, 'capture'],
      [IPTABLES, 'log'],
    ]);
    expect(report.totals.flows).toBeGreaterThan(15);
  });

  it('drift reads - and .gz reports', async () => {
    const r = await cli(['drift', '-', week2Gz, '--format', 'json'], { stdin: readFileSync(WEEK1) });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const direct = await cli(['drift', WEEK1, WEEK2, '--format', 'json']);
    const items = (out: string): number => (JSON.parse(out) as { items: unknown[] }).items.length;
    expect(items(r.out)).toBe(items(direct.out));
  });

  it('standard input can be read once', async () => {
    const r = await cli(['analyze', '-', '-'], { stdin: readFileSync(DEMO) });
    expect(r.code).toBe(2);
    expect(r.err).toBe('portolan: standard input (-) can be read only once\n');
  });
});

describe('colour', () => {
  it('on a terminal the table has colour; NO_COLOR, a pipe or --no-color turn it off; --color forces it', async () => {
    const args = ['analyze', DEMO, '--inventory', INVENTORY];
    expect((await cli(args, { tty: true })).out).toContain(ESC);
    expect((await cli(args, { tty: true, env: { NO_COLOR: '1' } })).out).not.toContain(ESC);
    expect((await cli(args, { tty: false })).out).not.toContain(ESC);
    expect((await cli([...args, '--no-color'], { tty: true })).out).not.toContain(ESC);
    expect((await cli([...args, '--color'], { tty: false })).out).toContain(ESC);
  });

  it('machine formats and files never carry colour', async () => {
    for (const f of ['json', 'csv', 'markdown', 'ndjson']) {
      expect((await cli(['analyze', DEMO, '-f', f, '--color'], { tty: true })).out, f).not.toContain(ESC);
    }
  });

  it('catalog and drift tables follow the same rule', async () => {
    expect((await cli(['catalog', 'list'], { tty: true })).out).toContain(ESC);
    expect((await cli(['catalog', 'list'], { tty: true, env: { NO_COLOR: '1' } })).out).not.toContain(ESC);
    expect((await cli(['drift', WEEK1, WEEK2], { tty: true, env: { NO_COLOR: '' } })).out).toContain(ESC);
    expect((await cli(['drift', WEEK1, WEEK2], { tty: false })).out).not.toContain(ESC);
  });
});

describe('the terminal table fits the terminal', () => {
  for (const columns of [60, 80, 100, 120, 160]) {
    it(`${columns} columns: no line is wider (findings listed one under another below 100)`, async () => {
      for (const command of ['analyze', 'audit']) {
        const r = await cli([command, DEMO, IPTABLES, '--inventory', INVENTORY], { tty: true, columns, env: { NO_COLOR: '1' } });
        const widest = Math.max(...r.out.split('\n').map((l) => [...l].length));
        expect(widest, `${command} at ${columns}`).toBeLessThanOrEqual(columns);
        if (columns < 100) expect(r.out, `${command} at ${columns}`).not.toContain('┌──────────┬');
        else expect(r.out, `${command} at ${columns}`).toContain('┌──────────┬');
      }
    });
  }
});

describe('exit codes mean the same on every command', () => {
  it('0 when clean, 1 at or above --fail-on, 2 for usage and input errors', async () => {
    expect((await cli(['analyze', DEMO, '--inventory', INVENTORY])).code).toBe(0);
    expect((await cli(['analyze', DEMO, '--inventory', INVENTORY, '--fail-on', 'high'])).code).toBe(1);
    expect((await cli(['audit', DEMO, '--inventory', INVENTORY, '--fail-on', 'medium'])).code).toBe(1);
    expect((await cli(['drift', WEEK1, WEEK2])).code).toBe(0);
    expect((await cli(['drift', WEEK1, WEEK2, '--fail-on', 'info'])).code).toBe(1);
    expect((await cli(['flows', DEMO])).code).toBe(0);
    expect((await cli(['catalog', 'lookup', '3001/tcp'])).code).toBe(0);
    for (const args of [['flows', 'nope.pcap'], ['analyze', 'nope.pcap'], ['audit', 'nope.pcap'], ['drift', 'nope.json', WEEK2], ['catalog', 'validate', 'nope.json'], ['catalog', 'show', 'nope']]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(/^portolan: [^\n]+\n$/);
    }
  });
});
