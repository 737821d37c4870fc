import { describe, expect, it } from 'vitest';
import type { Catalog, Product, Rule } from '../../src/catalog/types.js';
import { RuleIndex } from '../../src/classify/rule-index.js';
import { PROGNOSIS, VOS, testCatalog } from './support.js';

/** A deterministic pseudo-random generator (mulberry32) so the test is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bigCatalog(n: number): Catalog {
  const rand = rng(42);
  const rules: Rule[] = [];
  for (let i = 0; i < n; i++) {
    const kind = rand();
    const base = { id: `r${i}`, service: `s${i}`, from: '*', to: '*', proto: [rand() < 0.5 ? 'tcp' : 'udp'] as Rule['proto'], protoStated: true, level: 'required' as const, source: { document: 'd', section: 's', text: 't' } };
    if (kind < 0.5) rules.push({ ...base, ports: { kind: 'port', port: 1 + Math.floor(rand() * 65535) } });
    else if (kind < 0.7) rules.push({ ...base, ports: { kind: 'list', ports: [1 + Math.floor(rand() * 65535), 1 + Math.floor(rand() * 65535)] } });
    else {
      const from = 1 + Math.floor(rand() * 65000);
      rules.push({ ...base, ports: { kind: 'range', from, to: Math.min(65535, from + Math.floor(rand() * (rand() < 0.9 ? 50 : 5000))) } });
    }
  }
  const p: Product = { id: 'big', name: 'Big', documents: [], roles: [], rules };
  return { products: [p], ephemeralProfiles: [], hash: 'x', files: {} };
}

function bruteForce(catalog: Catalog, proto: 'tcp' | 'udp', port: number): string[] {
  const out: string[] = [];
  for (const p of catalog.products) {
    for (const r of p.rules) {
      if (!r.proto.includes(proto)) continue;
      const s = r.ports;
      const hit = s.kind === 'port' ? s.port === port : s.kind === 'list' ? s.ports.includes(port) : s.kind === 'range' ? port >= s.from && port <= s.to : false;
      if (hit) out.push(`${p.id}/${r.id}`);
    }
  }
  return out.sort();
}

describe('rule index', () => {
  it('finds exactly the rules a brute-force scan finds, over a large catalog', () => {
    const catalog = bigCatalog(3000);
    const index = new RuleIndex(catalog, [], { tcp: { from: 49152, to: 65535 }, udp: { from: 49152, to: 65535 } });
    const rand = rng(7);
    for (let i = 0; i < 3000; i++) {
      const port = i < 100 ? i : 1 + Math.floor(rand() * 65535);
      for (const proto of ['tcp', 'udp'] as const) {
        expect(index.lookup(proto, port).map((r) => r.id).sort()).toEqual(bruteForce(catalog, proto, port));
      }
    }
    // Segments are disjoint and merged: no more than two per range.
    expect(index.segmentCount('tcp') + index.segmentCount('udp')).toBeLessThanOrEqual(2 * 3000);
  });

  it('indexes a formula over every parameter value in use (defaults, --param, inventory hosts)', () => {
    const catalog = testCatalog([VOS, PROGNOSIS]);
    const index = new RuleIndex(catalog, [{ 'TCPIP-PORT': 2200 }], { tcp: { from: 49152, to: 65535 }, udp: { from: 49152, to: 65535 } });
    expect(index.lookup('tcp', 1960).map((r) => r.id)).toEqual(['prognosis/base-router']);
    expect(index.lookup('tcp', 2200).map((r) => r.id)).toEqual(['prognosis/base-router']);
    expect(index.lookup('tcp', 2000).map((r) => r.id)).toEqual(['prognosis/base-router']);
    // OSL has no default: its envelope 3000-3999 is indexed.
    expect(index.lookup('tcp', 3999).map((r) => r.id)).toEqual(['stratus-vos/osl']);
    expect(index.lookup('tcp', 4000)).toEqual([]);
  });
});
