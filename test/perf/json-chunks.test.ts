import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/classify/aggregate.js';
import { Classifier } from '../../src/classify/classify.js';
import { buildReport } from '../../src/report/build.js';
import { renderJson, renderJsonChunks } from '../../src/report/json.js';
import type { Report } from '../../src/report/types.js';
import { flow, testCatalog } from '../classify/support.js';

function report(): Report {
  const catalog = testCatalog();
  const c = new Classifier(catalog, {});
  const agg = new Aggregator();
  const ev = { file: 'a "quoted" →.pcap', offset: 24 };
  for (let i = 0; i < 40; i++) {
    agg.add(c.classify(flow('tcp', `10.0.${i % 7}.5:${40000 + i}`, `10.1.0.${i % 3}:${[22, 5808, 3001, 8080][i % 4]!}`, { evidence: ev })));
    agg.add(
      c.classify(
        flow('udp', `10.2.0.${i}:${50000 + i}`, '10.1.0.9:123', {
          evidence: { file: 'fw.log', line: i + 1 },
          outcome: 'denied',
          firewall: { action: 'denied', rule: `rule-${i % 3}`, source: 'iptables', count: 1 },
        }),
      ),
    );
  }
  return buildReport({ command: 'analyze', toolVersion: '0.0.0', inputs: [], catalog, inventory: null, params: {}, aggregator: agg, anomalies: [] });
}

describe('renderJsonChunks', () => {
  it('joins to the text of renderJson for a real report', () => {
    const r = report();
    expect(r.services.length).toBeGreaterThan(10);
    const chunks = [...renderJsonChunks(r)];
    expect(chunks.length).toBeGreaterThan(r.services.length);
    expect(chunks.join('')).toBe(renderJson(r));
  });

  it('joins to JSON.stringify(value, null, 2) for awkward values', () => {
    const values: unknown[] = [
      {},
      { a: [] },
      { a: {}, b: [[]], c: [{}] },
      { u: undefined, f: () => 1, s: Symbol('x'), n: null, k: 1 },
      { list: [1, undefined, () => 2, 'x', null, { deep: { deeper: [1, { d: 'é\n"' }] } }] },
      { date: new Date(0), nested: { date: new Date(1000), arr: [new Date(2000)] } },
      { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, neg: -0 },
      { 'key "with" quotes\n': { '': [] } },
      { only: undefined },
    ];
    for (const v of values) expect([...renderJsonChunks(v as Report)].join(''), JSON.stringify(v)).toBe(`${JSON.stringify(v, null, 2)}\n`);
  });
});
