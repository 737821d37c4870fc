/**
 * The JSON report written from a plan (rows made one at a time, each written by a writer that
 * knows its fields) is the text of JSON.stringify(buildReport(...), null, 2), byte for byte; the
 * services are ordered as the row comparators order them; and the compact service accumulators
 * survive plain data (a worker's result) and merges unchanged.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/classify/aggregate.js';
import { Classifier } from '../../src/classify/classify.js';
import type { Flow } from '../../src/model.js';
import { buildReport, compareBySeverity, compareForAudit, orderServices, planReport, serviceRow } from '../../src/report/build.js';
import type { BuildReportOptions } from '../../src/report/build.js';
import { findingJson, renderJson, renderPlanJsonChunks, serviceJson } from '../../src/report/json.js';
import type { ReportCommand, ServiceRow } from '../../src/report/types.js';
import { flow, testCatalog, testInventory } from '../classify/support.js';

/** A deterministic pseudo-random sequence. */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const TCP_PORTS = [22, 80, 5808, 3001, 3017, 1960, 873, 8080, 162, 50000];
const OUTCOMES = ['established', 'rejected', 'unanswered', 'denied', 'icmp-prohibited'] as const;

/** Flows that exercise every part of a row: many addresses and ports, denials, odd texts, IPv6, logs and captures. */
function flows(seed: number, n: number): Flow[] {
  const r = random(seed);
  const out: Flow[] = [];
  for (let i = 0; i < n; i++) {
    const v6 = r(9) === 0;
    const client = v6 ? `[2001:db8::${(r(40) + 1).toString(16)}]:${40000 + r(2000)}` : `10.${r(4)}.${r(3)}.${1 + r(40)}:${32768 + r(20000)}`;
    const server = v6 ? `[2001:db8::ff${r(3)}]:${TCP_PORTS[r(TCP_PORTS.length)]!}` : `10.${1 + r(3)}.0.${1 + r(8)}:${r(5) === 0 ? 20000 + r(40) : TCP_PORTS[r(TCP_PORTS.length)]!}`;
    const outcome = OUTCOMES[r(OUTCOMES.length)]!;
    const extra: Partial<Flow> = {
      outcome,
      first: `2024-05-01T12:${String(r(60)).padStart(2, '0')}:0${r(10)}.${String(r(1e9)).padStart(9, '0')}Z`,
      last: `2024-05-01T13:00:0${r(10)}.000000000Z`,
      packets: { client: r(100), server: r(100) },
      bytes: { client: r(1e6), server: r(3e9) },
      evidence: r(2) === 0 ? { file: 'a "quoted" → fw.log', line: 1 + r(1e5) } : r(2) === 0 ? { file: 'cap\u0001.pcap', offset: 24 + r(1e6) } : { file: 'plain.pcap' },
    };
    if (outcome === 'denied') extra.firewall = { action: 'denied', source: r(2) === 0 ? 'iptables' : 'cisco-asa', count: 1 + r(3), ...(r(4) === 0 ? {} : { rule: `rule "${r(20)}"\n` }) };
    out.push(flow(r(7) === 0 ? 'udp' : 'tcp', client, server, extra));
  }
  return out;
}

function options(agg: Aggregator, command: ReportCommand, withInventory: boolean): BuildReportOptions {
  const catalog = testCatalog();
  return { command, toolVersion: '0.0.0', inputs: [], catalog, inventory: withInventory ? testInventory(catalog) : null, params: {}, aggregator: agg, anomalies: [] };
}

function aggregate(list: readonly Flow[], withInventory: boolean, maxServices?: number): Aggregator {
  const catalog = testCatalog();
  const c = new Classifier(catalog, withInventory ? { inventory: testInventory(catalog) } : {});
  const agg = new Aggregator(maxServices);
  for (const f of list) agg.add(c.classify(f));
  return agg;
}

function planText(o: BuildReportOptions): string {
  return [...renderPlanJsonChunks(planReport(o))].join('');
}

describe('renderPlanJsonChunks', () => {
  for (const command of ['analyze', 'audit'] as const) {
    for (const withInventory of [false, true]) {
      it(`writes the text of renderJson(buildReport) (${command}, ${withInventory ? 'inventory' : 'no inventory'})`, () => {
        const agg = aggregate(flows(withInventory ? 7 : 3, 3000), withInventory);
        const o = options(agg, command, withInventory);
        const report = buildReport(o);
        // The rows exercise what the writer writes: long lists, denials, several examples, IPv6;
        // without an inventory, nearly one service per flow.
        if (withInventory) {
          expect(report.services.some((s) => s.client.addressCount > 16)).toBe(true);
          expect(report.services.some((s) => s.deniedBy.length > 1)).toBe(true);
          expect(report.services.some((s) => s.examples.length === 3)).toBe(true);
        } else {
          expect(report.services.length).toBeGreaterThan(1000);
        }
        expect(report.services.some((s) => s.server.addresses.some((a) => a.includes(':')))).toBe(true);
        expect(planText(o)).toBe(renderJson(report));
      });
    }
  }

  it('writes the text with folded services and an empty report', () => {
    const agg = aggregate(flows(11, 800), false, 20);
    expect(agg.folded).toBeGreaterThan(0);
    const o = options(agg, 'analyze', false);
    expect(planText(o)).toBe(renderJson(buildReport(o)));
    const empty = options(new Aggregator(), 'audit', false);
    expect(planText(empty)).toBe(renderJson(buildReport(empty)));
  });

  it('writes one row or finding as JSON.stringify prints it inside the report', () => {
    const agg = aggregate(flows(5, 600), false);
    const report = buildReport(options(agg, 'analyze', false));
    const odd: ServiceRow = {
      ...report.services[0]!,
      key: 'a\u2028b "c" \\ \u0000',
      reason: 'line\nbreak\ttab \ud800 lone surrogate',
      rules: [],
      wrongDirection: 'x/y',
      confidence: null,
      keyRule: 'p/r',
      port: null,
      flowsByFinding: {},
      outcomes: { established: 1e21, denied: 0.5 },
      serverPorts: { count: 0, ports: [] },
      examples: [{ flow: '1.1', client: 'c', server: 's', first: 'f', outcome: 'denied', finding: 'ok', evidence: { file: 'f', offset: 1, line: 2 }, reason: '"' }],
    };
    for (const row of [...report.services, odd]) {
      expect(serviceJson(row, '    ')).toBe(JSON.stringify([[row]], null, 2).slice(10, -6));
    }
    for (const f of report.findings) expect(findingJson(f, '    ')).toBe(JSON.stringify([[f]], null, 2).slice(10, -6));
  });
});

describe('orderServices', () => {
  it('orders services as the row comparators do', () => {
    const agg = aggregate(flows(9, 4000), false);
    const rows = [...agg.services.values()].map(serviceRow);
    for (const [ordering, cmp] of [
      ['severity', compareBySeverity],
      ['firewall-review', compareForAudit],
    ] as const) {
      const expected = [...rows].sort(cmp).map((s) => s.key);
      expect(orderServices(agg.services.values(), ordering).map((s) => s.key)).toEqual(expected);
    }
  });
});

describe('compact service accumulators', () => {
  it('give the same report after plain data (a worker result) and after merging parts', () => {
    const list = flows(13, 3000);
    const whole = aggregate(list, true);
    const o = options(whole, 'audit', true);
    const text = renderJson(buildReport(o));
    expect(renderJson(buildReport({ ...o, aggregator: Aggregator.fromData(structuredClone(whole.toData())) }))).toBe(text);
    // Parts merged in order: equal to one aggregation over every flow (no bound is reached).
    const merged = aggregate(list.slice(0, 1000), true);
    merged.merge(Aggregator.fromData(structuredClone(aggregate(list.slice(1000, 2200), true).toData())));
    merged.merge(aggregate(list.slice(2200), true));
    expect(renderJson(buildReport({ ...o, aggregator: merged }))).toBe(text);
  });
});
