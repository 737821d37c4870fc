/**
 * `portolan analyze` and `portolan audit` end to end through `run(argv, io)`: the bundled demo in
 * every format (golden files in fixtures/report/demo.expected.*), exit codes, output files,
 * damaged and unreadable inputs, and usage errors that name what is wrong.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Report } from '../../src/report/types.js';
import { memoryIo } from './memory-io.js';

const DEMO = ['fixtures/demo/demo.pcap', '--inventory', 'fixtures/demo/inventory.json'];
const EXT: Record<string, string> = { table: 'txt', json: 'json', ndjson: 'ndjson', csv: 'csv', markdown: 'md', html: 'html' };
const tmp = mkdtempSync(join(tmpdir(), 'portolan-report-'));

async function cli(args: string[], options: Parameters<typeof memoryIo>[0] = {}): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(options);
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('analyze on the bundled demo', () => {
  for (const format of Object.keys(EXT)) {
    it(`--format ${format} matches its golden file`, async () => {
      const r = await cli(['analyze', ...DEMO, '--format', format]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      await expect(r.out).toMatchFileSnapshot(`../../fixtures/report/demo.expected.${EXT[format]!}`);
    });
  }

  it('finds what the demo was built to show', async () => {
    const r = await cli(['analyze', ...DEMO, '--format', 'json']);
    const report = JSON.parse(r.out) as Report;
    const byKey = new Map(report.services.map((s) => [s.key, s]));
    expect(byKey.get('hcu → pathtrak-server tcp/5808')!.finding).toBe('broken-requirement');
    expect(byKey.get('hcu → pathtrak-server tcp/5808')!.reachability).toBe('mixed');
    expect(byKey.get('192.168.10.50 → vos-module tcp/85')!.finding).toBe('exposure');
    expect(byKey.get('192.168.10.50 → pts-1 tcp/8080')!.finding).toBe('undocumented');
    expect(byKey.get('pathtrak-server → hcu tcp pathtrak/ftp-data')!.status).toBe('dynamic');
    expect(byKey.get('vos-module → vos-module tcp stratus-vos/osl')!.reason).toContain('max_open_server=25 from inventory host vos-a');
    expect(byKey.get('management-node → managed-node tcp/873')!.finding).toBe('ok');
    expect(report.counts.flows.byFinding['broken-requirement']).toBe(3);
    expect(report.findings[0]!.finding).toBe('broken-requirement');
    const pathtrak = report.coverage.find((c) => c.product === 'pathtrak')!;
    expect(pathtrak.rulesSeen).toBeGreaterThan(0);
    expect(pathtrak.roles.some((r) => r.neverSeen.includes('smtp'))).toBe(true);
  });

  it('is the same report twice (deterministic)', async () => {
    const a = await cli(['analyze', ...DEMO, '--format', 'json']);
    const b = await cli(['analyze', ...DEMO, '--format', 'json']);
    expect(a.out).toBe(b.out);
  });
});

describe('exit codes', () => {
  it('0 when no finding reaches --fail-on (default: nothing fails)', async () => {
    expect((await cli(['analyze', ...DEMO, '--quiet'])).code).toBe(0);
  });

  it('1 when a finding reaches --fail-on', async () => {
    expect((await cli(['analyze', ...DEMO, '--fail-on', 'high'])).code).toBe(1);
    expect((await cli(['analyze', ...DEMO, '--fail-on', 'medium'])).code).toBe(1);
    expect((await cli(['analyze', 'fixtures/classify/ok.pcap', '--inventory', 'fixtures/classify/inventory.json', '--fail-on', 'info'])).code).toBe(0);
  });

  it('2 for an input that cannot be read, after reporting what could be', async () => {
    const r = await cli(['analyze', ...DEMO, 'fixtures/demo/no-such-file.pcap', '--format', 'json']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no-such-file.pcap: no such file');
    const report = JSON.parse(r.out) as Report;
    expect(report.totals.flows).toBe(15);
    expect(report.generatedFrom.inputs[1]!.kind).toBe('unreadable');
    expect(report.generatedFrom.inputs[1]!.damage!.fatal).toBe(true);
  });

  it('a capture cut short is reported as damaged and keeps every flow read before the cut', async () => {
    const whole = readFileSync('fixtures/demo/demo.pcap');
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 30));
    const r = await cli(['analyze', cut, '--inventory', 'fixtures/demo/inventory.json', '--format', 'json']);
    const report = JSON.parse(r.out) as Report;
    expect(report.totals.flows).toBe(15);
    const damage = report.generatedFrom.inputs[0]!.damage!;
    expect(damage.fatal).toBe(false);
    // A last record cut short (a capture stopped mid-write) is not fatal: the exit code follows the findings.
    expect(r.code).toBe(0);
  });

  it('2 for fatal damage, after reporting the flows read before it', async () => {
    const whole = Buffer.from(readFileSync('fixtures/demo/demo.pcap'));
    // Record 60's header claims a 2 GiB packet: nothing after it can be read.
    let offset = 24;
    for (let i = 0; i < 60; i++) offset += 16 + whole.readUInt32LE(offset + 8);
    whole.writeUInt32LE(0x7fffffff, offset + 8);
    whole.writeUInt32LE(0x7fffffff, offset + 12);
    const bad = join(tmp, 'absurd.pcap');
    writeFileSync(bad, whole);
    const r = await cli(['analyze', bad, '--inventory', 'fixtures/demo/inventory.json', '--format', 'json']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out) as Report;
    expect(report.totals.flows).toBeGreaterThan(3);
    expect(report.totals.flows).toBeLessThan(15);
    expect(report.generatedFrom.inputs[0]!.damage!.fatal).toBe(true);
    // One line naming the file, the byte offset and why reading stopped.
    expect(r.err).toMatch(/^portolan: .*absurd\.pcap@0x[0-9a-f]+: absurd captured length \d+ in packet record .*; reading stopped \(what was read before is in the report\)\n$/);
  });

  it('2 for bad usage, naming what is wrong', async () => {
    const bogusFormat = await cli(['analyze', ...DEMO, '--format', 'pdf']);
    expect(bogusFormat.code).toBe(2);
    expect(bogusFormat.err).toMatch(/pdf/);
    const badParam = await cli(['analyze', ...DEMO, '--param', 'max_open_server']);
    expect(badParam.code).toBe(2);
    expect(badParam.err).toContain('expected name=value');
    const unknownParam = await cli(['analyze', ...DEMO, '--param', 'max_open_servr=5']);
    expect(unknownParam.code).toBe(2);
    expect(unknownParam.err).toContain('max_open_servr');
    expect(unknownParam.err).toContain('max_open_server');
    const noInput = await cli(['analyze']);
    expect(noInput.code).toBe(2);
  });

  it('2 for an inventory that does not validate, naming the file, entry and field', async () => {
    const bad = join(tmp, 'bad-inventory.json');
    writeFileSync(bad, JSON.stringify({ hosts: [{ address: '10.0.0.1', name: 'ok' }, { address: '10.0.0.300', name: 'hcu-x', product: 'pathtrak', role: 'hcu' }] }));
    const r = await cli(['analyze', 'fixtures/demo/demo.pcap', '--inventory', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${bad}: hosts[1] (hcu-x): field "address" "10.0.0.300" is not an IPv4 or IPv6 address`);
    expect(r.err).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe('output and formats', () => {
  it('--output writes the file, picks the format from its extension, and says so on stderr', async () => {
    const file = join(tmp, 'report.html');
    const r = await cli(['analyze', ...DEMO, '--output', file]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toContain('html report written to');
    expect(readFileSync(file, 'utf8')).toMatch(/^<!DOCTYPE html>/);
    const quiet = await cli(['analyze', ...DEMO, '--output', join(tmp, 'r.csv'), '--quiet']);
    expect(quiet.err).toBe('');
    expect(readFileSync(join(tmp, 'r.csv'), 'utf8')).toMatch(/^key,finding,/);
  });

  it('ndjson has one classified flow per line with the verdict fields', async () => {
    const r = await cli(['analyze', ...DEMO, '--format', 'ndjson']);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(15);
    for (const l of lines) {
      for (const k of ['id', 'proto', 'client', 'server', 'outcome', 'status', 'reachability', 'finding', 'severity', 'rules', 'reason']) expect(l).toHaveProperty(k);
    }
  });

  it('audit orders the review: broken requirements, exposures, undocumented allowed traffic, the rest', async () => {
    const r = await cli(['audit', ...DEMO, '--format', 'json']);
    const report = JSON.parse(r.out) as Report;
    expect(report.command).toBe('audit');
    expect(report.ordering).toBe('firewall-review');
    const findings = report.services.map((s) => s.finding);
    expect(findings.slice(0, 4)).toEqual(['broken-requirement', 'broken-requirement', 'exposure', 'undocumented']);
    const table = await cli(['audit', ...DEMO]);
    const a = table.out.indexOf('Broken requirements');
    const b = table.out.indexOf('Exposures');
    const c = table.out.indexOf('Undocumented traffic allowed');
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
  });

  it('reads standard input with -', async () => {
    const r = await cli(['analyze', '-', '--inventory', 'fixtures/demo/inventory.json', '--format', 'json'], { stdin: readFileSync('fixtures/demo/demo.pcap') });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Report).totals.flows).toBe(15);
  });

  it('shows progress only on a terminal', async () => {
    const tty = await cli(['analyze', ...DEMO, '--format', 'json'], { tty: true });
    expect(tty.err).toContain('\r');
    const pipe = await cli(['analyze', ...DEMO, '--format', 'json']);
    expect(pipe.err).toBe('');
  });
});
