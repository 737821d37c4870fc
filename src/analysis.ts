/**
 * Analysis input by input, on this thread or on worker threads (`analyze --jobs N`).
 *
 * Each input is read, its flows classified and aggregated on their own (one flow table, one
 * classify stream, one aggregator and one anomaly log per input); the per-input results are then
 * merged in input order (Aggregator.merge, AnomalyLog.merge). Whether an input ran here or on a
 * worker, it is the same unit of work and the same merge, so the report is the same byte for byte
 * for any number of jobs (test/perf/jobs.test.ts).
 *
 * A worker gets a plain-data setup (catalog files, inventory path, parameters, read options),
 * builds its own catalog, inventory and classifier from it once, and then analyses the inputs it
 * is handed one at a time, answering each with the input's result as plain data. This thread is
 * one of the N jobs itself (its results need no copying). Inputs go to whichever job is free, so
 * a long capture and a few small logs share the cores. Copying a result between threads costs
 * about a microsecond per byte of its plain data (tens of megabytes for 40 000 services), which
 * is why the per-input state kept is compact (aggregate.ts).
 *
 * No console and no `process`: the caller (cli/commands/analyze.ts) decides what to print.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AnomalyLog } from './anomalies.js';
import { loadCatalog } from './catalog/load.js';
import { ftpControlPorts } from './catalog/lookup.js';
import type { Catalog, Params } from './catalog/types.js';
import { Aggregator } from './classify/aggregate.js';
import type { AggregatorData } from './classify/aggregate.js';
import { Classifier } from './classify/classify.js';
import type { Verdict } from './classify/classify.js';
import { documentedServerPorts } from './classify/rule-index.js';
import { ClassifyStream } from './classify/stream.js';
import { PortolanError } from './errors.js';
import type { LogOptions } from './ingest/logs/format.js';
import { loadInventory } from './inventory/load.js';
import type { AnomalySummary } from './model.js';
import { readFlows } from './pipeline.js';
import type { InputSummary, PipelineOptions, PipelineResult } from './pipeline.js';

/** What a worker needs to set itself up as this thread did: plain data only. */
export interface AnalysisSetup {
  /** `--catalog` files, in order. */
  catalogFiles: string[];
  /** `--inventory` file. */
  inventoryPath?: string;
  params: Params;
  /** `--input-format`. */
  inputFormat?: string;
  /** `--max-flows`. */
  maxFlows?: number;
  /** `--prefix-action`, `--aws-vpc-fields`: how log lines are read. */
  log?: Partial<LogOptions>;
  /** `--ftp-port`: FTP control ports besides 21 and the catalog's. */
  ftpPorts?: number[];
}

/** The objects every input is analysed with. */
export interface AnalysisContext {
  catalog: Catalog;
  classifier: Classifier;
  pipeline: PipelineOptions;
}

/** One input's result. */
export interface InputAnalysis {
  /** 1-based input position. */
  index: number;
  inputs: InputSummary[];
  anomalies: AnomalySummary[];
  flows: number;
  fatal: boolean;
  aggregator: Aggregator;
}

/** `InputAnalysis` as plain data (what a worker posts back). */
export interface InputAnalysisData extends Omit<InputAnalysis, 'aggregator'> {
  aggregator: AggregatorData;
}

/** The merged result of every input. */
export interface AnalysisResult {
  pipeline: PipelineResult;
  aggregator: Aggregator;
}

/** The read options for a setup and its catalog: the same on every thread. */
export function pipelineOptionsFor(catalog: Catalog, setup: AnalysisSetup): PipelineOptions {
  const flowTable: NonNullable<PipelineOptions['flowTable']> = { serverPorts: documentedServerPorts(catalog) };
  if (setup.maxFlows !== undefined) flowTable.maxFlows = setup.maxFlows;
  const options: PipelineOptions = { flowTable };
  if (setup.inputFormat !== undefined) options.inputFormat = setup.inputFormat;
  if (setup.log !== undefined && Object.keys(setup.log).length > 0) options.log = setup.log;
  // FTP control ports: the user's and those the catalog's FTP rules state (21 is always one).
  const ftpPorts = [...new Set([...(setup.ftpPorts ?? []), ...ftpControlPorts(catalog)])];
  if (ftpPorts.length > 0) options.observers = { ftpPorts };
  return options;
}

/** Builds the catalog, inventory and classifier of a setup (a worker's start). */
export function contextFor(setup: AnalysisSetup): AnalysisContext {
  const catalog = loadCatalog({ extraFiles: setup.catalogFiles });
  const inventory = setup.inventoryPath !== undefined ? loadInventory(setup.inventoryPath, catalog) : undefined;
  return { catalog, classifier: new Classifier(catalog, { inventory, params: setup.params }), pipeline: pipelineOptionsFor(catalog, setup) };
}

/** Reads, classifies and aggregates one input on this thread; `onVerdict` sees each verdict as it is made. */
export async function analyzeInput(path: string, index: number, context: AnalysisContext, onVerdict?: (v: Verdict) => void): Promise<InputAnalysis> {
  const aggregator = new Aggregator();
  const stream = new ClassifyStream(
    context.classifier,
    onVerdict === undefined
      ? (v) => aggregator.add(v)
      : (v) => {
          aggregator.add(v);
          onVerdict(v);
        },
  );
  const result = await readFlows([path], { ...context.pipeline, firstIndex: index }, (flow) => stream.push(flow));
  stream.end();
  return { index, inputs: result.inputs, anomalies: result.anomalies.summary(), flows: result.flows, fatal: result.fatal, aggregator };
}

export function toData(a: InputAnalysis): InputAnalysisData {
  return { ...a, aggregator: a.aggregator.toData() };
}

export function fromData(d: InputAnalysisData): InputAnalysis {
  return { ...d, aggregator: Aggregator.fromData(d.aggregator) };
}

/** Merges per-input results in input order, one at a time as they become available. */
class InOrderMerge {
  private readonly waiting = new Map<number, InputAnalysis>();
  private next = 1;
  private aggregator: Aggregator | undefined;
  private readonly anomalies = new AnomalyLog();
  private readonly inputs: InputSummary[] = [];
  private flows = 0;
  private fatal = false;

  add(part: InputAnalysis): void {
    this.waiting.set(part.index, part);
    for (let p = this.waiting.get(this.next); p !== undefined; p = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.next++;
      if (this.aggregator === undefined) this.aggregator = p.aggregator;
      else this.aggregator.merge(p.aggregator);
      this.anomalies.merge(p.anomalies);
      this.inputs.push(...p.inputs);
      this.flows += p.flows;
      this.fatal ||= p.fatal;
    }
  }

  result(): AnalysisResult {
    return {
      aggregator: this.aggregator ?? new Aggregator(),
      pipeline: { inputs: this.inputs, anomalies: this.anomalies, flows: this.flows, fatal: this.fatal },
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Worker protocol

/** Messages to a worker. */
export type ToWorker = { kind: 'input'; index: number; path: string } | { kind: 'exit' };

/** Messages from a worker. */
export type FromWorker =
  | { kind: 'result'; index: number; part: InputAnalysisData }
  | { kind: 'failed'; index: number; error: ErrorData }
  | { kind: 'progress'; bytesRead: number; totalBytes: number | undefined; name: string };

interface ErrorData {
  message: string;
  stack?: string;
  /** PortolanError code and exit code, when it was one. */
  code?: string;
  exitCode?: number;
}

/** A worker as the pool drives it: a thread (`threadWorker`) or a test's in-process stand-in. */
export interface AnalysisWorker {
  send(message: ToWorker): void;
  /** Registers the handlers: every message, and the error that ends the worker early. */
  listen(onMessage: (message: FromWorker) => void, onError: (error: Error) => void): void;
  stop(): void;
}

/** The part of a `MessagePort` the worker side uses. */
export interface WorkerPort {
  postMessage(message: FromWorker): void;
  on(event: 'message', listener: (message: ToWorker) => void): unknown;
  close(): void;
}

function errorData(e: unknown): ErrorData {
  if (e instanceof PortolanError) return { message: e.message, code: e.code, exitCode: e.exitCode };
  if (e instanceof Error) return e.stack !== undefined ? { message: e.message, stack: e.stack } : { message: e.message };
  return { message: String(e) };
}

function errorOf(d: ErrorData): Error {
  if (d.code !== undefined) return new PortolanError(d.code, d.message, d.exitCode);
  const e = new Error(`analysis worker: ${d.message}`);
  if (d.stack !== undefined) e.stack = d.stack;
  return e;
}

/**
 * The worker side: sets up from `setup` once, then answers each input with its result. Inputs
 * are analysed one after another (a worker is one core's worth of work).
 */
export function serveAnalysis(port: WorkerPort, setup: AnalysisSetup, progressIntervalMs?: number): void {
  let context: AnalysisContext | undefined;
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (m) => {
    if (m.kind === 'exit') {
      void queue.then(() => port.close());
      return;
    }
    queue = queue.then(async () => {
      try {
        context ??= contextFor(setup);
        const pipeline: PipelineOptions =
          progressIntervalMs === undefined
            ? context.pipeline
            : {
                ...context.pipeline,
                progressIntervalMs,
                onProgress: (bytesRead, totalBytes, name) => port.postMessage({ kind: 'progress', bytesRead, totalBytes, name }),
              };
        const part = await analyzeInput(m.path, m.index, { ...context, pipeline });
        port.postMessage({ kind: 'result', index: m.index, part: toData(part) });
      } catch (e) {
        port.postMessage({ kind: 'failed', index: m.index, error: errorData(e) });
      }
    });
  });
}

/** The worker threads' entry point, beside this module in dist/. */
const WORKER_URL = new URL('./analysis-worker.js', import.meta.url);

/**
 * True when worker threads can run: the compiled entry point exists. Run from the TypeScript
 * sources (tests), it does not, and every input is analysed on this thread instead (the same
 * report, by construction).
 */
function threadsAvailable(): boolean {
  try {
    return existsSync(fileURLToPath(WORKER_URL));
  } catch {
    return false;
  }
}

/** A worker thread running analysis-worker.js. */
export function threadWorker(setup: AnalysisSetup, progressIntervalMs: number | undefined): AnalysisWorker {
  const w = new Worker(WORKER_URL, { workerData: { setup, progressIntervalMs } });
  let stopped = false;
  return {
    send: (m) => w.postMessage(m),
    listen(onMessage, onError): void {
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', (code) => {
        if (!stopped && code !== 0) onError(new Error(`analysis worker stopped (exit code ${code})`));
      });
    },
    stop(): void {
      stopped = true;
      void w.terminate();
    },
  };
}

export interface AnalyzeInputsOptions {
  /** Worker threads to use; 1 (or one input) analyses on this thread. Default: one per core. */
  jobs?: number;
  /** The setup of this run, for workers. */
  setup: AnalysisSetup;
  /** This thread's catalog, classifier and read options (built from the same setup). */
  context: AnalysisContext;
  /** Verdicts as they are made, in input order (streamed output): the inputs are then analysed on this thread. */
  onVerdict?: (v: Verdict) => void;
  onProgress?: PipelineOptions['onProgress'];
  progressIntervalMs?: number;
  /** Starts a worker (tests pass an in-process stand-in); default: a `Worker` thread. */
  startWorker?: (setup: AnalysisSetup, progressIntervalMs: number | undefined) => AnalysisWorker;
}

/** The number of workers `analyze` uses by default: one per core, at most one per input. */
export function defaultJobs(inputs: number): number {
  return Math.max(1, Math.min(availableParallelism(), inputs));
}

/** Analyses every input and merges the results in input order (see the file comment). */
export async function analyzeInputs(paths: readonly string[], options: AnalyzeInputsOptions): Promise<AnalysisResult> {
  const jobs = Math.min(options.jobs ?? defaultJobs(paths.length), paths.length);
  // Standard input belongs to this thread, and streamed verdicts must come out in input order.
  const here = jobs <= 1 || options.onVerdict !== undefined || paths.includes('-') || (options.startWorker === undefined && !threadsAvailable());
  const merged = new InOrderMerge();
  if (here) {
    const pipeline: PipelineOptions = { ...options.context.pipeline };
    if (options.onProgress !== undefined) pipeline.onProgress = options.onProgress;
    if (options.progressIntervalMs !== undefined) pipeline.progressIntervalMs = options.progressIntervalMs;
    for (let i = 0; i < paths.length; i++) {
      merged.add(await analyzeInput(paths[i] ?? '', i + 1, { ...options.context, pipeline }, options.onVerdict));
    }
    return merged.result();
  }
  const start = options.startWorker ?? threadWorker;
  const interval = options.onProgress !== undefined ? (options.progressIntervalMs ?? 250) : undefined;
  const local: PipelineOptions = { ...options.context.pipeline };
  if (options.onProgress !== undefined) local.onProgress = options.onProgress;
  if (interval !== undefined) local.progressIntervalMs = interval;
  const workers: AnalysisWorker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let nextInput = 0;
      let pending = paths.length;
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      const take = (): number | undefined => (nextInput < paths.length ? ++nextInput : undefined);
      const finished = (part: InputAnalysis): void => {
        merged.add(part);
        if (--pending === 0) resolve();
      };
      const feed = (w: AnalysisWorker): void => {
        const index = take();
        w.send(index === undefined ? { kind: 'exit' } : { kind: 'input', index, path: paths[index - 1] ?? '' });
      };
      // This thread is one of the jobs (its input needs no copying back); the others are workers.
      for (let j = 1; j < jobs; j++) {
        const w = start(options.setup, interval);
        workers.push(w);
        w.listen((m) => {
          if (m.kind === 'progress') {
            options.onProgress?.(m.bytesRead, m.totalBytes, m.name);
            return;
          }
          if (m.kind === 'failed') {
            fail(errorOf(m.error));
            return;
          }
          finished(fromData(m.part));
          if (pending > 0) feed(w);
        }, fail);
        feed(w);
      }
      void (async (): Promise<void> => {
        for (let index = take(); index !== undefined && !failed; index = take()) {
          finished(await analyzeInput(paths[index - 1] ?? '', index, { ...options.context, pipeline: local }));
        }
      })().catch(fail);
    });
  } finally {
    for (const w of workers) w.stop();
  }
  return merged.result();
}
