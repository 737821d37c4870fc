import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import type { LookupHit } from '../../src/catalog/lookup.js';

const ROOT = join(import.meta.dirname, '../..');

function memoryIo(cwd = ROOT): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin: new PassThrough(), env: {}, cwd, out: () => out, err: () => err };
}

async function portolan(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function lookupJson(...argv: string[]): Promise<LookupHit[]> {
  const r = await portolan('catalog', 'lookup', ...argv, '--format', 'json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as LookupHit[];
}

const names = (hits: readonly LookupHit[]): string[] => hits.map((h) => `${h.product ?? '(os)'}/${h.rule}`);

describe('portolan catalog lookup', () => {
  it('3001/tcp with max_open_server=25 names xCAT xcatdport and VOS OSL 3000..3050', async () => {
    const hits = await lookupJson('3001/tcp', '--param', 'max_open_server=25');
    const xcat = hits.find((h) => h.product === 'xcat' && h.rule === 'xcatdport-tcp');
    expect(xcat).toMatchObject({
      kind: 'rule',
      service: 'xcatdport',
      proto: ['tcp'],
      ports: '3001',
      level: 'required',
      from: 'managed-node',
      to: 'management-node',
      source: { document: '002_00aee0ee8730dae3.txt', section: 'xCAT Port Usage Table' },
      seeAlso: [{ document: '004_36936bbe5e7fbca5.txt', section: 'Ports Used by xCAT' }],
    });
    const osl = hits.find((h) => h.product === 'stratus-vos' && h.rule === 'osl');
    expect(osl).toMatchObject({
      service: 'OSL (Open StrataLink)',
      proto: ['tcp'],
      ports: '3000..3050 (max_open_server=25)',
      match: 'destination',
      level: 'required',
      from: 'vos-module',
      to: 'vos-module',
      params: { max_open_server: 25 },
      missingParams: [],
      source: { document: '003_903b1c7b4df855e5.txt', section: 'Table 1 – Server port usage summary' },
    });
    // the UDP xcatdport rule is not a TCP answer
    expect(names(hits)).not.toContain('xcat/xcatdport-udp');
  });
  it('3001/tcp without the parameter matches the OSL envelope and says the parameter was not given', async () => {
    const osl = (await lookupJson('3001/tcp')).find((h) => h.rule === 'osl');
    expect(osl).toMatchObject({
      ports: '3000-3999 (max_open_server not given: the documented envelope)',
      match: 'envelope',
      missingParams: ['max_open_server'],
      notes: ['max_open_server not given: matched the documented envelope'],
    });
  });
  it('32800/tcp names the HCU200 FTP PASV data range and the Linux ephemeral profile', async () => {
    const hits = await lookupJson('32800/tcp');
    const ftp = hits.find((h) => h.product === 'pathtrak' && h.rule === 'ftp-data');
    expect(ftp).toMatchObject({ match: 'fallback', level: 'required', dynamic: true, from: 'pathtrak-server', to: 'hcu' });
    expect(ftp?.notes[0]).toBe(
      'fallback on HCU200: Data port range 32768-61000 on HCU200s (Linux ephemeral range as defined in /proc/sys/net/ipv4/ip_local_port_range)',
    );
    const linux = hits.find((h) => h.kind === 'ephemeral-profile' && h.rule === 'linux');
    expect(linux).toMatchObject({ product: null, ports: '32768-60999', proto: ['tcp', 'udp'], conditions: { os: ['linux'], releases: '4.2+' } });
    expect(names(hits)).toContain('stratus-vos/vos-tcp-before-14.5.0at');
  });
  it('--model narrows per-model fallbacks', async () => {
    expect(names(await lookupJson('32800/tcp', '--model', 'HCU400'))).not.toContain('pathtrak/ftp-data');
    expect(names(await lookupJson('2000/tcp', '--model', 'HCU400'))).toContain('pathtrak/ftp-data');
  });
  it('1966/tcp names the Prognosis JVM probe port (base 1960 + 6)', async () => {
    const hit = (await lookupJson('1966/tcp')).find((h) => h.product === 'prognosis');
    expect(hit).toMatchObject({
      rule: 'base-6',
      service: 'IRJVMCOL (JVM probe)',
      ports: '1966 (TCPIP-PORT=1960, the default)',
      level: 'conditional',
      condition: 'HPE NonStop only',
      params: { 'TCPIP-PORT': 1960 },
      source: { document: '001_94cd5f58aa2272be.txt', section: 'Base Ports' },
    });
    const moved = await lookupJson('2006/tcp', '--param', 'TCPIP-PORT=2000');
    expect(moved.find((h) => h.product === 'prognosis')?.rule).toBe('base-6');
    expect((await lookupJson('1966/tcp', '--param', 'tcpip-port=2000')).some((h) => h.rule.startsWith('base-'))).toBe(false);
    expect(names(await lookupJson('--param', 'TCPIP-PORT=2000', '2006/tcp'))).toContain('prognosis/base-6');
  });
  it('a port with no transport answers for both; source ports are matched too', async () => {
    const hits = await lookupJson('123');
    expect(names(hits)).toEqual(['stratus-vos/ntp', 'stratus-vos/ntp-client']);
    expect(hits[1]?.notes).toContain("123 is also the rule's source port");
    const ftp = (await lookupJson('20/tcp')).find((h) => h.rule === 'ftp-data');
    expect(ftp).toMatchObject({ product: 'stratus-vos', match: 'source', sourcePorts: '20' });
  });
  it('an ONC RPC program number lists the rules for that program', async () => {
    expect(names(await lookupJson('100005/tcp'))).toEqual(['stratus-vos/mountd', 'xcat/mount-tcp']);
  });
  it('prints a table by default', async () => {
    const r = await portolan('catalog', 'lookup', '1966/tcp');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^1966\/tcp: \d+ matches$/);
    expect(r.out).toContain('base-6');
    expect(r.out).toContain('HPE NonStop');
    expect(r.out).toContain('notes:');
  });
  it('bad ports and parameters are usage errors (exit 2, no stack trace)', async () => {
    for (const argv of [
      ['3001/sctp'],
      ['http'],
      ['70000'],
      ['3001', '--param', 'max_open_server'],
      ['3001', '--param', 'max_open_server=-1'],
      ['3001', '--param', 'nonsense=1'],
    ]) {
      const r = await portolan('catalog', 'lookup', ...argv);
      expect([argv.join(' '), r.code]).toEqual([argv.join(' '), 2]);
      expect(r.err).toMatch(/^portolan: /);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    expect((await portolan('catalog', 'lookup', '70000')).err).toBe(
      'portolan: port 70000 is out of range (0-65535), and no rule names ONC RPC program 70000\n',
    );
    expect((await portolan('catalog', 'lookup', '3001', '--param', 'nonsense=1')).err).toBe(
      'portolan: --param nonsense: no catalog product has a parameter of that name (parameters: TCPIP-PORT, max_open_server)\n',
    );
  });
});

describe('portolan catalog list / show / validate and --catalog', () => {
  it('list --format json: products, roles and rule counts', async () => {
    const r = await portolan('catalog', 'list', '--format', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { hash: string; products: Array<{ id: string; rules: number; roles: unknown[] }> };
    expect(out.products.map((p) => [p.id, p.rules])).toEqual([
      ['pathtrak', 19],
      ['prognosis', 133],
      ['stratus-vos', 39],
      ['xcat', 47],
    ]);
    expect(out.hash).toMatch(/^[0-9a-f]{64}$/);
  });
  it('show prints every rule; an unknown product is a usage error', async () => {
    const r = await portolan('catalog', 'show', 'xcat');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toBe('xCAT (xcat): 47 rules from 002_00aee0ee8730dae3.txt, 004_36936bbe5e7fbca5.txt');
    expect(r.out).toContain('rpc-mount');
    const bad = await portolan('catalog', 'show', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('portolan: no product "nope" in the catalog (products: pathtrak, prognosis, stratus-vos, xcat)\n');
  });
  it('validate accepts the example product and rejects broken files with file, rule and field', async () => {
    const ok = await portolan('catalog', 'validate', 'fixtures/catalog/example-product.json');
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toBe('fixtures/catalog/example-product.json: ok: product "acme-backup" (ACME Backup 7), 2 roles, 4 rules\n');
    const bad = await portolan('catalog', 'validate', 'fixtures/catalog/broken-range.json');
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('portolan: fixtures/catalog/broken-range.json: rule "data": /rules/1/ports/from: must not be greater than to (1024)\n');
    const missing = await portolan('catalog', 'validate', 'fixtures/catalog/none.json');
    expect(missing.err).toBe('portolan: fixtures/catalog/none.json: cannot read: no such file\n');
  });
  it('--catalog adds a user product to every verb', async () => {
    const cat = ['--catalog', 'fixtures/catalog/example-product.json'];
    const list = JSON.parse((await portolan(...cat, 'catalog', 'list', '--format', 'json')).out) as { products: Array<{ id: string; file: string }> };
    expect(list.products.at(-1)).toMatchObject({ id: 'acme-backup', file: 'fixtures/catalog/example-product.json' });
    expect(names(await lookupJson(...cat, '7102/tcp'))).toContain('acme-backup/data');
    expect(names(await lookupJson(...cat, '7102/tcp', '--param', 'streams=2'))).not.toContain('acme-backup/data');
    expect((await portolan(...cat, 'catalog', 'show', 'acme-backup')).code).toBe(0);
    const broken = await portolan('--catalog', 'fixtures/catalog/broken-kind.json', 'catalog', 'lookup', '22');
    expect(broken.code).toBe(2);
    expect(broken.err).toBe(
      'portolan: fixtures/catalog/broken-kind.json: rule "control": /rules/0/ports/kind: unknown port kind "bogus" (expected one of: port, list, range, formula, ephemeral, ftp-data, rpc-dynamic)\n',
    );
  });
  it('catalog without a verb is a usage error', async () => {
    const r = await portolan('catalog');
    expect(r.code).toBe(2);
    expect(r.err).toContain('name a catalog command: list, show, lookup or validate');
  });
});

describe('catalog lookup golden files', () => {
  const cases: Array<[string, string[]]> = [
    ['lookup-3001-tcp-max-open-server-25', ['3001/tcp', '--param', 'max_open_server=25']],
    ['lookup-32800-tcp', ['32800/tcp']],
    ['lookup-1966-tcp', ['1966/tcp']],
  ];
  for (const [name, argv] of cases) {
    it(name, async () => {
      const r = await portolan('catalog', 'lookup', ...argv, '--format', 'json');
      expect(r.code).toBe(0);
      await expect(r.out).toMatchFileSnapshot(join(ROOT, `fixtures/catalog/${name}.expected.json`));
    });
  }
  it('show, as a table 120 columns wide', async () => {
    const r = await portolan('catalog', 'show', 'pathtrak');
    expect(r.code).toBe(0);
    for (const line of r.out.split('\n').slice(1)) expect(line.length).toBeLessThanOrEqual(120);
    await expect(r.out).toMatchFileSnapshot(join(ROOT, 'fixtures/catalog/show-pathtrak.expected.txt'));
  });
});
