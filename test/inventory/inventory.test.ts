import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { DataFileError } from '../../src/errors.js';
import { isGroupAddress, parseIp, parsePrefix } from '../../src/inventory/address.js';
import { isYamlInventory, loadInventory, parseInventory } from '../../src/inventory/load.js';
import { testCatalog } from '../classify/support.js';

const catalog = testCatalog();

function inv(hosts: unknown[]): ReturnType<typeof parseInventory> {
  return parseInventory(JSON.stringify({ hosts }), 'hosts.json', catalog);
}

function errorOf(fn: () => unknown): DataFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataFileError) return e;
    throw e;
  }
  throw new Error('expected a DataFileError');
}

describe('addresses and prefixes', () => {
  it('parses IPv4, IPv6 (compressed, embedded IPv4, zone ids) and IPv4-mapped IPv6', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203 });
    expect(parseIp('2001:db8::1')).toEqual({ family: 6, value: 0x20010db8000000000000000000000001n });
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ family: 4, value: 0x0a010203 });
    expect(parseIp('64:ff9b::192.0.2.33')).toEqual({ family: 6, value: 0x0064ff9b0000000000000000c0000221n });
    expect(parseIp('fe80::1%eth0')).toEqual({ family: 6, value: 0xfe800000000000000000000000000001n });
    expect(parseIp('[2001:db8::1]')?.family).toBe(6);
    for (const bad of ['10.1.2', '10.1.2.256', '01.2.3.4', '1::2::3', '2001:db8:::1', '12345::', 'host', '']) expect(parseIp(bad)).toBeUndefined();
  });

  it('clears host bits of a prefix and rejects bad lengths', () => {
    expect(parsePrefix('10.1.2.3/16')).toEqual({ family: 4, value: 0x0a010000, length: 16 });
    expect(parsePrefix('2001:db8::5/32')).toEqual({ family: 6, value: 0x20010db8000000000000000000000000n, length: 32 });
    expect(parsePrefix('10.0.0.0/33')).toEqual({ error: 'prefix length 33 is out of range for an IPv4 address' });
    expect(parsePrefix('10.0.0.0/x')).toEqual({ error: 'prefix length "x" is not a number' });
  });

  it('knows group addresses', () => {
    expect(isGroupAddress(parseIp('224.0.0.251')!)).toBe(true);
    expect(isGroupAddress(parseIp('255.255.255.255')!)).toBe(true);
    expect(isGroupAddress(parseIp('ff02::1')!)).toBe(true);
    expect(isGroupAddress(parseIp('10.0.0.255')!)).toBe(false);
  });
});

describe('inventory lookups', () => {
  const i = inv([
    { address: '10.0.0.0/8', name: 'corp' },
    { address: '10.1.0.0/16', name: 'hcus', product: 'pathtrak', role: 'hcu' },
    { address: '10.1.0.7', name: 'hcu-a', product: 'pathtrak', role: 'hcu', model: 'HCU200' },
    { address: ['2001:db8::/32', '10.2.0.1'], name: 'mn', product: 'xcat', role: 'mgmt-node' },
    { address: '2001:db8:1::/48', name: 'nodes', role: 'node' },
  ]);

  it('takes the most specific prefix', () => {
    expect(i.lookup('10.1.0.7')?.name).toBe('hcu-a');
    expect(i.lookup('10.1.9.9')?.name).toBe('hcus');
    expect(i.lookup('10.200.0.1')?.name).toBe('corp');
    expect(i.lookup('192.168.0.1')).toBeUndefined();
    expect(i.lookup('2001:db8:1::5')?.name).toBe('nodes');
    expect(i.lookup('2001:db8:2::5')?.name).toBe('mn');
    expect(i.lookup('::ffff:10.1.0.7')?.name).toBe('hcu-a');
    expect(i.lookup('10.2.0.1')?.name).toBe('mn');
  });

  it('resolves a role without a product when only one product has it', () => {
    expect(i.lookup('2001:db8:1::5')?.roles).toEqual([{ product: 'xcat', role: 'node' }]);
  });

  it('counts entries per role', () => {
    expect(i.roleCounts()).toEqual([
      { product: 'pathtrak', role: 'hcu', entries: 2 },
      { product: 'xcat', role: 'mgmt-node', entries: 1 },
      { product: 'xcat', role: 'node', entries: 1 },
    ]);
  });

  it('host names default to the first address', () => {
    expect(inv([{ address: '10.9.9.9' }]).lookup('10.9.9.9')?.name).toBe('10.9.9.9');
  });
});

describe('inventory errors name the file, the entry and the field', () => {
  it('a bad address', () => {
    const e = errorOf(() => inv([{ address: '10.0.0.1' }, { address: '10.0.0.300', name: 'x' }]));
    expect(e.message).toBe('hosts.json: hosts[1] (x): field "address" "10.0.0.300" is not an IPv4 or IPv6 address');
    expect(e.entry).toBe('hosts[1] (x)');
    expect(e.pointer).toBe('/hosts/1/address');
    expect(e.exitCode).toBe(2);
  });

  it('an unknown product or role, listing the choices', () => {
    expect(errorOf(() => inv([{ address: '10.0.0.1', product: 'pathtrek', role: 'hcu' }])).message).toBe(
      'hosts.json: hosts[0] (10.0.0.1): field "product" "pathtrek" is not a catalog product (products: pathtrak, prognosis, stratus-vos, xcat)',
    );
    expect(errorOf(() => inv([{ address: '10.0.0.1', name: 'a', product: 'pathtrak', role: 'hcu9' }])).message).toBe(
      'hosts.json: hosts[0] (a): field "role" "hcu9" is not a role of pathtrak (roles: pathtrak-server, hcu, client)',
    );
    expect(errorOf(() => inv([{ address: '10.0.0.1', role: 'client' }])).message).toBe(
      'hosts.json: hosts[0] (10.0.0.1): field "role" "client" is a role of several products (pathtrak, prognosis): add "product"',
    );
  });

  it('an operating system nothing knows, while aliases and OS names from the catalog pass', () => {
    const e = errorOf(() => inv([{ address: '10.0.0.1', name: 'a', os: 'ubunto' }]));
    expect(e.message).toMatch(/^hosts\.json: hosts\[0\] \(a\): field "os" "ubunto" is not an operating system portolan knows \(known: .*linux.*vos.*\)/);
    expect(e.pointer).toBe('/hosts/0/os');
    for (const os of ['linux', 'Linux-Statelite', 'Windows Server 2019', 'darwin', 'OpenVOS', 'AIX', 'VxWorks']) expect(() => inv([{ address: '10.0.0.1', os }])).not.toThrow();
  });

  it('schema errors: a missing address, an unknown field, a wrong type, a parameter that is not a number', () => {
    expect(errorOf(() => inv([{ name: 'x' }])).message).toBe('hosts.json: hosts[0] (x): field "address" is required');
    expect(errorOf(() => inv([{ address: '10.0.0.1', nmae: 'x' }])).message).toMatch(/^hosts.json: hosts\[0\] \(10.0.0.1\): field "nmae" is not a known field \(known fields: address, name/);
    expect(errorOf(() => inv([{ address: '10.0.0.1', os: 7 }])).message).toBe('hosts.json: hosts[0] (10.0.0.1): field "os" must be a string, not 7');
    expect(errorOf(() => inv([{ address: '10.0.0.1', params: { max_open_server: '25' } }])).message).toBe(
      'hosts.json: hosts[0] (10.0.0.1): field "params.max_open_server" must be an integer, not "25"',
    );
    expect(errorOf(() => parseInventory('{"hosts": 3}', 'hosts.json', catalog)).message).toBe('hosts.json: field "hosts" must be an array, not 3');
    expect(errorOf(() => inv([{ address: '10.0.0.1', role: 'hcu', roles: [{ role: 'hcu' }] }])).message).toContain('must not have "role" together with "roles"');
  });

  it('a prefix listed twice', () => {
    expect(errorOf(() => inv([{ address: '10.1.0.0/16', name: 'a' }, { address: '10.1.7.7/16', name: 'b' }])).message).toBe(
      'hosts.json: hosts[1] (b): field "address" 10.1.7.7/16 is already listed by hosts[0] (a)',
    );
  });

  it('JSON syntax errors give line and column', () => {
    const e = errorOf(() => parseInventory('{\n  "hosts": [\n    { "address": "10.0.0.1", }\n  ]\n}', 'hosts.json', catalog));
    expect(e.message).toMatch(/^hosts.json:3:\d+: not valid JSON \(/);
  });

  it('a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-inv-'));
    expect(errorOf(() => loadInventory(join(dir, 'nope.json'), catalog)).message).toBe(`${join(dir, 'nope.json')}: no such file`);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ hosts: [{ address: '10.0.0.1', name: 'a' }] }));
    expect(loadInventory(join(dir, 'ok.json'), catalog).hosts).toHaveLength(1);
  });
});

describe('hostile inventory text', () => {
  it('keeps control characters and escape sequences out of error messages', () => {
    const e = errorOf(() => inv([{ address: '10.0.0.1', name: 'evil\u001b[2J\u001b]0;x\u0007name', product: 'nope', role: 'x' }]));
    // eslint-disable-next-line no-control-regex -- checking that no control character is left
    expect(e.message).not.toMatch(/[\u0000-\u001f]/);
    expect(e.message).toContain('hosts[0] (evil[2J]0;xname)');
  });
});

describe('YAML inventories', () => {
  const yaml = [
    '# sites/lab.yaml',
    'hosts:',
    '  - address: 10.1.0.0/16',
    '    name: hcus',
    '    product: pathtrak',
    '    role: hcu',
    '    model: HCU200',
    '  - address: [10.3.0.1, "2001:db8:3::1"]',
    '    name: vos-a',
    '    product: stratus-vos',
    '    role: vos-module',
    '    os: vos',
    '    release: 14.70',
    '    params: { max_open_server: 25 }',
    '    ephemeral: { tcp: { from: 20000, to: 30000 } }',
    '',
  ].join('\n');

  it('reads the same hosts as the JSON form; a release like 14.70 keeps its text, params stay numbers', () => {
    const i = parseInventory(yaml, 'lab.yaml', catalog);
    expect(i.lookup('10.1.2.3')).toMatchObject({ name: 'hcus', model: 'HCU200', roles: [{ product: 'pathtrak', role: 'hcu' }] });
    expect(i.lookup('2001:db8:3::1')).toMatchObject({ name: 'vos-a', os: 'vos', release: '14.70', params: { max_open_server: 25 }, ephemeral: { tcp: { from: 20000, to: 30000 } } });
  });

  it('is chosen by extension (.yaml, .yml), or by text that does not open with {', () => {
    expect(isYamlInventory('a.yml', '{}')).toBe(true);
    expect(isYamlInventory('a.json', 'hosts: []')).toBe(false);
    expect(isYamlInventory('hosts', 'hosts:\n  - address: 10.0.0.1\n')).toBe(true);
    expect(isYamlInventory('hosts', '\uFEFF  {"hosts": []}')).toBe(false);
    expect(parseInventory('hosts:\n  - address: 10.0.0.1\n    name: a\n', 'inventory', catalog).hosts[0]!.name).toBe('a');
  });

  it('errors name the file, line and column; schema errors name the entry and the field as for JSON', () => {
    expect(errorOf(() => parseInventory('hosts:\n  - address: [10.0.0.1\n    name: a\n', 'lab.yaml', catalog)).message).toMatch(/^lab\.yaml:\d+:\d+: not valid YAML \(/);
    expect(errorOf(() => parseInventory('hosts:\n  - address: 10.0.0.1\n    address: 10.0.0.2\n', 'lab.yaml', catalog)).message).toMatch(/^lab\.yaml:3:\d+: not valid YAML \(Map keys must be unique/);
    const e = errorOf(() => parseInventory('hosts:\n  - address: 10.0.0.1\n    name: a\n    role: hcu9\n', 'lab.yaml', catalog));
    expect(e.message).toBe('lab.yaml: hosts[0] (a): field "role" "hcu9" is not a role of any catalog product');
  });

  it('is data only: language tags are refused, and aliases cannot expand without bound', () => {
    expect(errorOf(() => parseInventory('hosts:\n  - address: !!js/function "function () { return 1 }"\n', 'evil.yaml', catalog)).message).toMatch(/^evil\.yaml:2:\d+: not valid YAML \(Unresolved tag/);
    expect(errorOf(() => parseInventory('hosts:\n  - address: !!python/object:os.system [ls]\n', 'evil.yaml', catalog)).message).toMatch(/not valid YAML/);
    // "Billion laughs": each level doubles the one before.
    const bomb = ['a: &a [x, x]', ...Array.from({ length: 30 }, (_, k) => `${'b'.repeat(k + 1)}: &${'b'.repeat(k + 1)} [*${k === 0 ? 'a' : 'b'.repeat(k)}, *${k === 0 ? 'a' : 'b'.repeat(k)}]`), 'hosts: []'].join('\n');
    expect(errorOf(() => parseInventory(bomb, 'bomb.yaml', catalog)).message).toMatch(/^bomb\.yaml: not valid YAML \(.*alias/i);
    // A file of errors: each error's context excerpt was quadratic (35 s for 256 KiB of `"`).
    expect(errorOf(() => parseInventory(`hosts: []\ny: ${'"'.repeat(256 * 1024)}`, 'q.yaml', catalog)).message).toMatch(/^q\.yaml:2:\d+: not valid YAML/);
    expect(errorOf(() => parseInventory(`# ${'x'.repeat(4 * 1024 * 1024)}\nhosts: []\n`, 'big.yaml', catalog)).message).toMatch(/^big\.yaml: \d+ characters is more than a YAML inventory may be/);
    // Deep nesting is refused before the parser recurses into it; brackets inside quotes do not count.
    expect(errorOf(() => parseInventory(`hosts: ${'['.repeat(100_000)}`, 'deep.yaml', catalog)).message).toBe('deep.yaml:1:72: not valid YAML for an inventory (nested deeper than 64 levels)');
    expect(errorOf(() => parseInventory(`hosts: [{ address: "${'['.repeat(100)}" }]`, 'q.yaml', catalog)).message).toMatch(/field "address"/);
  });
});

describe('docs/inventory.md', () => {
  const doc = readFileSync(new URL('../../docs/inventory.md', import.meta.url), 'utf8');
  const block = (lang: string): string => {
    const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(doc);
    if (m === null) throw new Error(`docs/inventory.md has no ${lang} example`);
    return m[1]!;
  };
  it('its JSON example loads, and its YAML example gives the same first three hosts', () => {
    const real = loadCatalog();
    const json = parseInventory(block('json'), 'hosts.json', real);
    const yaml = parseInventory(block('yaml'), 'hosts.yaml', real);
    expect(yaml.hosts).toEqual(json.hosts.slice(0, 3));
  });
});

describe('YAML keys', () => {
  it('a key that is a list or a map is an error, not a warning on standard error', () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const e = errorOf(() => parseInventory('hosts:\n  - ? { os: vos }\n    : 1\n    address: 10.0.0.1\n', 'k.yaml', catalog));
      expect(e.message).toBe('k.yaml:2:7: not valid YAML for an inventory (a key that is a list or a map)');
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });
});
