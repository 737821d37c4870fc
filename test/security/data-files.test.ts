/**
 * Catalog and inventory files are data: parsed with JSON.parse and validated, never imported,
 * required or evaluated. A product file whose strings are JavaScript stays inert text; a
 * JavaScript file given as `--catalog` or `--inventory` is rejected as not JSON without running;
 * `__proto__` keys do not reach Object.prototype.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { loadCatalog, MAX_CATALOG_FILE_BYTES } from '../../src/catalog/load.js';
import { DataFileError } from '../../src/errors.js';
import { memoryIo } from '../report/memory-io.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'portolan-data-'));
const marker = join(dir, 'PWNED');
/** Code that, if it ever ran, would leave the marker file behind. */
const payload = `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'x')`;

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(() => {
  expect(existsSync(marker), 'code from a data file ran').toBe(false);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
});

describe('a product file whose strings are code', () => {
  const product = JSON.parse(readFileSync(join(repo, 'fixtures', 'catalog', 'example-product.json'), 'utf8')) as Record<string, unknown> & {
    rules: Array<Record<string, unknown> & { source: Record<string, string> }>;
  };
  delete product['$schema'];
  product['id'] = 'inert';
  product['name'] = `\${${payload}}`;
  product['description'] = `<script>${payload}</script> \`${payload}\` {{constructor.constructor('${payload}')()}}`;
  product.rules[0]!.service = `eval(${JSON.stringify(payload)})`;
  product.rules[0]!.source.text = `'); ${payload}; ('`;
  const path = join(dir, 'inert.json');
  writeFileSync(path, JSON.stringify(product, null, 2));

  it('loads as data: the strings are kept as text and nothing runs', () => {
    const catalog = loadCatalog({ extraFiles: [path] });
    const p = catalog.products.find((x) => x.id === 'inert')!;
    expect(p.name).toBe(`\${${payload}}`);
    expect(p.rules[0]!.service).toBe(`eval(${JSON.stringify(payload)})`);
  });

  it('catalog validate, catalog show and analyze --catalog print it as text', async () => {
    const v = await cli(['catalog', 'validate', path]);
    expect(v.code).toBe(0);
    const show = await cli(['--catalog', path, 'catalog', 'show', 'inert']);
    expect(show.code).toBe(0);
    expect(show.out).toContain("require('node:fs')");
    const a = await cli(['--catalog', path, 'analyze', join(repo, 'fixtures', 'demo', 'demo.pcap'), '--format', 'json']);
    expect(a.code).toBe(0);
    expect(a.out).toContain('"inert"');
  });

  it('`__proto__` and `constructor` keys are rejected by the schema or kept as plain keys, never as prototypes', async () => {
    const polluted = `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(product).slice(1)}`;
    const p2 = join(dir, 'proto.json');
    writeFileSync(p2, polluted);
    let threw: unknown;
    try {
      loadCatalog({ extraFiles: [p2] });
    } catch (e) {
      threw = e;
    }
    if (threw !== undefined) expect(threw).toBeInstanceOf(DataFileError);
    const r = await cli(['catalog', 'validate', p2]);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('code given where data is expected', () => {
  const js = join(dir, 'evil.mjs');
  writeFileSync(js, `${payload};\nexport default { id: 'evil' };\n`);
  const cjs = join(dir, 'evil.js');
  writeFileSync(cjs, `module.exports = (${payload}, { hosts: [] });\n`);
  const jsonNamed = join(dir, 'evil.json');
  writeFileSync(jsonNamed, `${payload}\n`);

  for (const file of [js, cjs, jsonNamed]) {
    it(`--catalog ${file.slice(dir.length + 1)} is read as JSON, rejected, never run`, async () => {
      expect(() => loadCatalog({ extraFiles: [file] })).toThrow(DataFileError);
      const r = await cli(['--catalog', file, 'catalog', 'list']);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/not valid JSON/);
      expect(r.err).not.toMatch(/\n\s+at /);
    });

    it(`--inventory ${file.slice(dir.length + 1)} is read as data (JSON or YAML), rejected, never run`, async () => {
      const r = await cli(['analyze', join(repo, 'fixtures', 'demo', 'demo.pcap'), '--inventory', file]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/not valid (JSON|YAML) \(.*\); inventories are JSON or YAML files/);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it('a catalog path that is a large file (a capture given by mistake) is refused by size, not read whole', () => {
    expect(MAX_CATALOG_FILE_BYTES).toBe(32 * 1024 * 1024);
    const big = join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(MAX_CATALOG_FILE_BYTES + 1, 0x20));
    expect(() => loadCatalog({ extraFiles: [big] })).toThrow(/more than a product file may be/);
  });
});
