import { describe, expect, it } from 'vitest';
import { Aggregator, TimelineAccumulator } from '../../src/classify/aggregate.js';
import { Classifier } from '../../src/classify/classify.js';
import { buildReport } from '../../src/report/build.js';
import { flow, testCatalog, testInventory } from './support.js';

const catalog = testCatalog();
const inventory = testInventory(catalog);
const c = new Classifier(catalog, { inventory });

function report(agg: Aggregator): ReturnType<typeof buildReport> {
  return buildReport({ command: 'analyze', toolVersion: 't', inputs: [], catalog, inventory, params: {}, aggregator: agg, anomalies: [] });
}

describe('aggregation by service key', () => {
  it('sums flows, packets and bytes, keeps first/last, outcomes, deny rules and a few examples', () => {
    const agg = new Aggregator();
    for (let i = 0; i < 5; i++) {
      const blocked = i % 2 === 1;
      agg.add(
        c.classify(
          flow('tcp', `10.1.0.${7 + (i % 2)}:${40000 + i}`, '10.0.0.5:5808', {
            first: `2024-05-01T12:0${i}:00.000000000Z`,
            last: `2024-05-01T12:0${i}:01.000000000Z`,
            outcome: blocked ? 'denied' : 'established',
            ...(blocked ? { firewall: { action: 'denied' as const, rule: 'DROP-5808', source: 'iptables', count: 1 } } : {}),
          }),
        ),
      );
    }
    const r = report(agg);
    expect(r.services).toHaveLength(1);
    const s = r.services[0]!;
    expect(s.key).toBe('hcu → pathtrak-server tcp/5808');
    expect(s.flows).toBe(5);
    expect(s.allowed).toBe(3);
    expect(s.blocked).toBe(2);
    expect(s.reachability).toBe('mixed');
    expect(s.finding).toBe('broken-requirement');
    expect(s.flowsByFinding).toEqual({ 'broken-requirement': 2, ok: 3 });
    expect(s.outcomes).toEqual({ established: 3, denied: 2 });
    expect(s.packets).toBe(25);
    expect(s.bytesToServer).toBe(1000);
    expect(s.first).toBe('2024-05-01T12:00:00.000000000Z');
    expect(s.last).toBe('2024-05-01T12:04:01.000000000Z');
    expect(s.client.addresses).toEqual(['10.1.0.7', '10.1.0.8']);
    expect(s.deniedBy).toEqual([{ source: 'iptables', rule: 'DROP-5808', flows: 2 }]);
    // Examples are the first flows with the service's (worst) finding.
    expect(s.examples.map((e) => e.finding)).toEqual(['broken-requirement', 'broken-requirement']);
    expect(r.coverage.find((p) => p.product === 'pathtrak')!.roles.find((x) => x.from === 'hcu' && x.to === 'pathtrak-server')!.seen).toEqual([
      { rule: 'boot-event', flows: 5 },
    ]);
  });

  it('keeps memory bounded by folding services past the cap into one row per finding', () => {
    const agg = new Aggregator(10);
    for (let port = 9000; port < 9100; port++) agg.add(c.classify(flow('tcp', '10.0.0.5:40000', `10.1.0.7:${port}`)));
    const r = report(agg);
    expect(r.services).toHaveLength(11);
    expect(r.services.find((s) => s.key === '(more services) undocumented')!.flows).toBe(90);
    expect(r.limits[0]!.limit).toBe('max-services');
    expect(r.totals.flows).toBe(100);
  });
});

describe('timeline', () => {
  it('widens its bins so that any time span fits in at most 256 bins', () => {
    const t = new TimelineAccumulator();
    const start = Date.UTC(2024, 4, 1);
    for (let i = 0; i < 100_000; i++) t.add(start + i * 7_000, i % 3 === 0 ? 'undocumented' : 'ok');
    const bins = t.entries();
    expect(bins.length).toBeLessThanOrEqual(256);
    let total = 0;
    for (const b of bins) for (const n of b.counts.values()) total += n;
    expect(total).toBe(100_000);
    expect(bins[0]!.startMillis).toBeLessThanOrEqual(start);
  });
});
