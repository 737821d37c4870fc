/**
 * What a user sees when something is wrong: one line on standard error that names the file (and
 * the entry, field or byte offset), exit code 2, never a stack trace — for every command that
 * reads inputs, for usage mistakes, and for bad catalog and inventory files.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../report/memory-io.js';

const DEMO = 'fixtures/demo/demo.pcap';
const tmp = mkdtempSync(join(tmpdir(), 'portolan-cli-errors-'));
const file = (name: string, content: string | Buffer): string => {
  const path = join(tmp, name);
  writeFileSync(path, content);
  return path;
};

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Exit 2, stderr a single `portolan:` line matching `pattern`, no stack trace. */
function oneLine(r: { code: number; err: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.err).not.toMatch(/\n\s+at |internal error/);
  const lines = r.err.trimEnd().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^portolan: /);
  expect(lines[0]).toMatch(pattern);
}

// A capture the project generates, damaged two ways: cut in a record, and garbage over a record header.
const demo = readFileSync(DEMO);
const truncated = file('cut.pcap', demo.subarray(0, 300));
const garbled = Buffer.from(demo);
garbled.fill(0xde, 7871, 7887);
const garbage = file('garbage.pcap', garbled);
const emptyDir = join(tmp, 'adir');
mkdirSync(emptyDir);

describe('unreadable inputs, on every command that reads them', () => {
  for (const command of ['flows', 'analyze', 'audit']) {
    it(`${command}: a missing file`, async () => {
      oneLine(await cli([command, join(tmp, 'missing.pcap')]), /missing\.pcap: no such file$/);
    });
    it(`${command}: a directory`, async () => {
      oneLine(await cli([command, emptyDir]), /adir: is a directory$/);
    });
    it(`${command}: a text file in no log format names the formats tried`, async () => {
      oneLine(await cli([command, file('notes.txt', 'hello world\nthis is not a log\n')]), /notes\.txt: not a recognised log format \(tried: iptables, cisco-asa, .*suricata-eve\)$/);
    });
    it(`${command}: an empty file is no error`, async () => {
      const r = await cli([command, '-q', file('empty.log', '')]);
      expect(r.code).toBe(0);
      expect(r.err).not.toMatch(/portolan: (error|warning)/);
    });
  }

  it('drift: a capture is not a report, and says how to make one', async () => {
    oneLine(await cli(['drift', DEMO, DEMO]), /demo\.pcap: a pcap capture, not a report; make one with `portolan analyze/);
  });
});

describe('damaged captures', () => {
  it('a capture cut inside a record is a warning with the offset; the flows before it count (exit 0)', async () => {
    const r = await cli(['analyze', truncated]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('damaged input: ');
    expect(r.out).toMatch(/cut\.pcap@0xea: truncated packet record \(need 99 bytes, have 66\)/);
    expect(r.out).toMatch(/portolan analyze: 1 flows/);
  });

  it('garbage over a record header stops reading at its offset, says why, keeps what was read, exit 2', async () => {
    for (const command of ['analyze', 'flows']) {
      const r = await cli([command, garbage]);
      expect(r.code, command).toBe(2);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.err).toMatch(/garbage\.pcap@0x1ebf: absurd captured length 3739147998 in packet record/);
    }
    const a = await cli(['analyze', garbage]);
    expect(a.out).toMatch(/portolan analyze: 3 flows, 50 packets/);
    // Long lines are wrapped to the table's width: read them joined.
    expect(a.out.replace(/\n\s+/g, ' ')).toMatch(/damaged input: .*garbage\.pcap@0x1ebf: absurd captured length .*\(what was read before it is in this report\)/);
  });

  it('flows -q prints only what failed', async () => {
    const quiet = await cli(['flows', '-q', truncated, garbage]);
    expect(quiet.code).toBe(2);
    expect(quiet.err).toMatch(/^portolan: .*garbage\.pcap@0x1ebf: absurd captured length \d+ in packet record .*; reading stopped\n$/);
    const clean = await cli(['flows', '-q', DEMO]);
    expect([clean.code, clean.err]).toEqual([0, '']);
  });

  it('an unreadable input beside a good one: the good one is reported, exit 2', async () => {
    const r = await cli(['analyze', DEMO, join(tmp, 'nope.log')]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/portolan analyze: 15 flows/);
    expect(r.out).toMatch(/unreadable input: .*nope\.log: no such file/);
    expect(r.err).toMatch(/^portolan: .*nope\.log: no such file\n$/);
  });
});

describe('bad catalog and inventory files name the file, entry and field', () => {
  const inventory = (hosts: unknown): string => file(`inv-${Math.random().toString(36).slice(2)}.json`, JSON.stringify({ hosts }));
  it('a product file that is not a product', async () => {
    const bad = file('bad-product.json', '{"x":1}');
    oneLine(await cli(['analyze', DEMO, '--catalog', bad]), /bad-product\.json: \/id: required field is missing/);
    oneLine(await cli(['catalog', 'validate', bad]), /bad-product\.json: \/id: required field is missing/);
  });
  it('a wrong CIDR', async () => {
    oneLine(await cli(['analyze', DEMO, '--inventory', inventory([{ address: '10.0.0.300/33', product: 'pathtrak', role: 'hcu' }])]), /hosts\[0\] \(10\.0\.0\.300\/33\): field "address" "10\.0\.0\.300" is not an IPv4 or IPv6 address/);
  });
  it('an unknown role', async () => {
    oneLine(await cli(['analyze', DEMO, '--inventory', inventory([{ address: '10.0.0.1', product: 'pathtrak', role: 'hcu9' }])]), /hosts\[0\] \(10\.0\.0\.1\): field "role" "hcu9" is not a role of pathtrak/);
  });
  it('a parameter no product declares', async () => {
    oneLine(
      await cli(['analyze', DEMO, '--inventory', inventory([{ address: '10.3.0.1', name: 'vos-a', product: 'stratus-vos', role: 'vos-module', params: { max_open_servers: 25 } }])]),
      /hosts\[0\] \(vos-a\): field "params\.max_open_servers" is not a parameter of any catalog product \(parameters: TCPIP-PORT, max_open_server\)/,
    );
  });
  it('a parameter value that is not a number', async () => {
    oneLine(await cli(['analyze', DEMO, '--inventory', inventory([{ address: '10.3.0.1', params: { max_open_server: 'x' } }])]), /field "params\.max_open_server" must be an integer/);
  });
  it('not JSON', async () => {
    oneLine(await cli(['audit', DEMO, '--inventory', file('inv.txt', 'not json')]), /inv\.txt: not valid JSON or YAML for an inventory/);
  });
});

describe('usage mistakes: one line, exit 2', () => {
  const cases: Array<[string[], RegExp]> = [
    [['analyze', DEMO, '--param', 'foo'], /--param "foo": expected name=value/],
    [['analyze', DEMO, '--param', 'foo=1'], /--param foo: no catalog product has a parameter of that name/],
    [['analyze', DEMO, '--format', 'bogus'], /^portolan: --format "bogus": choose one of table, json, ndjson, csv, markdown, html/],
    [['flows', DEMO, '--format', 'bogus'], /^portolan: --format "bogus": choose one of table, json, ndjson, csv/],
    [['analyze', DEMO, '--input-format', 'bogus'], /--input-format .*bogus.*not a log format \(formats: iptables/],
    [['flows', DEMO, '--input-format', 'bogus'], /--input-format .*bogus.*not a log format \(formats: iptables/],
    [['analyze', DEMO, '--fail-on', 'bogus'], /^portolan: --fail-on "bogus": choose one of none, info, low, medium, high/],
    [['drift', 'a.json', 'b.json', '--fail-on', 'bogus'], /^portolan: --fail-on "bogus": choose one of none, info, low, medium, high/],
    [['analyze', DEMO, '--bogus'], /^portolan: unknown option --bogus \(see --help\)$/],
    [['anlyze', DEMO], /^portolan: unknown command "anlyze"; did you mean analyze\? \(see --help\)$/],
    [['catalog', 'lokup', '22'], /^portolan: unknown catalog command "lokup"; did you mean catalog lookup\? \(see --help\)$/],
    [["catalog", "bogus"], /^portolan: unknown catalog command "bogus" \(commands: list, show, lookup, validate\) \(see --help\)$/],
    [['flows'], /^portolan: name at least one capture or log file \(or - for standard input\) \(see --help\)$/],
    [['catalog', 'lookup'], /name a port: 3001, 3001\/tcp or 3001\/udp/],
    [['catalog', 'list', 'extra'], /^portolan: unexpected argument "extra" \(see --help\)$/],
    [['drift', 'a.json', 'b.json', 'c.json'], /^portolan: unexpected argument "c\.json" \(see --help\)$/],
    [['flows', DEMO, '--prefix-action', 'FW-IN'], /--prefix-action "FW-IN": write it as PREFIX=allowed or PREFIX=denied/],
    [['flows', DEMO, '--prefix-action', 'FW-IN=maybe'], /--prefix-action "FW-IN=maybe": the action must be allowed or denied/],
    [['flows', DEMO, '--ftp-port', 'x'], /--ftp-port "x": give a TCP port from 1 to 65535/],
    [['flows', DEMO, '--aws-vpc-fields', '${srcaddr} ${dstadr}'], /--aws-vpc-fields: "\$\{dstadr\}" is not an AWS VPC Flow Logs field/],
    [['catalog', 'lookup', 'http'], /"http" is not a port/],
    [['flows', DEMO, '--year', '21'], /^portolan: --year "21": give a four-digit year, e\.g\. --year 2024$/],
    [['audit', DEMO, '--utc-offset', '5'], /^portolan: --utc-offset "5": write it as \+HH:MM or -HH:MM/],
    [['analyze', DEMO, '--max-flows'], /^portolan: --max-flows needs a value \(see --help\)$/],
    [['analyze', DEMO, '-o'], /^portolan: -o needs a value \(see --help\)$/],
    [['audit', DEMO, '--inventory'], /^portolan: --inventory needs a value \(see --help\)$/],
    [['catalog', 'lookup', '22', '--os'], /^portolan: --os needs a value \(see --help\)$/],
    [['analyze', DEMO, '--max-flows', 'lots'], /^portolan: --max-flows must be a whole number of at least 1 \(got something that is not a number\)$/],
    [['flows', DEMO, '--timeout-udp', '-3'], /^portolan: --timeout-udp must be a positive number of seconds \(got -3\)$/],
    [['drift', 'a.json', 'b.json', '--volume-threshold', '1'], /^portolan: --volume-threshold must be a factor greater than 1/],
  ];
  for (const [args, pattern] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(args);
      oneLine(r, pattern);
      expect(r.out).toBe('');
    });
  }
});
