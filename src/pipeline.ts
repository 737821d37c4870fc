/**
 * Inputs to flows: opens each input (a path or `-`), sniffs what it is from its first bytes
 * (pcap/pcapng → the capture reader, text → the log reader; `inputFormat` forces a log format for
 * text inputs), feeds one flow table per input, and flushes that table when the input ends, so
 * flows of different inputs never merge (the same traffic seen in two files stays two flows, each
 * with its own evidence). Flow ids are `<input index>.<sequence>`, the index counting from 1 in
 * the order the inputs were given.
 *
 * Damage never loses what was read: a capture cut short or with an absurd record length keeps
 * every flow before the damage (the reader stops, the table is flushed), and an input that cannot
 * be read at all (missing, neither a capture nor a recognised log) is recorded with its error and
 * the run goes on to the next input. `PipelineResult.fatal` tells the caller to exit 2 after
 * reporting.
 *
 * No console, no `process`: runnable inside a worker thread.
 */
import type { Readable } from 'node:stream';
import { AnomalyLog } from './anomalies.js';
import { InputError } from './errors.js';
import { FlowTable } from './flow/table.js';
import type { FlowTableOptions, FlowTableStats } from './flow/table.js';
import { readCapture } from './ingest/pcap/read.js';
import type { CaptureStats } from './ingest/pcap/read.js';
import { DEFAULT_LOG_OPTIONS } from './ingest/logs/format.js';
import type { LogOptions } from './ingest/logs/format.js';
import { readLog } from './ingest/logs/read.js';
import type { LogStats, ReadLogOptions } from './ingest/logs/read.js';
import { createObservers } from './ingest/observe/index.js';
import type { ObserverOptions } from './ingest/observe/index.js';
import { openInput } from './ingest/open.js';
import type { ChunkOptions, OpenedInput } from './ingest/open.js';
import type { Anomaly, AnomalySeverity, Flow } from './model.js';

export interface PipelineOptions {
  /** Standard input, for the path `-`. */
  stdin?: Readable;
  /** A log-format registry name forced on every text input (`--input-format`); captures are still read as captures. */
  inputFormat?: string;
  /** Timeouts, cap and server ports of the flow tables (each input gets its own table). */
  flowTable?: Omit<FlowTableOptions, 'anomalies'>;
  /** Log reading options (prefix mappings, assumed year, UTC offset). */
  log?: Partial<LogOptions>;
  /** The FTP/portmapper/TFTP observers on captures: their options, or `false` to run without them. */
  observers?: ObserverOptions | false;
  /**
   * Progress, at most every `progressIntervalMs` (default 250 ms) and once at the end of each input:
   * compressed bytes read so far of the current input, its size on disk (undefined for stdin), and its name.
   */
  onProgress?: (bytesRead: number, totalBytes: number | undefined, inputName: string) => void;
  progressIntervalMs?: number;
  /** Throw the first input error instead of recording it and going on. Default false. */
  failFast?: boolean;
  /** Read size from disk in bytes (default 4 MiB). */
  chunkBytes?: number;
  /**
   * Index of the first input (default 1): an input analysed on its own, as `analyze --jobs` does,
   * keeps the index, and so the flow ids, it has among all the inputs.
   */
  firstIndex?: number;
  /**
   * Awaited after each chunk of input is processed, before the next is read: a consumer that
   * writes flows to a slow output (a pipe) returns a promise until its buffer drains, so memory
   * stays bounded by the active flows and never grows with the output (docs/security.md).
   */
  beforeChunk?: () => Promise<void> | undefined;
}

/** The same input with `beforeChunk` awaited between its chunks. */
function withBackpressure(input: OpenedInput, beforeChunk: () => Promise<void> | undefined): OpenedInput {
  const chunks = input.chunks;
  return {
    ...input,
    async *chunks(options?: ChunkOptions): AsyncGenerator<Buffer> {
      for await (const c of chunks(options)) {
        yield c;
        const wait = beforeChunk();
        if (wait !== undefined) await wait;
      }
    },
  };
}

export interface InputSummary {
  /** 1-based position among the inputs: the first part of its flow ids. */
  index: number;
  /** The path as given, or `<stdin>`. */
  name: string;
  kind: 'capture' | 'log' | 'unreadable';
  /** `pcap`, `pcapng`, a log format name (`iptables`, `a+b` for an interleaved log), `empty`, or '' when unreadable. */
  format: string;
  /** Captures: packets read. */
  packets: number;
  /** Logs: lines read, observations they gave, and lines that could not be read. */
  lines: number;
  observations: number;
  badLines: number;
  /** Captures: bytes of (decompressed) input consumed. Logs: bytes read from the file (compressed when gzip). */
  bytes: number;
  /** Byte offset where reading stopped early (damaged capture). */
  stoppedAt?: number;
  /** The input itself was damaged (cut short, bad lengths or headers). */
  damaged: boolean;
  /** Reading stopped at damage it could not step over, or the input could not be read at all. */
  fatal: boolean;
  /** Flows emitted from this input. */
  flows: number;
  /** Why the input could not be read (InputError message), when kind is `unreadable` or reading failed part-way. */
  error?: string;
  /**
   * Captures that stopped early: the anomaly message naming the damage where reading stopped
   * (`cap.pcap@0x1ebf: absurd captured length ...`), when it is among the kept examples.
   */
  stopReason?: string;
  /** The reader's own statistics. */
  capture?: CaptureStats;
  log?: LogStats;
  table?: FlowTableStats;
}

export interface PipelineResult {
  inputs: InputSummary[];
  /** Anomalies of every input and reader (decoder, reader, log lines, flow table, observers). */
  anomalies: AnomalyLog;
  /** Flows emitted over all inputs. */
  flows: number;
  /** True when some input was unreadable or stopped at fatal damage: the CLI exits 2 after reporting. */
  fatal: boolean;
}

const PROGRESS_EVERY = 4096;

export async function readFlows(paths: readonly string[], options: PipelineOptions, onFlow: (flow: Flow) => void): Promise<PipelineResult> {
  const anomalies = new AnomalyLog();
  const inputs: InputSummary[] = [];
  let total = 0;
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i] ?? '';
    const summary: InputSummary = {
      index: (options.firstIndex ?? 1) + i,
      name: path === '-' ? '<stdin>' : path,
      kind: 'unreadable',
      format: '',
      packets: 0,
      lines: 0,
      observations: 0,
      badLines: 0,
      bytes: 0,
      damaged: false,
      fatal: false,
      flows: 0,
    };
    inputs.push(summary);
    const emit = (flow: Flow): void => {
      summary.flows++;
      total++;
      onFlow(flow);
    };
    let input: OpenedInput | undefined;
    try {
      const openOptions: { stdin?: Readable; chunkBytes?: number } = {};
      if (options.stdin !== undefined) openOptions.stdin = options.stdin;
      if (options.chunkBytes !== undefined) openOptions.chunkBytes = options.chunkBytes;
      input = await openInput(path, openOptions);
      if (options.beforeChunk !== undefined) input = withBackpressure(input, options.beforeChunk);
      summary.name = input.name;
      if (input.kind === 'pcap' || input.kind === 'pcapng' || input.kind === 'binary') {
        await readCaptureInput(input, summary, options, anomalies, emit);
      } else {
        await readLogInput(input, summary, options, anomalies, emit);
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      if (options.failFast === true) throw e;
      // Not even the format was recognised: nothing of it was read.
      if (summary.format === '') summary.kind = 'unreadable';
      summary.fatal = true;
      summary.error = e.message;
      anomalies.add({ code: e.code, severity: 'error', message: e.message, file: summary.name, ...(e.offset !== undefined ? { offset: e.offset } : {}) });
    } finally {
      input?.close();
    }
  }
  return { inputs, anomalies, flows: total, fatal: inputs.some((s) => s.fatal) };
}

/** Calls `onProgress` at most every interval; `tick()` is cheap enough to call every few thousand records. */
function progressReporter(input: OpenedInput, options: PipelineOptions): { tick(): void; done(): void } {
  const cb = options.onProgress;
  if (cb === undefined) return { tick() {}, done() {} };
  const interval = options.progressIntervalMs ?? 250;
  let last = Date.now();
  return {
    tick(): void {
      const now = Date.now();
      if (now - last < interval) return;
      last = now;
      cb(input.bytesRead(), input.size, input.name);
    },
    done(): void {
      cb(input.bytesRead(), input.size, input.name);
    },
  };
}

function tableOptions(options: PipelineOptions, anomalies: AnomalyLog): FlowTableOptions {
  return { ...(options.flowTable ?? {}), anomalies };
}

async function readCaptureInput(
  input: OpenedInput,
  summary: InputSummary,
  options: PipelineOptions,
  anomalies: AnomalyLog,
  emit: (flow: Flow) => void,
): Promise<void> {
  summary.kind = 'capture';
  // Observer messages name a flow, not a file: with several captures, say which one.
  const observer = options.observers === false ? undefined : createObservers({ ...(options.observers ?? {}), anomalies: new InputAnomalies(anomalies, input.name) });
  const table = new FlowTable(tableOptions(options, anomalies), emit, observer);
  const progress = progressReporter(input, options);
  const index = summary.index;
  const name = input.name;
  let n = 0;
  try {
    const stats = await readCapture(
      input,
      (pkt) => {
        table.addPacket(pkt, index, name);
        if ((++n & (PROGRESS_EVERY - 1)) === 0) progress.tick();
      },
      anomalies,
    );
    summary.capture = stats;
    summary.format = stats.format;
    summary.packets = stats.packets;
    summary.bytes = stats.bytes;
    if (stats.stoppedAt !== undefined) {
      summary.stoppedAt = stats.stoppedAt;
      const reason = stopReason(anomalies, name, stats.stoppedAt);
      if (reason !== undefined) summary.stopReason = reason;
    }
    summary.damaged = stats.damaged;
    summary.fatal = stats.fatal;
  } finally {
    // Whatever was read before damage or an error is kept.
    table.flush();
    summary.table = table.stats();
    progress.done();
  }
}

/** The run's anomaly log as the observers of one input see it: each message names the input. */
class InputAnomalies extends AnomalyLog {
  constructor(
    private readonly inner: AnomalyLog,
    private readonly inputName: string,
  ) {
    super();
  }

  override add(anomaly: Anomaly): void {
    this.inner.add(anomaly.file !== undefined ? anomaly : { ...anomaly, file: this.inputName, message: `${this.inputName}: ${anomaly.message}` });
  }

  override wantsExample(code: string): boolean {
    return this.inner.wantsExample(code);
  }

  override addCount(code: string, severity: AnomalySeverity): void {
    this.inner.addCount(code, severity);
  }
}

/** The kept anomaly example of `file` at `offset` (the damage a capture reader stopped at). */
function stopReason(anomalies: AnomalyLog, file: string, offset: number): string | undefined {
  for (const entry of anomalies.summary()) {
    for (const e of entry.examples) if (e.file === file && e.offset === offset) return e.message;
  }
  return undefined;
}

async function readLogInput(
  input: OpenedInput,
  summary: InputSummary,
  options: PipelineOptions,
  anomalies: AnomalyLog,
  emit: (flow: Flow) => void,
): Promise<void> {
  summary.kind = 'log';
  const table = new FlowTable(tableOptions(options, anomalies), emit);
  const progress = progressReporter(input, options);
  const index = summary.index;
  const logOptions: ReadLogOptions = { ...DEFAULT_LOG_OPTIONS, ...(options.log ?? {}) };
  if (options.inputFormat !== undefined) logOptions.forceFormat = options.inputFormat;
  let n = 0;
  try {
    const stats = await readLog(
      input,
      logOptions,
      (obs) => {
        table.addObservation(obs, index);
        if ((++n & (PROGRESS_EVERY - 1)) === 0) progress.tick();
      },
      anomalies,
    );
    summary.log = stats;
    summary.format = stats.format;
    summary.lines = stats.lines;
    summary.observations = stats.observations;
    summary.badLines = stats.badLines;
  } finally {
    table.flush();
    summary.table = table.stats();
    summary.bytes = input.bytesRead();
    progress.done();
  }
}
