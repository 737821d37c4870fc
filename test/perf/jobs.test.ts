/**
 * `analyze --jobs N`: inputs analysed on workers and merged give the report of one thread, byte
 * for byte; and the per-input merge equals one aggregation over every flow when no bound is hit.
 *
 * Workers here are in-process stand-ins on a MessageChannel (vitest runs the TypeScript sources,
 * which a worker thread cannot load): the same worker code (serveAnalysis), the same messages and
 * the same structured clone of every result as between threads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeInputs, contextFor, serveAnalysis } from '../../src/analysis.js';
import type { AnalysisResult, AnalysisSetup, AnalysisWorker } from '../../src/analysis.js';
import { Aggregator } from '../../src/classify/aggregate.js';
import { Classifier } from '../../src/classify/classify.js';
import type { Verdict } from '../../src/classify/classify.js';
import { ClassifyStream } from '../../src/classify/stream.js';
import { readFlows } from '../../src/pipeline.js';
import { buildReport } from '../../src/report/build.js';
import { reportInput } from '../../src/report/inputs.js';
import { renderJson } from '../../src/report/json.js';
import { mergeByTime, tcpSession, toFrames, udpExchange, writePcap } from '../../src/testing/capture-writer.js';
import type { TimedPacket } from '../../src/testing/capture-writer.js';
import { flow, testCatalog } from '../classify/support.js';

const SETUP: AnalysisSetup = { catalogFiles: [], params: {} };

/** A deterministic pseudo-random sequence (the same inputs on every run). */
function random(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const TCP_PORTS = [22, 80, 443, 5808, 3001, 3002, 1960, 873, 445, 8080];
const UDP_PORTS = [53, 123, 161, 514];

function capture(seed: number, sessions: number): Buffer {
  const r = random(seed);
  const lists: TimedPacket[][] = [];
  const start = 1_700_000_000 + seed * 1000;
  for (let i = 0; i < sessions; i++) {
    const client = `10.${seed}.${r(4)}.${1 + r(30)}:${32768 + r(20000)}`;
    const t = start + r(600) + r(1000) / 1000;
    if (r(4) === 0) {
      lists.push(udpExchange({ client, server: `10.200.0.${1 + r(6)}:${UDP_PORTS[r(UDP_PORTS.length)]!}`, start: t, request: 'q', ...(r(2) === 0 ? { response: 'a' } : {}) }));
    } else {
      const handshakes = ['full', 'full', 'rejected', 'unanswered', 'mid-stream'] as const;
      lists.push(
        tcpSession({
          client,
          server: `10.200.0.${1 + r(6)}:${TCP_PORTS[r(TCP_PORTS.length)]!}`,
          start: t,
          handshake: handshakes[r(handshakes.length)]!,
          request: 'GET / HTTP/1.0\r\n\r\n',
          response: 'HTTP/1.0 200 OK\r\n\r\n',
        }),
      );
    }
  }
  return writePcap(toFrames(mergeByTime(...lists)));
}

function firewallLog(seed: number, lines: number): string {
  const r = random(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const sec = String(i % 60).padStart(2, '0');
    const src = `10.${seed}.${r(8)}.${1 + r(50)}`;
    const dst = `10.201.0.${1 + r(10)}`;
    if (r(2) === 0) {
      const port = TCP_PORTS[r(TCP_PORTS.length)]!;
      out.push(
        `Mar  1 00:01:${sec} fw01 kernel: [1234567.${String(i).padStart(6, '0')}] IPT-DENY: IN=eth0 OUT= SRC=${src} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=49 ID=${i} DF PROTO=TCP SPT=${40000 + r(9000)} DPT=${port} WINDOW=8192 RES=0x00 SYN URGP=0 `,
      );
    } else {
      out.push(`Mar  1 00:01:${sec} asa02 %ASA-4-106023: Deny udp src outside:${src}/${50000 + r(9000)} dst inside:${dst}/${UDP_PORTS[r(UDP_PORTS.length)]!} by access-group "OUTSIDE_IN" [0x82283d15, 0x0]`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** A worker on a MessageChannel in this process (see the file comment). */
function channelWorker(setup: AnalysisSetup, progressIntervalMs: number | undefined): AnalysisWorker {
  const { port1, port2 } = new MessageChannel();
  serveAnalysis(port2, structuredClone(setup), progressIntervalMs);
  return {
    send: (m) => port1.postMessage(m),
    listen(onMessage, onError): void {
      port1.on('message', onMessage);
      port1.on('messageerror', onError);
    },
    stop(): void {
      port1.close();
    },
  };
}

function render(result: AnalysisResult): string {
  const { catalog } = contextFor(SETUP);
  return renderJson(
    buildReport({
      command: 'analyze',
      toolVersion: '0.0.0',
      inputs: result.pipeline.inputs.map(reportInput),
      catalog,
      inventory: null,
      params: {},
      aggregator: result.aggregator,
      anomalies: result.pipeline.anomalies.summary(),
    }),
  );
}

async function analyze(paths: string[], jobs: number): Promise<string> {
  return render(await analyzeInputs(paths, { jobs, setup: SETUP, context: contextFor(SETUP), startWorker: channelWorker }));
}

let dir = '';
let paths: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portolan-jobs-'));
  const files: Array<[string, Buffer | string]> = [
    ['a.pcap', capture(1, 120)],
    ['b.log', firewallLog(2, 300)],
    ['c.pcap', capture(3, 200)],
    ['d.pcap', capture(4, 60)],
    ['e.log', firewallLog(5, 150)],
  ];
  paths = files.map(([name, data]) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  });
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('analyze --jobs', () => {
  it('gives the same report for 1, 2, 3 and 5 jobs', async () => {
    const one = await analyze(paths, 1);
    const parsed = JSON.parse(one) as { totals: { flows: number; services: number }; generatedFrom: { inputs: unknown[] } };
    expect(parsed.generatedFrom.inputs).toHaveLength(paths.length);
    expect(parsed.totals.flows).toBeGreaterThan(500);
    expect(parsed.totals.services).toBeGreaterThan(50);
    for (const jobs of [2, 3, 5]) expect(await analyze(paths, jobs), `--jobs ${jobs}`).toBe(one);
  });

  it('gives the same report whatever the order the workers finish in', async () => {
    // Largest inputs last and first: workers finish out of input order either way.
    const reordered = [paths[2]!, paths[3]!, paths[0]!];
    const one = await analyze(reordered, 1);
    expect(await analyze(reordered, 3)).toBe(one);
  });

  it('keeps an unreadable input in its place, with its error', async () => {
    const withMissing = [paths[0]!, join(dir, 'missing.pcap'), paths[1]!];
    const one = await analyze(withMissing, 1);
    expect(one).toContain('missing.pcap');
    expect(await analyze(withMissing, 2)).toBe(one);
  });

  it('merges per-input results into what one aggregation over every flow gives', async () => {
    // The single-aggregator run: one classify stream and one aggregator over all inputs in order.
    const context = contextFor(SETUP);
    const aggregator = new Aggregator();
    const stream = new ClassifyStream(context.classifier, (v) => aggregator.add(v));
    const pipeline = await readFlows(paths, context.pipeline, (f) => stream.push(f));
    stream.end();
    expect(await analyze(paths, 2)).toBe(render({ pipeline, aggregator }));
  });

  it('round-trips an aggregation through plain data unchanged', async () => {
    const r = await analyzeInputs(paths.slice(0, 2), { jobs: 1, setup: SETUP, context: contextFor(SETUP) });
    const copy = Aggregator.fromData(structuredClone(r.aggregator.toData()));
    expect(render({ pipeline: r.pipeline, aggregator: copy })).toBe(render(r));
  });
});

describe('Aggregator.merge at its bounds', () => {
  /** Verdicts of `n` flows over `keys` distinct services, some blocked, spread over a day. */
  function verdicts(seed: number, n: number, keys: number): Verdict[] {
    const r = random(seed);
    const c = new Classifier(testCatalog(), {});
    const out: Verdict[] = [];
    for (let i = 0; i < n; i++) {
      const k = r(keys);
      const t = new Date(Date.UTC(2024, 4, 1) + r(86_400) * 1000).toISOString().replace('.000Z', '.000000000Z');
      out.push(
        c.classify(
          flow('tcp', `10.${seed}.0.${k % 250}:${40000 + i}`, `10.1.0.${k % 7}:${TCP_PORTS[k % TCP_PORTS.length]!}`, {
            first: t,
            last: t,
            ...(r(3) === 0 ? { outcome: 'denied' as const, firewall: { action: 'denied' as const, source: 'iptables', rule: `r${r(20)}`, count: 1 } } : {}),
          }),
        ),
      );
    }
    return out;
  }

  function aggregate(vs: Verdict[], maxServices: number): Aggregator {
    const a = new Aggregator(maxServices);
    for (const v of vs) a.add(v);
    return a;
  }

  it('folds services past the cap, counts every flow once, and is the same on every run', () => {
    const parts = [verdicts(1, 400, 60), verdicts(2, 300, 80), verdicts(3, 500, 40)];
    const merged = (): Aggregator => {
      const [first, ...rest] = parts.map((p) => Aggregator.fromData(structuredClone(aggregate(p, 50).toData())));
      for (const p of rest) first!.merge(p);
      return first!;
    };
    const a = merged();
    let flows = 0;
    for (const s of a.services.values()) flows += s.flows;
    expect(flows).toBe(1200);
    expect(a.totals.flows).toBe(1200);
    expect(a.folded).toBeGreaterThan(0);
    expect([...a.services.keys()].filter((k) => k.startsWith('(more services)')).length).toBeGreaterThan(0);
    expect(a.services.size).toBeLessThanOrEqual(50 + 6);
    expect(JSON.stringify(merged().toData())).toBe(JSON.stringify(a.toData()));
  });

  it('equals one aggregation when no bound is reached (timelines of different widths included)', () => {
    const early = verdicts(4, 300, 30);
    // A later part spanning far more time: its timeline is coarser than the first part's.
    const late = verdicts(5, 300, 30).map((v) => ({ ...v, flow: { ...v.flow, first: v.flow.first.replace('2024-05-01', '2024-09-01') } }));
    const one = aggregate([...early, ...late], 100_000);
    const a = aggregate(early, 100_000);
    a.merge(aggregate(late, 100_000));
    const [x, y] = [a.toData(), one.toData()];
    expect(x.timeline).toEqual(y.timeline);
    expect(x.totals).toEqual(y.totals);
    expect(x.ruleFlows).toEqual(y.ruleFlows);
    expect(x.services).toEqual(y.services);
    expect(JSON.stringify(x)).toBe(JSON.stringify(y));
  });
});
