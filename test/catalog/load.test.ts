import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataFileError } from '../../src/errors.js';
import { builtinProductFiles, canonicalJson, loadCatalog, validateProductData, validateProductFile } from '../../src/catalog/load.js';
import { lookupPort } from '../../src/catalog/lookup.js';
import { parseInventory } from '../../src/inventory/load.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/catalog');
const EXAMPLE = join(FIXTURES, 'example-product.json');
const example = (): Record<string, unknown> & { rules: Array<Record<string, unknown>> } => JSON.parse(readFileSync(EXAMPLE, 'utf8'));

/** The DataFileError message validating `data` as "mycat.json" gives. */
function errorOf(data: unknown): string {
  try {
    validateProductData(data, 'mycat.json');
  } catch (e) {
    expect(e).toBeInstanceOf(DataFileError);
    return (e as DataFileError).message;
  }
  throw new Error('validated, but should not have');
}

function mutate(f: (p: ReturnType<typeof example>) => void): unknown {
  const p = example();
  f(p);
  return p;
}

describe('built-in catalog', () => {
  it('loads the four products, validated, with a stable hash', () => {
    const c = loadCatalog();
    expect(c.products.map((p) => p.id)).toEqual(['pathtrak', 'prognosis', 'stratus-vos', 'xcat']);
    expect(c.files).toEqual({
      pathtrak: 'products/pathtrak.json',
      prognosis: 'products/prognosis.json',
      'stratus-vos': 'products/stratus-vos.json',
      xcat: 'products/xcat.json',
    });
    expect(c.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(loadCatalog().hash).toBe(c.hash);
    expect(c.ephemeralProfiles.length).toBeGreaterThan(10);
    expect(builtinProductFiles()).toHaveLength(4);
  });
  it('drops the editor-only $schema key', () => {
    const c = loadCatalog();
    for (const p of c.products) expect(Object.keys(p)).not.toContain('$schema');
  });
  it('adds a user file after the built-ins and changes the hash', () => {
    const base = loadCatalog();
    const c = loadCatalog({ extraFiles: [EXAMPLE], names: ['example-product.json'] });
    expect(c.products.map((p) => p.id)).toEqual(['pathtrak', 'prognosis', 'stratus-vos', 'xcat', 'acme-backup']);
    expect(c.files['acme-backup']).toBe('example-product.json');
    expect(c.hash).not.toBe(base.hash);
  });
  it('refuses a user product that reuses a built-in id', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-catalog-'));
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify(mutate((p) => (p['id'] = 'xcat'))));
    expect(() => loadCatalog({ extraFiles: [file], names: ['mine.json'] })).toThrow(
      'mine.json: /id: product id "xcat" is already defined by products/xcat.json',
    );
  });
  it('canonical JSON sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('validation errors name the file, the rule and the field', () => {
  it('fixtures: missing field, backwards range, unknown port kind', () => {
    const msg = (name: string): string => {
      try {
        validateProductFile(join(FIXTURES, name), name);
      } catch (e) {
        return (e as Error).message;
      }
      return 'ok';
    };
    expect(msg('broken-missing-level.json')).toBe('broken-missing-level.json: rule "control": /rules/0/level: required field is missing');
    expect(msg('broken-range.json')).toBe('broken-range.json: rule "data": /rules/1/ports/from: must not be greater than to (1024)');
    expect(msg('broken-kind.json')).toBe(
      'broken-kind.json: rule "control": /rules/0/ports/kind: unknown port kind "bogus" (expected one of: port, list, range, formula, ephemeral, ftp-data, rpc-dynamic)',
    );
    expect(validateProductFile(EXAMPLE).id).toBe('acme-backup');
  });
  it('a number written as a string, a fraction, a port past 65535', () => {
    expect(errorOf(mutate((p) => (p.rules[1]!['ports'] = { kind: 'range', from: 3000, to: '3999' })))).toBe(
      'mycat.json: rule "data": /rules/1/ports/to: must be a number',
    );
    expect(errorOf(mutate((p) => (p.rules[0]!['ports'] = { kind: 'port', port: 21.5 })))).toBe(
      'mycat.json: rule "control": /rules/0/ports/port: must be a whole number',
    );
    expect(errorOf(mutate((p) => (p.rules[0]!['ports'] = { kind: 'port', port: 70000 })))).toBe(
      'mycat.json: rule "control": /rules/0/ports/port: must be at most 65535',
    );
    expect(errorOf(mutate((p) => (p.rules[0]!['ports'] = { kind: 'list', ports: [1, 2, 65536] })))).toBe(
      'mycat.json: rule "control": /rules/0/ports/ports/2: must be at most 65535',
    );
  });
  it('fields the schema does not know, wrong enums, missing kinds', () => {
    expect(errorOf(mutate((p) => (p.rules[0]!['colour'] = 'red')))).toBe('mycat.json: rule "control": /rules/0/colour: is not a known field');
    expect(errorOf(mutate((p) => (p.rules[0]!['level'] = 'mandatory')))).toBe(
      'mycat.json: rule "control": /rules/0/level: must be one of: required, optional, conditional, not-used, should-block',
    );
    expect(errorOf(mutate((p) => (p.rules[0]!['proto'] = ['sctp'])))).toBe('mycat.json: rule "control": /rules/0/proto/0: must be one of: tcp, udp');
    expect(errorOf(mutate((p) => (p.rules[0]!['ports'] = { port: 7000 })))).toBe('mycat.json: rule "control": /rules/0/ports/kind: required field is missing');
    expect(errorOf(mutate((p) => (p.rules[0]!['id'] = 'Control Port')))).toBe(
      'mycat.json: rule "Control Port": /rules/0/id: must be a kebab-case id (a-z, 0-9, "-", ".")',
    );
    expect(errorOf(mutate((p) => delete p['roles']))).toBe('mycat.json: /roles: required field is missing');
    expect(errorOf([])).toBe('mycat.json: /: must be an object');
  });
  it('semantic checks: duplicate ids, unknown roles and parameters, dangling control rule', () => {
    expect(errorOf(mutate((p) => (p.rules[2]!['id'] = 'control')))).toBe(
      'mycat.json: rule "control": /rules/2/id: duplicate rule id "control" (first at /rules/0)',
    );
    expect(errorOf(mutate((p) => (p.rules[0]!['to'] = 'agent')))).toBe(
      'mycat.json: rule "control": /rules/0/to: unknown role "agent" (declared roles: backup-agent, backup-server, or "*")',
    );
    expect(
      errorOf(mutate((p) => (p.rules[1]!['ports'] = { kind: 'formula', text: 'x', from: { base: 0, terms: [{ param: 'BASE', coeff: 1 }] }, to: { base: 9, terms: [] } }))),
    ).toBe('mycat.json: rule "data": /rules/1/ports/from/terms/0/param: unknown parameter "BASE" (declared: DATA-BASE, streams)');
    expect(errorOf(mutate((p) => (p.rules[1]!['ports'] = { kind: 'ftp-data', control: 'ftp', fallback: [] })))).toBe(
      'mycat.json: rule "data": /rules/1/ports/control: names no rule of this product: "ftp"',
    );
    expect(errorOf(mutate((p) => (p.rules[1]!['ports'] = { kind: 'rpc-dynamic', fallback: [{ from: 900, to: 600, note: 'x' }] })))).toBe(
      'mycat.json: rule "data": /rules/1/ports/fallback/0/from: must not be greater than to (600)',
    );
    expect(errorOf(mutate((p) => (p.rules[3]!['proto'] = ['tcp'])))).toBe(
      'mycat.json: rule "discovery": /rules/3/proto: must name both tcp and udp when protoStated is false (a rule whose document names no protocol covers both)',
    );
    expect(errorOf(mutate((p) => delete p.rules[3]!['condition']))).toBe(
      'mycat.json: rule "discovery": /rules/3/condition: required field is missing (a conditional rule states its condition)',
    );
    expect(errorOf(mutate((p) => (p.rules[3]!['conditions'] = { releases: 'someday' })))).toBe(
      'mycat.json: rule "discovery": /rules/3/conditions/releases: release expression "someday": cannot read "someday"',
    );
    expect(errorOf(mutate((p) => ((p['roles'] as Array<Record<string, unknown>>)[1]!['actsAs'] = ['server'])))).toBe(
      'mycat.json: /roles/1/actsAs/0: unknown role "server" (declared roles: backup-agent, backup-server)',
    );
  });
  it('unreadable and malformed files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-catalog-'));
    expect(() => validateProductFile(join(dir, 'none.json'), 'none.json')).toThrow('none.json: cannot read: no such file');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "id": "x",\n  oops\n}\n');
    let message = '';
    try {
      validateProductFile(bad, 'bad.json');
    } catch (e) {
      expect(e).toBeInstanceOf(DataFileError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/^bad\.json(:3:\d+)?: not valid JSON: /);
    expect(message).not.toMatch(/\n\s+at /);
  });
});

describe("a user's ephemeral profiles", () => {
  const profile = { id: 'acme-os', os: 'AcmeOS', proto: ['tcp'], from: 20000, to: 20999, reference: 'ACME Backup 7 firewall guide, Table 5' };
  const withProfiles = (profiles: unknown[], extraRule?: Record<string, unknown>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-catalog-'));
    const file = join(dir, 'acme.json');
    writeFileSync(
      file,
      JSON.stringify(
        mutate((p) => {
          p['ephemeralProfiles'] = profiles;
          if (extraRule !== undefined) p.rules.push(extraRule);
        }),
      ),
    );
    return file;
  };

  it('joins the catalog, named by its product, with its OS as the inventory writes it', () => {
    const c = loadCatalog({ extraFiles: [withProfiles([profile])], names: ['acme.json'] });
    expect(c.ephemeralProfiles.find((p) => p.id === 'acme-os')).toEqual({ ...profile, os: 'acmeos', product: 'acme-backup' });
    expect(c.hash).not.toBe(loadCatalog({ extraFiles: [EXAMPLE] }).hash);
  });

  it('an `ephemeral` port spec resolves to it for that OS, and a lookup names it', () => {
    const callback = {
      id: 'callback',
      service: 'Agent callback',
      from: 'backup-server',
      to: 'backup-agent',
      proto: ['tcp'],
      protoStated: true,
      ports: { kind: 'ephemeral' },
      level: 'required',
      source: { document: 'acme-backup-7-firewall.pdf', section: 'Table 5', text: 'ephemeral | TCP | server to agent | callback' },
    };
    const c = loadCatalog({ extraFiles: [withProfiles([profile], callback)] });
    const hits = lookupPort(c, 20500, 'tcp', {}, { context: { os: 'acmeos' } });
    expect(hits.map((h) => `${h.product ?? ''}/${h.rule}`)).toEqual(expect.arrayContaining(['acme-backup/callback', 'acme-backup/acme-os']));
    expect(hits.find((h) => h.rule === 'callback')?.ports).toBe('20000-20999 (ephemeral, acme-os)');
    // Another OS: the built-in profiles, as before.
    expect(lookupPort(c, 20500, 'tcp', {}, { context: { os: 'linux' } }).some((h) => h.rule === 'callback')).toBe(false);
  });

  it('an inventory host of that OS is accepted', () => {
    const c = loadCatalog({ extraFiles: [withProfiles([profile])] });
    expect(parseInventory(JSON.stringify({ hosts: [{ address: '10.0.0.1', os: 'AcmeOS' }] }), 'hosts.json', c).hosts[0]!.os).toBe('AcmeOS');
    expect(() => parseInventory(JSON.stringify({ hosts: [{ address: '10.0.0.1', os: 'AcmeOS' }] }), 'hosts.json', loadCatalog())).toThrow(/is not an operating system portolan knows/);
  });

  it('errors name the file and the field: empty range, a built-in id, a bad release expression, an id used twice', () => {
    expect(errorOf(mutate((p) => (p['ephemeralProfiles'] = [{ ...profile, from: 30000 }])))).toBe('mycat.json: /ephemeralProfiles/0/to: range 30000-20999 is empty (from > to)');
    expect(errorOf(mutate((p) => (p['ephemeralProfiles'] = [{ ...profile, id: 'linux' }])))).toMatch(/^mycat\.json: \/ephemeralProfiles\/0\/id: "linux" is a built-in ephemeral profile/);
    expect(errorOf(mutate((p) => (p['ephemeralProfiles'] = [{ ...profile, releases: '>>> 1' }])))).toMatch(/^mycat\.json: \/ephemeralProfiles\/0\/releases: /);
    expect(errorOf(mutate((p) => (p['ephemeralProfiles'] = [{ ...profile, proto: [] }])))).toMatch(/^mycat\.json: \/ephemeralProfiles\/0\/proto/);
    const twice = withProfiles([profile, profile]);
    expect(() => loadCatalog({ extraFiles: [twice], names: ['acme.json'] })).toThrow('acme.json: /ephemeralProfiles/1/id: ephemeral profile id "acme-os" is already defined by acme.json');
  });
});
