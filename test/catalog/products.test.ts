/**
 * The product files against their documents: every source text is the document's own row
 * (compared with whitespace and cell separators normalized), a sample of rows carries exactly
 * the documented ports, transport and level, and each document's row count is accounted for.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import type { Product, Rule, Source } from '../../src/catalog/types.js';
import { DOCS } from './audit-rows.js';

/** The seed documents, read in place (never copied into the repository). */
const SEEDS = process.env['PORTOLAN_SEEDS'] ?? join(import.meta.dirname, '../../../shared/seeds');
const HAVE_SEEDS = existsSync(join(SEEDS, DOCS['001']));
const catalog = loadCatalog();

function product(id: string): Product {
  const p = catalog.products.find((x) => x.id === id);
  if (p === undefined) throw new Error(`no product ${id}`);
  return p;
}
function rule(productId: string, ruleId: string): Rule {
  const r = product(productId).rules.find((x) => x.id === ruleId);
  if (r === undefined) throw new Error(`no rule ${productId}/${ruleId}`);
  return r;
}
/** Cells joined by " | ", line breaks inside a cell by " / ", bullets and whitespace collapsed. */
function normalize(s: string): string {
  return s
    .replace(/^[ \t]*- /gm, '')
    .replace(/ \/ /g, ' ')
    .replace(/\|/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const docs = new Map<string, string>();
function docText(name: string): string {
  let t = docs.get(name);
  if (t === undefined) {
    t = normalize(readFileSync(join(SEEDS, name), 'utf8'));
    docs.set(name, t);
  }
  return t;
}

describe.skipIf(!HAVE_SEEDS)(`sources are the documents' own rows (seeds: ${SEEDS})`, () => {
  const sources: Array<[string, Source]> = [];
  for (const p of catalog.products) {
    for (const r of p.rules) {
      sources.push([`${p.id}/${r.id}`, r.source]);
      for (const s of r.seeAlso ?? []) sources.push([`${p.id}/${r.id} (see also)`, s]);
    }
    for (const rec of p.recommendations ?? []) sources.push([`${p.id} recommendation`, rec.source]);
  }
  for (const e of catalog.ephemeralProfiles) if (e.source !== undefined) sources.push([`ephemeral ${e.id}`, e.source]);

  it('names only the seed documents', () => {
    const known = new Set<string>(Object.values(DOCS));
    expect(sources.filter(([, s]) => !known.has(s.document)).map(([w]) => w)).toEqual([]);
  });
  it('every source text appears in its document', () => {
    const missing = sources.filter(([, s]) => !docText(s.document).includes(normalize(s.text))).map(([w, s]) => `${w}: ${s.text.slice(0, 80)}`);
    expect(missing).toEqual([]);
  });
  it('every fallback note quotes its document', () => {
    for (const p of catalog.products) {
      for (const r of p.rules) {
        if (r.ports.kind !== 'ftp-data' && r.ports.kind !== 'rpc-dynamic') continue;
        for (const f of r.ports.fallback) expect(docText(r.source.document), `${p.id}/${r.id}`).toContain(normalize(f.note));
      }
    }
  });
  it('every xCAT rule points to both documents', () => {
    for (const r of product('xcat').rules) {
      expect(r.source.document).toBe(DOCS['002']);
      expect(r.seeAlso?.map((s) => s.document)).toEqual([DOCS['004']]);
    }
  });
  it('accounts for every row: distinct source rows per document', () => {
    const rowsOf = (doc: string): Set<string> => {
      const set = new Set<string>();
      for (const [, s] of sources) if (s.document === doc) set.add(`${s.section}\u0000${s.text}`);
      return set;
    };
    // 000: 4 HCU-inbound rows, 10 server-inbound rows, 7 server-outbound rows.
    expect(rowsOf(DOCS['000']).size).toBe(21);
    // 001: every " | " data row of the document, header rows aside.
    const prognosisRows = readFileSync(join(SEEDS, DOCS['001']), 'utf8')
      .split('\n')
      .filter((l) => l.includes(' | ') && !/^(Port|Vendor) \|/.test(l));
    expect(prognosisRows).toHaveLength(115);
    const prognosisTexts = new Set([...rowsOf(DOCS['001'])].map((k) => k.split('\u0000')[1]));
    expect(prognosisRows.filter((l) => !prognosisTexts.has(l))).toEqual([]);
    // 002 and 004: 44 table rows each.
    expect(rowsOf(DOCS['002']).size).toBe(44);
    expect(rowsOf(DOCS['004']).size).toBe(44);
    // 003: 28 Table 1 rows, 12 Table 3 rows, and Table 2 entries cited by the NIO rules, mountd and 4 recommendations.
    const vos = [...rowsOf(DOCS['003'])].map((k) => k.split('\u0000')[0] ?? '');
    expect(vos.filter((s) => s.startsWith('Table 1')).length).toBe(28);
    expect(vos.filter((s) => s.startsWith('Table 3')).length).toBe(12);
    expect(vos.filter((s) => s.startsWith('Table 2')).length).toBe(7);
  });
});

describe('a sample of rows, exactly', () => {
  it('000 PathTrak', () => {
    expect(rule('pathtrak', 'ftp')).toMatchObject({ from: 'pathtrak-server', to: 'hcu', proto: ['tcp'], ports: { kind: 'port', port: 21 }, level: 'required' });
    expect(rule('pathtrak', 'ftp-data').ports).toEqual({
      kind: 'ftp-data',
      control: 'ftp',
      fallback: [
        { from: 32768, to: 61000, when: { models: ['HCU200'] }, note: 'Data port range 32768-61000 on HCU200s (Linux ephemeral range as defined in /proc/sys/net/ipv4/ip_local_port_range)' },
        { from: 1024, to: 5000, when: { models: ['HCU400', 'HCU1500'] }, note: 'Data port range 1024-5000 on HCU 400/1500s (VxWorks ephemeral range as defined in in.h)' },
      ],
    });
    expect(rule('pathtrak', 'hcu-services')).toMatchObject({ proto: ['tcp', 'udp'], protoStated: false, level: 'required' });
    expect(rule('pathtrak', 'rpc-links')).toMatchObject({
      from: 'hcu',
      to: 'pathtrak-server',
      proto: ['tcp', 'udp'],
      protoStated: false,
      ports: { kind: 'rpc-dynamic', fallback: [{ from: 49152, to: 65535 }] },
    });
    expect(rule('pathtrak', 'boot-event-listener')).toMatchObject({ ports: { kind: 'port', port: 5808 }, protoStated: false });
    expect(rule('pathtrak', 'oss-snmp')).toMatchObject({ proto: ['udp'], ports: { kind: 'port', port: 161 }, level: 'conditional', condition: 'if utilizing OSS access' });
    expect(rule('pathtrak', 'proxy-ajp')).toMatchObject({ from: 'proxy', ports: { kind: 'port', port: 8009 }, level: 'optional', configurable: true });
  });
  it('001 Prognosis', () => {
    expect(rule('prognosis', 'base-1')).toMatchObject({ proto: ['tcp'], local: true, level: 'required' });
    expect(rule('prognosis', 'base-3')).toMatchObject({ proto: ['tcp', 'udp'], protoStated: false, level: 'not-used' });
    expect(rule('prognosis', 'base-5').level).toBe('not-used');
    expect(product('prognosis').params).toMatchObject({ 'TCPIP-PORT': { default: 1960 } });
    expect(rule('prognosis', 'common-514-syslog-in')).toMatchObject({ from: '*', to: 'prognosis-server', proto: ['udp'], ports: { kind: 'port', port: 514 } });
    expect(rule('prognosis', 'common-514-syslog-out')).toMatchObject({ from: 'prognosis-server', to: '*' });
    expect(rule('prognosis', 'avaya-cm-50000-cdr').ports).toEqual({ kind: 'range', from: 50000, to: 50002 });
    expect(rule('prognosis', 'avaya-aacc-135-dcerpc-dynamic').ports).toEqual({ kind: 'range', from: 1024, to: 65535 });
    expect(rule('prognosis', 'skype-135-wmi-dynamic')).toMatchObject({ ports: { kind: 'ephemeral' }, conditions: { os: ['windows'] } });
    expect(rule('prognosis', 'cisco-cube-radius')).toMatchObject({ proto: ['udp'], ports: { kind: 'list', ports: [1812, 1645, 1813, 1646] } });
    expect(rule('prognosis', 'mi-verint-7001-auth')).toMatchObject({ proto: ['tcp'], ports: { kind: 'port', port: 7001 } });
    expect(rule('prognosis', 'mi-15672-rabbitmq-mgmt')).toMatchObject({ local: true });
    expect(rule('prognosis', 'skype-5671-rabbitmq').level).toBe('conditional');
  });
  it('002 / 004 xCAT', () => {
    expect(rule('xcat', 'xcatdport-tcp')).toMatchObject({ from: 'managed-node', to: 'management-node', proto: ['tcp'], ports: { kind: 'port', port: 3001 }, level: 'required' });
    expect(rule('xcat', 'shell')).toMatchObject({ ports: { kind: 'port', port: 514 }, sourcePorts: { kind: 'range', from: 1, to: 1023 }, level: 'optional' });
    expect(rule('xcat', 'rsyslogd-tcp').sourcePorts).toBeUndefined();
    expect(rule('xcat', 'kerberos-udp')).toMatchObject({ proto: ['udp'], level: 'not-used' });
    expect(rule('xcat', 'nfsd-udp')).toMatchObject({ level: 'conditional', condition: 'required on linux statelite and AIX', conditions: { os: ['linux-statelite', 'aix'] } });
    expect(rule('xcat', 'bootps').conditions).toEqual({ os: ['aix', 'p-linux'] });
    expect(rule('xcat', 'rmc-udp')).toMatchObject({ condition: 'required for RMC monitoring', sourcePorts: { kind: 'range', from: 1, to: 1023 } });
    expect(rule('xcat', 'rpc-mount')).toMatchObject({ proto: ['udp'], ports: { kind: 'rpc-dynamic', program: 100005, fallback: [] } });
    expect(rule('xcat', 'xcatlport')).toMatchObject({ ports: { kind: 'port', port: 3003 }, configurable: true, level: 'optional' });
  });
  it('003 Stratus VOS STCP', () => {
    expect(rule('stratus-vos', 'osl')).toMatchObject({
      from: 'vos-module',
      to: 'vos-module',
      proto: ['tcp'],
      ports: { kind: 'formula', envelope: { from: 3000, to: 3999 } },
      level: 'required',
    });
    expect(rule('stratus-vos', 'osn')).toMatchObject({ from: 'vos-bridge-module', to: 'vos-bridge-module', ports: { envelope: { from: 4000, to: 4999 } } });
    expect(rule('stratus-vos', 'telnet-rsn')).toMatchObject({ ports: { kind: 'port', port: 85 }, level: 'should-block', conditions: { releases: '15.0+' } });
    expect(rule('stratus-vos', 'sync-cfgd')).toMatchObject({ proto: ['udp'], ports: { kind: 'port', port: 29000 }, level: 'should-block', conditions: { releases: '15.0+3' } });
    expect(rule('stratus-vos', 'tftp-nio')).toMatchObject({ proto: ['udp'], level: 'should-block', conditions: { features: ['NIO'] } });
    expect(rule('stratus-vos', 'time-tcp-nio')).toMatchObject({ proto: ['tcp'], level: 'should-block' });
    expect(rule('stratus-vos', 'ssh')).toMatchObject({ level: 'conditional', conditions: { releases: '14.7 and 15.1+ / Not in 15.0', features: ['S270 (OpenSSL and OpenSSH for VOS)'] } });
    expect(rule('stratus-vos', 'portmapper').conditions?.releases).toBe('All until 15.0 / back in 15.1.1+');
    expect(rule('stratus-vos', 'echo')).toMatchObject({ proto: ['tcp', 'udp'], level: 'optional' });
    expect(rule('stratus-vos', 'ftp-data')).toMatchObject({ from: 'vos-module', sourcePorts: { kind: 'port', port: 20 }, ports: { kind: 'ftp-data', control: 'ftp' } });
    expect(rule('stratus-vos', 'ntp-client')).toMatchObject({ ports: { kind: 'port', port: 123 }, sourcePorts: { kind: 'port', port: 123 } });
    expect(rule('stratus-vos', 'dns-client')).toMatchObject({ sourcePorts: { kind: 'ephemeral' }, level: 'required' });
    const recs = product('stratus-vos').recommendations ?? [];
    expect(recs[0]?.ports).toEqual([7, 9, 13, 19]);
  });
});

describe('docs/catalog.md', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/catalog.md'), 'utf8');
  it('lists every interpretation of a garbled row', () => {
    const missing: string[] = [];
    for (const p of catalog.products) {
      for (const r of p.rules) {
        if (r.interpretation === undefined) continue;
        const base = r.id.replace(/-(in|out|dynamic)$/, '');
        if (!doc.includes(`${p.id}/${r.id}`) && !doc.includes(`${p.id}/${base}`)) missing.push(`${p.id}/${r.id}`);
      }
    }
    expect(missing).toEqual([]);
  });
  it('shows the example product file as it is in fixtures', () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/catalog/example-product.json'), 'utf8')) as { id: string };
    expect(doc).toContain(`"id": "${example.id}"`);
  });
});
