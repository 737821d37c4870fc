/**
 * The row-by-row audit: every documented row (audit-rows.ts, written from the documents by
 * hand) must be found by a port lookup under its product, with its protocol and level, and its
 * rule must point back to the row's document. And the other way round: every rule and every
 * document-stated ephemeral profile must be named by some row, so nothing in the catalog is
 * invented.
 */
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { lookupPort, lookupRpcProgram } from '../../src/catalog/lookup.js';
import type { LookupHit } from '../../src/catalog/lookup.js';
import type { Params, TransportProto } from '../../src/catalog/types.js';
import { ALL_ROWS, DOCS, PATHTRAK, PROGNOSIS, VOS, XCAT } from './audit-rows.js';
import type { AuditRow } from './audit-rows.js';

const catalog = loadCatalog();

function query(r: AuditRow): { hits: LookupHit[]; proto: TransportProto } {
  const [target = '', ...paramTexts] = r.query.split(' ').filter((s) => s !== 'rpc');
  const params: Params = {};
  for (const p of paramTexts) {
    const [k = '', v = ''] = p.split('=');
    params[k] = Number(v);
  }
  const [num = '', proto = ''] = target.split('/');
  if (proto !== 'tcp' && proto !== 'udp') throw new Error(`bad audit query ${r.query}`);
  const hits = r.query.startsWith('rpc ') ? lookupRpcProgram(catalog, Number(num), proto, params) : lookupPort(catalog, Number(num), proto, params);
  return { hits, proto };
}

function check(r: AuditRow): void {
  const { hits, proto } = query(r);
  const hit = hits.find((h) => h.product === r.product && h.rule === r.rule);
  expect(hit, `${r.row}: lookup ${r.query} does not name ${r.product} ${r.rule} (it names ${hits.map((h) => `${h.product ?? ''}/${h.rule}`).join(', ')})`).toBeDefined();
  if (hit === undefined) return;
  expect(hit.proto, `${r.row}: protocol`).toContain(proto);
  expect(hit.level, `${r.row}: level`).toBe(r.level);
  const places = [hit.source, ...(hit.seeAlso ?? [])];
  for (const d of r.docs) {
    expect(places.map((p) => p.document), `${r.row}: document ${d}`).toContain(DOCS[d]);
  }
  if (r.section !== undefined) expect(places.map((p) => p.section), `${r.row}: section`).toContain(r.section);
}

describe('row-by-row audit', () => {
  it.each([
    ['000 PathTrak', PATHTRAK],
    ['001 Prognosis', PROGNOSIS],
    ['002 + 004 xCAT', XCAT],
    ['003 Stratus VOS STCP', VOS],
  ] as const)('%s: every row is found under its product with its protocol and level', (_name, rows) => {
    for (const r of rows) check(r);
  });

  it('every rule and every document-stated ephemeral profile is named by a row', () => {
    const named = new Set(ALL_ROWS.map((r) => `${r.product}/${r.rule}`));
    const missing: string[] = [];
    for (const p of catalog.products) for (const rule of p.rules) if (!named.has(`${p.id}/${rule.id}`)) missing.push(`${p.id}/${rule.id}`);
    for (const e of catalog.ephemeralProfiles) if (e.product !== undefined && !named.has(`${e.product}/${e.id}`)) missing.push(`${e.product}/${e.id}`);
    expect(missing).toEqual([]);
  });

  it('every built-in product has audit rows (a guard for new products)', () => {
    const audited = new Set(ALL_ROWS.map((r) => r.product));
    expect(catalog.products.map((p) => p.id).filter((id) => !audited.has(id))).toEqual([]);
  });
});
