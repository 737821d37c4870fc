import { describe, expect, it } from 'vitest';
import { compareReports, factorWords, worstSeverity } from '../../src/drift/compare.js';
import type { DriftItem, ServiceDrift } from '../../src/drift/types.js';
import { isRuleDrift } from '../../src/drift/types.js';
import { loaded, summary } from './support.js';

function only(items: DriftItem[]): DriftItem {
  expect(items).toHaveLength(1);
  return items[0]!;
}

function serviceItem(i: DriftItem): ServiceDrift {
  if (isRuleDrift(i)) throw new Error('a rule item');
  return i;
}

describe('new and vanished services', () => {
  it('a new service is as severe as its finding', () => {
    const cases = [
      ['exposure', 'high'],
      ['broken-requirement', 'high'],
      ['undocumented', 'medium'],
      ['deprecated-in-use', 'medium'],
      ['info', 'low'],
      ['ok', 'info'],
    ] as const;
    for (const [finding, severity] of cases) {
      const d = compareReports(loaded([]), loaded([summary('k', { finding })]));
      const i = serviceItem(only(d.items));
      expect([i.kind, i.severity, i.old, i.new?.finding]).toEqual(['new-service', severity, null, finding]);
    }
  });

  it('a vanished documented service is low, anything else info', () => {
    expect(only(compareReports(loaded([summary('k')]), loaded([])).items).severity).toBe('low');
    expect(only(compareReports(loaded([summary('k', { finding: 'undocumented' })]), loaded([])).items).severity).toBe('info');
    expect(only(compareReports(loaded([summary('k', { reachability: 'blocked', finding: 'broken-requirement' })]), loaded([])).items).severity).toBe('info');
  });
});

describe('reachability', () => {
  it('allowed → blocked of a required flow is a high, newly broken requirement', () => {
    const d = compareReports(
      loaded([summary('k')]),
      loaded([summary('k', { reachability: 'blocked', finding: 'broken-requirement', deniedBy: ['iptables "DROP"'] })]),
    );
    const i = serviceItem(only(d.items));
    expect([i.kind, i.severity]).toEqual(['newly-blocked', 'high']);
    expect(i.summary).toBe('allowed → blocked: a documented requirement is now blocked (p/r); ok → broken requirement; denied by iptables "DROP"');
  });

  it('allowed → mixed counts as newly blocked', () => {
    const i = only(compareReports(loaded([summary('k')]), loaded([summary('k', { reachability: 'mixed', finding: 'broken-requirement' })])).items);
    expect([i.kind, i.severity]).toEqual(['newly-blocked', 'high']);
    expect(i.summary).toMatch(/^allowed → mixed \(1 of 10 blocked\)/);
  });

  it('blocking undocumented traffic is news; blocking optional documented traffic is low', () => {
    const und = only(
      compareReports(loaded([summary('k', { finding: 'undocumented' })]), loaded([summary('k', { finding: 'info', status: 'undocumented', reachability: 'blocked' })])).items,
    );
    expect([und.kind, und.severity]).toEqual(['newly-blocked', 'info']);
    const opt = only(compareReports(loaded([summary('k')]), loaded([summary('k', { finding: 'info', reachability: 'blocked' })])).items);
    expect([opt.kind, opt.severity]).toEqual(['newly-blocked', 'low']);
  });

  it('blocked → allowed: high for an exposure, medium for undocumented, info for a fix', () => {
    const exp = only(
      compareReports(loaded([summary('k', { finding: 'ok', status: 'should-block', reachability: 'blocked' })]), loaded([summary('k', { finding: 'exposure' })])).items,
    );
    expect([exp.kind, exp.severity]).toEqual(['unblocked', 'high']);
    expect(exp.summary).toMatch(/traffic a document says to block now gets through/);
    const und = only(
      compareReports(loaded([summary('k', { finding: 'info', status: 'undocumented', reachability: 'blocked' })]), loaded([summary('k', { finding: 'undocumented' })])).items,
    );
    expect([und.kind, und.severity]).toEqual(['unblocked', 'medium']);
    const fix = only(compareReports(loaded([summary('k', { finding: 'broken-requirement', reachability: 'blocked' })]), loaded([summary('k')])).items);
    expect([fix.kind, fix.severity]).toEqual(['unblocked', 'info']);
    const partial = only(
      compareReports(loaded([summary('k', { finding: 'broken-requirement', reachability: 'blocked' })]), loaded([summary('k', { finding: 'broken-requirement', reachability: 'mixed' })])).items,
    );
    expect([partial.kind, partial.severity]).toEqual(['unblocked', 'info']);
  });
});

describe('finding changes', () => {
  it('worse takes the new severity, better is info, equal is low', () => {
    const worse = only(compareReports(loaded([summary('k')]), loaded([summary('k', { finding: 'exposure', status: 'should-block' })])).items);
    expect([worse.kind, worse.severity]).toEqual(['finding-changed', 'high']);
    const better = only(compareReports(loaded([summary('k', { finding: 'undocumented' })]), loaded([summary('k', { rules: ['u/x'] })])).items);
    expect([better.kind, better.severity, better.summary]).toEqual([
      'finding-changed',
      'info',
      'undocumented → ok, allowed; status undocumented → documented; now documented by u/x',
    ]);
    const same = only(compareReports(loaded([summary('k', { finding: 'undocumented' })]), loaded([summary('k', { finding: 'deprecated-in-use', status: 'not-used' })])).items);
    expect(same.severity).toBe('low');
  });

  it('a rule that no longer documents a service is said', () => {
    const i = only(compareReports(loaded([summary('k')]), loaded([summary('k', { finding: 'undocumented' })])).items);
    expect(i.summary).toBe('ok → undocumented, allowed; status documented → undocumented; no rule documents it any more (was p/r)');
    expect(i.severity).toBe('medium');
  });
});

describe('volume', () => {
  it('reports ×threshold up and ÷threshold down, in flows or bytes', () => {
    const up = compareReports(loaded([summary('k', { flows: 10 })]), loaded([summary('k', { flows: 100, bytes: 1000 })]));
    const i = serviceItem(only(up.items));
    expect([i.kind, i.severity, i.volume]).toEqual(['volume-changed', 'low', { flowsFactor: 10, bytesFactor: 1, direction: 'up' }]);
    expect(i.summary).toBe('flows ×10 (10 → 100); ok, allowed');
    const down = serviceItem(only(compareReports(loaded([summary('k', { bytes: 50_000 })]), loaded([summary('k', { bytes: 4_000 })])).items));
    expect(down.volume).toEqual({ flowsFactor: 1, bytesFactor: 0.08, direction: 'down' });
    expect(down.summary).toBe('bytes ÷12.5 (50.0 kB → 4.0 kB); ok, allowed');
  });

  it('below the threshold, or with a zero on either side, is no change', () => {
    expect(compareReports(loaded([summary('k', { flows: 10 })]), loaded([summary('k', { flows: 99, bytes: 1000 })])).items).toEqual([]);
    expect(compareReports(loaded([summary('k', { bytes: 0 })]), loaded([summary('k', { bytes: 1e9 })])).items).toEqual([]);
  });

  it('more of something bad is medium', () => {
    const i = only(compareReports(loaded([summary('k', { finding: 'undocumented' })]), loaded([summary('k', { finding: 'undocumented', flows: 500, bytes: 1000 })])).items);
    expect(i.severity).toBe('medium');
  });

  it('the threshold is an option', () => {
    const a = loaded([summary('k', { flows: 10 })]);
    const b = loaded([summary('k', { flows: 30, bytes: 1000 })]);
    expect(compareReports(a, b).items).toEqual([]);
    expect(compareReports(a, b, { volumeThreshold: 3 }).items).toHaveLength(1);
    expect(() => compareReports(a, b, { volumeThreshold: 1 })).toThrow(RangeError);
  });

  it('a service can change state and volume at once: two items', () => {
    const d = compareReports(loaded([summary('k', { flows: 1, bytes: 10 })]), loaded([summary('k', { flows: 50, bytes: 500, reachability: 'blocked', finding: 'broken-requirement' })]));
    expect(d.items.map((i) => i.kind)).toEqual(['newly-blocked', 'volume-changed']);
    expect(d.counts.services).toEqual({ old: 1, new: 1, common: 1, unchanged: 0 });
  });

  it('factors in words', () => {
    expect([factorWords(12.5), factorWords(0.08), factorWords(250), factorWords(1 / 3), factorWords(10)]).toEqual(['×12.5', '÷12.5', '×250', '÷3', '×10']);
  });
});

describe('catalog coverage and context', () => {
  it('rules seen in one run only', () => {
    const a = loaded([], { rulesSeen: new Map([['p/a', 3], ['p/b', 1]]), rulesNeverSeen: new Set(['p/c']) });
    const b = loaded([], { rulesSeen: new Map([['p/b', 2], ['p/c', 5], ['q/x', 1]]), rulesNeverSeen: new Set(['p/a']) });
    const d = compareReports(a, b);
    expect(d.items.map((i) => [i.kind, i.key, i.severity, i.summary])).toEqual([
      ['rule-no-longer-seen', 'p/a', 'low', 'documented rule used by 3 flows before, by none now'],
      ['rule-newly-seen', 'p/c', 'info', 'documented rule unused before, now used by 5 flows'],
      ['rule-newly-seen', 'q/x', 'info', 'rule new in the catalog, used by 1 flow'],
    ]);
    const gone = compareReports(a, loaded([]));
    expect(gone.items.find((i) => i.key === 'p/a')).toMatchObject({ severity: 'info', inNewCatalog: false, summary: 'documented rule used by 3 flows before; no longer in the catalog' });
  });

  it('says first when the catalog, inventory, parameters or command changed', () => {
    const a = loaded([], { params: { max_open_server: 25 }, inventory: { file: 'hosts.json', entries: 4 } });
    const b = loaded([], {
      catalogHash: 'b'.repeat(64),
      products: [
        { id: 'p', name: 'P', rules: 4, source: 'built-in' },
        { id: 'u', name: 'U', rules: 1, source: 'u.json' },
      ],
      params: {},
      inventory: null,
      command: 'audit',
    });
    const d = compareReports(a, b);
    expect(d.catalog).toEqual({ changed: true, oldHash: 'a'.repeat(64), newHash: 'b'.repeat(64), productsAdded: ['u'], productsRemoved: [], productsChanged: ['p'] });
    expect(d.inventoryChanged).toBe(true);
    expect(d.paramsChanged).toBe(true);
    expect(d.notes).toEqual([
      'The catalog changed between the runs (sha256 aaaaaaaaaaaa → bbbbbbbbbbbb; products added u; changed p): a catalog change alone can shift verdicts.',
      'The inventory changed (hosts.json (4 entries) → none): service keys name inventory roles and hosts, so a service can vanish under one name and appear under another.',
      'Parameters changed (max_open_server=25 → none): formula rules can match other ports.',
      'OLD was written by `analyze` and NEW by `audit`: the services are compared by key all the same.',
      'The two runs cover overlapping times: they may have read some of the same traffic.',
    ]);
  });

  it('says when the runs cover very different spans, and repeats limits and damage', () => {
    const a = loaded([], { first: '2026-11-01T00:00:00Z', last: '2026-11-01T01:00:00Z', limits: [{ limit: 'max-services', value: 5, message: 'services folded' }] });
    const b = loaded([], {
      first: '2026-11-08T00:00:00Z',
      last: '2026-11-15T00:00:00Z',
      inputs: [{ name: 'fw.log', format: 'iptables', kind: 'log', flows: 1, damage: 'line 7: cut' }],
    });
    expect(compareReports(a, b).notes).toEqual([
      'OLD covers 60 min of traffic and NEW 7 days: volume changes partly reflect the different spans.',
      'OLD reached the limit max-services (5): services folded',
      'NEW had damaged input: fw.log (line 7: cut).',
    ]);
  });

  it('orders items by section, then severity, then key; counts them', () => {
    const a = loaded([summary('z'), summary('y', { finding: 'undocumented' })]);
    const b = loaded([summary('c', { finding: 'ok' }), summary('b', { finding: 'exposure' }), summary('a', { finding: 'undocumented' })]);
    const d = compareReports(a, b);
    expect(d.items.map((i) => i.key)).toEqual(['b', 'a', 'c', 'z', 'y']);
    expect(d.counts.byKind['new-service']).toBe(3);
    expect(d.counts.byKind['vanished-service']).toBe(2);
    expect(d.counts.bySeverity).toEqual({ high: 1, medium: 1, low: 1, info: 2 });
    expect(worstSeverity(d.items)).toBe('high');
    expect(worstSeverity([])).toBeNull();
  });

  it('identical reports: no items, every common service unchanged', () => {
    const r = loaded([summary('a'), summary('b', { finding: 'undocumented' })]);
    const d = compareReports(r, r);
    expect(d.items).toEqual([]);
    expect(d.counts.services).toEqual({ old: 2, new: 2, common: 2, unchanged: 2 });
  });
});
