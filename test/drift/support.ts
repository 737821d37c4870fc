/**
 * Helpers for the drift tests: running the CLI in memory, and building reports and loaded
 * reports in TypeScript (so every hand-made report is checked against the Report type).
 */
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import type { Finding, Severity } from '../../src/classify/types.js';
import type { LoadedReport, ServiceSummary } from '../../src/drift/types.js';
import type { Report, ServiceRow } from '../../src/report/types.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function cli(args: string[], options: { stdin?: Buffer | string; env?: Record<string, string>; columns?: number; tty?: boolean } = {}): Promise<CliResult> {
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  if (options.tty === true) stdout.isTTY = true;
  if (options.columns !== undefined) stdout.columns = options.columns;
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();
  const io: Io = { stdout, stderr, stdin, env: options.env ?? {}, cwd: process.cwd() };
  const code = await run(args, io);
  return { code, out, err };
}

const SEVERITY_OF: Record<Finding, Severity> = {
  'broken-requirement': 'high',
  exposure: 'high',
  undocumented: 'medium',
  'deprecated-in-use': 'medium',
  info: 'info',
  ok: 'none',
};

/** A service as the reader keeps it, with sensible defaults. */
export function summary(key: string, o: Partial<ServiceSummary> = {}): ServiceSummary {
  const finding = o.finding ?? 'ok';
  const reachability = o.reachability ?? 'allowed';
  const flows = o.flows ?? 10;
  return {
    key,
    client: 'a',
    server: 'b',
    proto: 'tcp',
    port: 1,
    keyRule: null,
    finding,
    severity: o.severity ?? SEVERITY_OF[finding],
    status: o.status ?? (finding === 'undocumented' ? 'undocumented' : finding === 'exposure' ? 'should-block' : 'documented'),
    reachability,
    rules: o.rules ?? (finding === 'undocumented' ? [] : ['p/r']),
    reason: 'because',
    flows,
    allowed: o.allowed ?? (reachability === 'allowed' ? flows : reachability === 'mixed' ? flows - 1 : 0),
    blocked: o.blocked ?? (reachability === 'blocked' ? flows : reachability === 'mixed' ? 1 : 0),
    packets: flows * 4,
    bytes: o.bytes ?? flows * 100,
    first: '2026-11-07T10:00:00.000000000Z',
    last: '2026-11-07T11:00:00.000000000Z',
    deniedBy: o.deniedBy ?? [],
  };
}

/** A loaded report with the given services and defaults for the rest. */
export function loaded(services: ServiceSummary[], o: Partial<LoadedReport> = {}): LoadedReport {
  return {
    file: 'r.json',
    schemaVersion: 1,
    toolVersion: '0.1.0',
    command: 'analyze',
    ordering: 'severity',
    inputs: [{ name: 'cap.pcap', format: 'pcap', kind: 'capture', flows: 10, damage: null }],
    first: '2026-11-07T10:00:00.000000000Z',
    last: '2026-11-07T11:00:00.000000000Z',
    catalogHash: 'a'.repeat(64),
    products: [{ id: 'p', name: 'P', rules: 3, source: 'built-in' }],
    inventory: null,
    params: {},
    totals: { flows: 10, packets: 40, bytes: 1000, services: services.length },
    rulesSeen: new Map(),
    rulesNeverSeen: new Set(),
    limits: [],
    anomalies: 0,
    ...o,
    services: new Map(services.map((s) => [s.key, s])),
  };
}

/** A complete service row of the current report schema. */
export function serviceRow(key: string, o: Partial<ServiceRow> = {}): ServiceRow {
  const finding = o.finding ?? 'ok';
  return {
    key,
    client: { label: 'hcu', kind: 'role', product: 'pathtrak', role: 'hcu', addresses: ['10.1.0.7'], addressCount: 1 },
    server: { label: 'pathtrak-server', kind: 'role', product: 'pathtrak', role: 'pathtrak-server', addresses: ['10.0.0.5'], addressCount: 1 },
    proto: 'tcp',
    port: 5808,
    keyRule: null,
    finding,
    severity: SEVERITY_OF[finding],
    status: 'documented',
    reachability: 'allowed',
    rules: ['pathtrak/boot-event-listener'],
    wrongDirection: null,
    confidence: 'exact',
    reason: 'PathTrak rule boot-event-listener',
    flows: 3,
    flowsByFinding: { [finding]: 3 },
    outcomes: { established: 3 },
    allowed: 3,
    blocked: 0,
    packets: 24,
    bytes: 2400,
    bytesToServer: 1200,
    bytesToClient: 1200,
    first: '2026-11-07T10:00:00.000000000Z',
    last: '2026-11-07T10:05:00.000000000Z',
    serverPorts: { count: 1, ports: [5808] },
    deniedBy: [],
    examples: [],
    ...o,
  };
}

/** A complete report of the current schema around the given rows. */
export function report(services: ServiceRow[], o: Partial<Report> = {}): Report {
  const zeroFindings: Record<Finding, number> = { 'broken-requirement': 0, exposure: 0, undocumented: 0, 'deprecated-in-use': 0, info: 0, ok: 0 };
  const zeroSeverities: Record<Severity, number> = { high: 0, medium: 0, low: 0, info: 0, none: 0 };
  return {
    schemaVersion: 1,
    tool: { name: 'portolan', version: '0.1.0' },
    command: 'analyze',
    ordering: 'severity',
    generatedFrom: {
      inputs: [{ name: 'cap.pcap', format: 'pcap', kind: 'capture', bytes: 1000, records: 10, flows: 3, badLines: 0, damage: null }],
      first: '2026-11-07T10:00:00.000000000Z',
      last: '2026-11-07T10:05:00.000000000Z',
    },
    catalog: { hash: 'c'.repeat(64), products: [{ id: 'pathtrak', name: 'PathTrak 4.x', rules: 19, source: 'built-in', documents: ['pathtrak.txt'] }] },
    inventory: null,
    params: {},
    totals: { flows: 3, packets: 24, bytes: 2400, services: services.length },
    counts: {
      flows: {
        byFinding: { ...zeroFindings },
        bySeverity: { ...zeroSeverities },
        byStatus: { documented: 0, dynamic: 0, 'should-block': 0, 'not-used': 0, undocumented: 0 },
        byReachability: { allowed: 0, blocked: 0 },
      },
      services: { byFinding: { ...zeroFindings }, bySeverity: { ...zeroSeverities } },
    },
    findings: [],
    services,
    coverage: [
      {
        product: 'pathtrak',
        name: 'PathTrak 4.x',
        rules: 19,
        rulesSeen: 1,
        roles: [{ from: 'hcu', to: 'pathtrak-server', seen: [{ rule: 'boot-event-listener', flows: 3 }], neverSeen: ['rpc-links'] }],
      },
    ],
    timeline: { binSeconds: 60, bins: [] },
    anomalies: [],
    limits: [],
    ...o,
  };
}

/** Deterministic pseudo-random numbers (xorshift32) for the mutation tests. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}
