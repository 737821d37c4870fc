import { existsSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { MAX_REPORT_DEPTH, readReport, readReportChunks } from '../../src/drift/read.js';
import { CURRENT_SCHEMA_VERSION, UPGRADES } from '../../src/drift/schema.js';
import type { LoadedReport } from '../../src/drift/types.js';
import { schemaV1Report } from './schema-v1.js';
import { report, rng, serviceRow } from './support.js';

async function* chunksOf(text: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text);
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}

async function readText(text: string | Buffer, size?: number): Promise<LoadedReport> {
  return readReportChunks('old.json', chunksOf(text, size));
}

async function errorOf(text: string | Buffer): Promise<InputError> {
  try {
    await readText(text, 64);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw new Error(`not an InputError: ${String(e)}`);
  }
  throw new Error('no error');
}

/** A loaded report as plain JSON, for snapshots. */
function plain(r: LoadedReport): unknown {
  return { ...r, rulesSeen: [...r.rulesSeen], rulesNeverSeen: [...r.rulesNeverSeen], services: [...r.services.values()] };
}

const V1 = JSON.stringify(schemaV1Report(), null, 2) + '\n';

/** The v1 fixture changed by `edit`, as text. */
function edited(edit: (r: Record<string, unknown> & { services: Array<Record<string, unknown>> }) => void): string {
  const r = JSON.parse(V1) as Record<string, unknown> & { services: Array<Record<string, unknown>> };
  edit(r);
  return JSON.stringify(r, null, 2);
}

describe('schema-version fixtures', () => {
  it('the v1 fixture is the typed v1 report', async () => {
    await expect(V1).toMatchFileSnapshot('../../fixtures/drift/schema-v1.json');
  });

  it('every schema version from 1 to the current one has a fixture that still reads', async () => {
    expect(UPGRADES.map((u) => u.from)).toEqual(Array.from({ length: CURRENT_SCHEMA_VERSION - 1 }, (_, i) => i + 1));
    for (let v = 1; v <= CURRENT_SCHEMA_VERSION; v++) {
      const path = `fixtures/drift/schema-v${v}.json`;
      expect(existsSync(path), path).toBe(true);
      const r = await readReport(path);
      expect(r.schemaVersion).toBe(v);
      await expect(JSON.stringify(plain(r), null, 2) + '\n').toMatchFileSnapshot(`../../fixtures/drift/schema-v${v}.read.json`);
    }
  });
});

describe('readReportChunks', () => {
  it('keeps what drift compares, whatever the chunk size', async () => {
    const a = await readText(V1, 1);
    const b = await readText(V1, 4096);
    expect(plain(a)).toEqual(plain(b));
    expect(a.services.size).toBe(3);
    const s = a.services.get('hcu → pathtrak-server tcp/5808');
    expect(s?.reachability).toBe('mixed');
    expect(s?.deniedBy).toEqual(['iptables "UFW BLOCK"']);
    expect(a.rulesSeen.get('pathtrak/boot-event-listener')).toBe(3);
    expect(a.rulesNeverSeen.has('pathtrak/rpc-links')).toBe(true);
    expect(a.anomalies).toBe(2);
    expect(a.params).toEqual({ max_open_server: 25 });
  });

  it('reads a minified report and one whose fields come in another order', async () => {
    const r = schemaV1Report();
    const minified = await readText(JSON.stringify(r));
    const reordered: Record<string, unknown> = {};
    for (const k of Object.keys(r).sort().reverse()) reordered[k] = (r as unknown as Record<string, unknown>)[k];
    const other = await readText(JSON.stringify(reordered));
    expect(plain(other)).toEqual(plain(minified));
  });

  it('ignores fields it does not know, at the top and in rows', async () => {
    const r = JSON.parse(V1) as Record<string, unknown>;
    r['futureField'] = { deep: [[[{ x: 1 }]]], s: 'x' };
    (r['services'] as Array<Record<string, unknown>>)[0]!['newThing'] = [1, 2, 3];
    const a = await readText(JSON.stringify(r));
    expect(a.services.size).toBe(3);
  });

  it('keeps a "__proto__" key an ordinary field', async () => {
    const text = V1.replace('"params": {', '"params": {"__proto__": 7, ');
    const r = await readText(text);
    expect(Object.getPrototypeOf(r.params)).toBe(Object.prototype);
    expect(r.params['__proto__']).toBe(7);
  });

  it('reads gzip and standard input', async () => {
    const stdin = new PassThrough();
    stdin.end(gzipSync(V1));
    const r = await readReport('-', { stdin });
    expect(r.file).toBe('<stdin>');
    expect(r.services.size).toBe(3);
  });
});

describe('bad reports: a clear error naming the file, never anything else', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['not JSON', 'hello world\n', /^old\.json: not JSON \(line \d: JSON parser cannot parse input: expected a value\)$/],
    ['an HTML report', '<!DOCTYPE html><html></html>', /^old\.json: not JSON .*it looks like an HTML report \(drift reads `--format json` reports\)$/],
    ['a Markdown report', '# portolan analyze report\n', /it looks like a Markdown report/],
    ['a CSV report', 'key,finding,severity,status\nx,ok,none,documented\n', /it looks like CSV/],
    ['NDJSON flows', '{"id":"1.1","proto":"tcp"}\n{"id":"1.2","proto":"tcp"}\n', /^old\.json: not a portolan report: more JSON after the report object; it looks like NDJSON \(one flow per line, `--format ndjson`\)/],
    ['an array', '[1, 2]', /^old\.json: not a portolan report \(the document is an array, not an object\)$/],
    ['a string', '"report"', /the document is a string/],
    ['no schemaVersion', '{"services": []}', /^old\.json: not a portolan report \(no schemaVersion\)/],
    ['another tool', V1.replace('"name": "portolan"', '"name": "other"'), /^old\.json: not a portolan report \(tool\.name is "other"\)$/],
    ['a future version', V1.replace('"schemaVersion": 1', '"schemaVersion": 99'), /^old\.json: report schemaVersion 99 is newer than this portolan reads \(1 to 1\); upgrade portolan to compare it$/],
    ['a version of no sense', V1.replace('"schemaVersion": 1', '"schemaVersion": 0'), /schemaVersion is 0, not a version number/],
    ['a version as text', V1.replace('"schemaVersion": 1', '"schemaVersion": "1"'), /schemaVersion is "1", not a version number/],
    ['no services', edited((r) => delete (r as Record<string, unknown>)['services']), /^old\.json: invalid portolan report \(schemaVersion 1\): services: missing$/],
    ['services not an array', '{"schemaVersion": 1, "services": {}}', /services: expected an array/],
    ['a bad finding', V1.replace('"finding": "undocumented"', '"finding": "spooky"'), /services\[2\]\.finding: the string "spooky" is not one of broken-requirement, exposure/],
    ['a missing key', V1.replace('"key": "[2001:db8::5] → [2001:db8::7] udp/161",', ''), /services\[2\]\.key: missing$/],
    ['a negative count', edited((r) => (r.services[0]!['flows'] = -4)), /services\[0\]\.flows: expected a count/],
    ['a duplicate key', V1.replace('[2001:db8::5] → [2001:db8::7] udp/161', 'hcu → pathtrak-server tcp/5808'), /services\[2\]\.key: duplicate key "hcu → pathtrak-server tcp\/5808" \(also services\[0\]\)/],
    ['a missing catalog hash', V1.replace('"hash":', '"hush":'), /invalid portolan report \(schemaVersion 1\): catalog\.hash: missing$/],
    ['an unknown command', V1.replace('"command": "analyze"', '"command": "flows"'), /command: the string "flows" is not one of analyze, audit/],
    ['more JSON after the report', V1 + '{}', /^old\.json: not a portolan report: more JSON after the report object; drift reads one report per file$/],
    ['an empty document', '   \n', /no JSON value/],
  ];
  for (const [name, text, message] of cases) {
    it(name, async () => {
      const e = await errorOf(text);
      expect(e.message).toMatch(message);
      expect(e.exitCode).toBe(2);
      expect(e.file).toBe('old.json');
    });
  }

  it('a future version is refused at once, before the rest is read', async () => {
    const e = await errorOf('{"schemaVersion": 2, "services": [ {"this is": "cut');
    expect(e.code).toBe('report-version');
  });

  it('a report cut short says where', async () => {
    const e = await errorOf(V1.slice(0, V1.indexOf('[2001:db8::5] →') + 5));
    expect(e.message).toMatch(/^old\.json: report cut short: the JSON ends inside services\[2\] \(line \d+\); was the file still being written\?$/);
  });

  it('nesting deeper than the limit is refused', async () => {
    const deep = '['.repeat(MAX_REPORT_DEPTH + 5) + ']'.repeat(MAX_REPORT_DEPTH + 5);
    const e = await errorOf(`{"schemaVersion": 1, "junk": ${deep}}`);
    expect(e.message).toMatch(/JSON nested deeper than 64 in junk/);
    const e2 = await errorOf(`{"schemaVersion": 1, "services": [${deep}]}`);
    expect(e2.message).toMatch(/JSON nested deeper than 64 in services\[0\]/);
  });

  it('every truncation of a report is an InputError', async () => {
    const text = JSON.stringify(schemaV1Report());
    for (let n = 0; n < text.length; n += 3) {
      const e = await errorOf(text.slice(0, n));
      expect(e).toBeInstanceOf(InputError);
    }
  });

  it('mutated reports give a report or an InputError, nothing else (fixed seed)', async () => {
    const base = Buffer.from(JSON.stringify(schemaV1Report()));
    const next = rng(0xd81f7);
    const specials = [0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x00, 0xff, 0x31];
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(base);
      const edits = 1 + Math.floor(next() * 4);
      for (let j = 0; j < edits; j++) b[Math.floor(next() * b.length)] = specials[Math.floor(next() * specials.length)]!;
      try {
        await readText(b, 1 + Math.floor(next() * 200));
      } catch (e) {
        expect(e, String(e)).toBeInstanceOf(InputError);
      }
    }
  });

  it('a capture given as a report says so', async () => {
    const path = 'fixtures/drift/weekly/inputs/2026-11-07.pcap';
    await expect(readReport(path)).rejects.toThrow(`${path}: a pcap capture, not a report; make one with \`portolan analyze ${path} --format json --output report.json\``);
  });

  it('a missing file and an empty file', async () => {
    await expect(readReport('fixtures/drift/no-such.json')).rejects.toThrow('fixtures/drift/no-such.json: no such file');
    const stdin = new PassThrough();
    stdin.end();
    await expect(readReport('-', { stdin })).rejects.toThrow('<stdin>: empty file, not a portolan report');
  });

  it('a damaged gzip stream', async () => {
    const gz = gzipSync(V1);
    const stdin = new PassThrough();
    stdin.end(gz.subarray(0, gz.length - 40));
    await expect(readReport('-', { stdin })).rejects.toThrow(/^<stdin>: (damaged gzip stream|report cut short)/);
  });
});

describe('memory and speed', () => {
  it('reads a large report keeping only the service summaries', async () => {
    const rows = Array.from({ length: 5_000 }, (_, i) =>
      serviceRow(`10.0.${i >> 8}.${i & 255} → 10.1.0.1 tcp/${1000 + (i % 50000)}`, {
        reason: 'r'.repeat(200),
        examples: Array.from({ length: 3 }, (_, k) => ({
          flow: `1.${i * 3 + k}`,
          client: `10.0.0.1:${40000 + k}`,
          server: '10.1.0.1:1000',
          first: '2026-11-07T10:00:00.000000000Z',
          outcome: 'established' as const,
          finding: 'ok' as const,
          evidence: { file: 'cap.pcap', offset: i * 100 },
          reason: 'x'.repeat(300),
        })),
      }),
    );
    const r = report(rows);
    r.findings = rows.map((s) => ({ key: s.key, finding: s.finding, severity: s.severity, reachability: s.reachability, flows: s.flows, first: s.first, last: s.last, reason: s.reason }));
    const text = JSON.stringify(r, null, 2);
    const start = process.hrtime.bigint();
    const loadedReport = await readText(text, 1024 * 1024);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    expect(loadedReport.services.size).toBe(5_000);
    // Not an assertion on time: a figure for the record.
    console.log(`drift read: ${(text.length / 1e6).toFixed(1)} MB, 5,000 services in ${seconds.toFixed(2)} s (${(text.length / 1e6 / seconds).toFixed(1)} MB/s)`);
  });
});

describe('fixture files on disk', () => {
  it('the v1 fixture on disk is valid JSON', () => {
    expect(() => JSON.parse(readFileSync('fixtures/drift/schema-v1.json', 'utf8')) as unknown).not.toThrow();
  });
});
