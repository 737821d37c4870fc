/**
 * `portolan analyze <inputs...>`: captures and logs (format sniffed per file) → flows → classified
 * against the catalog (and the inventory, when given) → aggregated → one report. `audit` runs the
 * same pipeline with the report ordered for a firewall review (audit.ts).
 *
 * Exit codes: 0 no finding at or above `--fail-on` (by default nothing fails), 1 findings at or
 * above it, 2 bad usage, an unreadable catalog or inventory, or an input that could not be read
 * (or stopped at fatal damage): the report of what was read is still written first.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { limitHeapGrowth } from '../heap.js';
import type { Argv } from 'yargs';
import { loadCatalog } from '../../catalog/load.js';
import { catalogParamNames } from '../../catalog/lookup.js';
import type { Catalog } from '../../catalog/types.js';
import { analyzeInputs, pipelineOptionsFor } from '../../analysis.js';
import type { AnalysisSetup } from '../../analysis.js';
import type { Aggregator } from '../../classify/aggregate.js';
import { Classifier } from '../../classify/classify.js';
import type { Verdict } from '../../classify/classify.js';
import { SEVERITY_ORDER } from '../../classify/types.js';
import type { Severity } from '../../classify/types.js';
import { InputError, UsageError } from '../../errors.js';
import type { LogOptions } from '../../ingest/logs/format.js';
import { loadInventory } from '../../inventory/load.js';
import type { Inventory } from '../../inventory/inventory.js';
import type { PipelineResult } from '../../pipeline.js';
import { buildReport, planReport } from '../../report/build.js';
import type { BuildReportOptions } from '../../report/build.js';
import { renderPlanJsonChunks } from '../../report/json.js';
import { terminalSafe } from '../../report/escape.js';
import { REPORT_FORMATS, formatForPath, isReportFormat, reporters } from '../../report/index.js';
import type { ReportFormat, Reporter } from '../../report/index.js';
import { reportInput } from '../../report/inputs.js';
import type { LimitHit, Report, ReportCommand } from '../../report/types.js';
import { DEFAULT_FLOW_TABLE_OPTIONS } from '../../flow/table.js';
import { DEFAULT_EXPECTATION_CAP } from '../../flow/expectations.js';
import { DEFAULT_MAX_LINE_BYTES } from '../../ingest/logs/framing.js';
import { MAX_ASSEMBLED_VALUES, MAX_JSON_DEPTH, MAX_JSON_STRING_CHARS } from '../../ingest/logs/json-stream.js';
import type { CommandDef } from '../command.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from '../command.js';
import { optionalString, stringList, wholeNumberOption } from '../args.js';
import { FINDING_EXIT_CODES, helpEpilog } from '../help.js';
import { inputOptions, parseInputOptions } from '../input-options.js';
import type { Io } from '../io.js';
import { useColour, writeOut } from '../io.js';
import { parseParamOptions } from '../params.js';
import { createProgress } from '../progress.js';

export const FAIL_ON_CHOICES = ['none', 'info', 'low', 'medium', 'high'] as const;
export type FailOn = (typeof FAIL_ON_CHOICES)[number];

/** Options shared by `analyze` and `audit`. */
export function analysisOptions(y: Argv, what: string): Argv {
  return inputOptions(
    y
      .positional('inputs', { describe: what, type: 'string', array: true, demandOption: true, default: undefined })
      .option('inventory', { type: 'string', describe: 'hosts file (JSON) mapping addresses and prefixes to product roles', requiresArg: true })
      .option('param', {
        type: 'string',
        array: true,
        describe: 'a formula parameter for every host, name=value (repeatable; an inventory host\'s own value wins)',
        requiresArg: true,
        nargs: 1,
      })
      .option('format', { alias: 'f', type: 'string', choices: REPORT_FORMATS, requiresArg: true, describe: 'report format (default: table, or implied by --output\'s extension)' })
      .option('output', { alias: 'o', type: 'string', describe: 'write the report to FILE instead of standard output', requiresArg: true })
      .option('fail-on', {
        type: 'string',
        choices: FAIL_ON_CHOICES,
        default: 'none',
        describe: 'exit 1 when any flow has a finding of this severity or worse',
      })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress and no notices on standard error (errors are still printed)' })
      .option('max-flows', {
        type: 'number',
        requiresArg: true,
        describe: `most live flows per input; beyond it the least recently active flow is emitted early, and the report says so [default: ${DEFAULT_FLOW_TABLE_OPTIONS.maxFlows}]`,
      })
      .option('jobs', {
        alias: 'j',
        type: 'number',
        requiresArg: true,
        describe: 'inputs analysed at once, each on a worker thread (the report is the same for any number) [default: one per core, at most one per input; 1 with --format ndjson or standard input]',
      }),
  );
}

interface AnalysisArgs {
  inputs: string[];
  catalog: string[];
  inventory: string | undefined;
  /** `--param` as given: checked against the catalog once it is loaded. */
  paramTexts: unknown;
  format: ReportFormat;
  output: string | undefined;
  failOn: FailOn;
  inputFormat: string | undefined;
  /** `--prefix-action`, `--aws-vpc-fields`. */
  log: Partial<LogOptions>;
  /** `--ftp-port`. */
  ftpPorts: number[];
  quiet: boolean;
  colour: boolean | undefined;
  maxFlows: number | undefined;
  jobs: number | undefined;
}

function parseArgs(args: Record<string, unknown>): AnalysisArgs {
  const output = optionalString(args['output'], '--output');
  const formatArg = optionalString(args['format'], '--format');
  let format: ReportFormat = 'table';
  if (formatArg !== undefined) {
    if (!isReportFormat(formatArg)) throw new UsageError(`--format ${formatArg}: choose one of ${REPORT_FORMATS.join(', ')}`);
    format = formatArg;
  } else if (output !== undefined) {
    format = formatForPath(output) ?? 'table';
  }
  const failOnArg = optionalString(args['fail-on'], '--fail-on') ?? 'none';
  const failOn = FAIL_ON_CHOICES.find((c) => c === failOnArg);
  if (failOn === undefined) throw new UsageError(`--fail-on ${failOnArg}: choose one of ${FAIL_ON_CHOICES.join(', ')}`);
  const inputs = stringList(args['inputs']);
  if (inputs.length === 0) throw new UsageError('name at least one capture or log file (or - for standard input)');
  if (inputs.filter((i) => i === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const colour = args['color'];
  const maxFlows = wholeNumberOption(args['max-flows'], '--max-flows', 1);
  const input = parseInputOptions(args);
  const jobs = wholeNumberOption(args['jobs'], '--jobs', 1);
  return {
    jobs,
    inputs,
    catalog: stringList(args['catalog']),
    inventory: optionalString(args['inventory'], '--inventory'),
    paramTexts: args['param'],
    format,
    output,
    failOn,
    inputFormat: input.inputFormat,
    log: input.log,
    ftpPorts: input.ftpPorts,
    quiet: args['quiet'] === true,
    colour: typeof colour === 'boolean' ? colour : undefined,
    maxFlows,
  };
}

let versionCache: string | undefined;

/** The package version (package.json beside src/ and dist/ alike). */
export function toolVersion(): string {
  if (versionCache === undefined) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
      const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
      versionCache = typeof v === 'string' ? v : '0.0.0';
    } catch {
      versionCache = '0.0.0';
    }
  }
  return versionCache;
}

/** Where report text goes: standard output, or a file written synchronously (no unbounded buffering). */
interface Sink {
  write(text: string): void;
  /** Pending while written text is still queued: reading waits for it (bounded memory on a slow pipe). */
  drain(): Promise<void> | undefined;
  finish(): Promise<void>;
}

const FLUSH_BYTES = 64 * 1024;

function openSink(io: Io, output: string | undefined): Sink {
  if (output !== undefined) {
    let fd: number;
    try {
      fd = openSync(output, 'w');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError('output-unwritable', `${output}: cannot write the report (${code ?? String(e)})`, { file: output });
    }
    return {
      write(text: string): void {
        writeSync(fd, text);
      },
      drain: () => undefined,
      finish(): Promise<void> {
        closeSync(fd);
        return Promise.resolve();
      },
    };
  }
  let pending = '';
  let chain: Promise<void> = Promise.resolve();
  let queued = 0;
  return {
    write(text: string): void {
      pending += text;
      if (pending.length >= FLUSH_BYTES) {
        const chunk = pending;
        pending = '';
        queued++;
        chain = chain.then(() => writeOut(io.stdout, chunk)).finally(() => queued--);
      }
    },
    drain: () => (queued > 0 ? chain : undefined),
    async finish(): Promise<void> {
      const chunk = pending;
      pending = '';
      await chain;
      await writeOut(io.stdout, chunk);
    },
  };
}

/** Text written at once: large enough that a report of 100 000 services is a few hundred writes. */
const CHUNK_WRITE_CHARS = 1 << 20;

/** Writes a report given in pieces, in batches, waiting for the output to take each batch. */
async function writeChunks(sink: Sink, chunks: Iterable<string>): Promise<void> {
  let batch = '';
  for (const piece of chunks) {
    batch += piece;
    if (batch.length < CHUNK_WRITE_CHARS) continue;
    sink.write(batch);
    batch = '';
    const wait = sink.drain();
    if (wait !== undefined) await wait;
  }
  sink.write(batch);
}

function loadInputsCatalog(a: AnalysisArgs): { catalog: Catalog; productSources: Record<string, string> } {
  const catalog = loadCatalog({ extraFiles: a.catalog });
  const productSources: Record<string, string> = {};
  for (const [id, file] of Object.entries(catalog.files)) {
    if (a.catalog.includes(file)) productSources[id] = file;
  }
  return { catalog, productSources };
}

/**
 * The limits on input-grown state that this run reached (docs/security.md), as report lines: each
 * limit's anomaly code (or, for JSON documents, bad-record reason) with what it cost.
 */
export function limitsReached(pipeline: PipelineResult, maxFlows: number): LimitHit[] {
  const counts = new Map(pipeline.anomalies.summary().map((s) => [s.code, s.count]));
  const out: LimitHit[] = [];
  const add = (code: string, limit: string, value: number, say: (n: number) => string): void => {
    const n = counts.get(code) ?? 0;
    if (n > 0) out.push({ limit, value, message: say(n) });
  };
  add('flow-table-cap', 'max-flows', maxFlows, (n) => `${n} flows were emitted before their timeout to keep at most ${maxFlows} live flows (--max-flows)`);
  add('expectation-cap', 'expectations', DEFAULT_EXPECTATION_CAP, (n) => `${n} announced FTP/RPC/TFTP connections were dropped from a full expectation table (${DEFAULT_EXPECTATION_CAP} entries)`);
  add('limit-observer-sessions', 'observer-sessions', 16_384, (n) => `${n} control channels were not read: the observers already followed their most at once`);
  add('limit-observer-buffer', 'observer-buffer-bytes', 64 * 1024 * 1024, (n) => `${n} times out-of-order or over-long control-channel data was dropped: the observers' buffers were full`);
  add('ftp-line-too-long', 'ftp-line-bytes', 2048, (n) => `${n} FTP command or reply lines longer than 2048 bytes were skipped`);
  add('rpc-record-too-long', 'rpc-record-bytes', 65536, (n) => `${n} portmapper records longer than 65536 bytes were skipped`);
  add('line-too-long', 'max-line-bytes', DEFAULT_MAX_LINE_BYTES, (n) => `${n} log lines longer than ${DEFAULT_MAX_LINE_BYTES} bytes were skipped`);
  // JSON documents stop at a limit; the reason is among the input's bad records.
  for (const input of pipeline.inputs) {
    for (const r of input.log?.badReasons ?? []) {
      if (!r.code.startsWith('limit-json-')) continue;
      const value = r.code === 'limit-json-depth' ? MAX_JSON_DEPTH : r.code === 'limit-json-string' ? MAX_JSON_STRING_CHARS : MAX_ASSEMBLED_VALUES;
      out.push({ limit: r.code.slice('limit-'.length), value, message: `${input.name}: the JSON document went past the ${r.code.slice('limit-json-'.length)} limit (${value}); the rest of it was not read` });
    }
  }
  return out;
}

/** Exit code for the worst severity seen and `--fail-on`. */
export function exitCodeFor(worst: Severity, failOn: FailOn): number {
  if (failOn === 'none') return EXIT_OK;
  return SEVERITY_ORDER[worst] >= SEVERITY_ORDER[failOn] ? EXIT_FINDINGS : EXIT_OK;
}

export interface AnalysisOutcome {
  report: Report;
  pipeline: PipelineResult;
  exitCode: number;
}

/** Runs the whole analysis for `analyze` or `audit`; returns the exit code. */
export async function runAnalysis(command: ReportCommand, rawArgs: Record<string, unknown>, io: Io): Promise<number> {
  const a = parseArgs(rawArgs);
  limitHeapGrowth();
  const { catalog, productSources } = loadInputsCatalog(a);
  const params = parseParamOptions(a.paramTexts, catalogParamNames(catalog));
  const inventory: Inventory | undefined = a.inventory !== undefined ? loadInventory(a.inventory, catalog) : undefined;

  const reporter: Reporter = reporters[a.format];
  const sink = openSink(io, a.output);
  const classifier = new Classifier(catalog, { inventory, params });
  const streamFlow = reporter.flow;
  const progress = createProgress(io, !a.quiet);
  // Workers (--jobs) set themselves up from this plain description of the run (analysis.ts).
  const setup: AnalysisSetup = {
    catalogFiles: a.catalog,
    params,
    ...(a.inventory !== undefined ? { inventoryPath: a.inventory } : {}),
    ...(a.inputFormat !== undefined ? { inputFormat: a.inputFormat } : {}),
    ...(a.maxFlows !== undefined ? { maxFlows: a.maxFlows } : {}),
    ...(Object.keys(a.log).length > 0 ? { log: a.log } : {}),
    ...(a.ftpPorts.length > 0 ? { ftpPorts: a.ftpPorts } : {}),
  };

  let pipeline: PipelineResult;
  let aggregator: Aggregator;
  try {
    ({ pipeline, aggregator } = await analyzeInputs(a.inputs, {
      ...(a.jobs !== undefined ? { jobs: a.jobs } : {}),
      setup,
      context: { catalog, classifier, pipeline: { ...pipelineOptionsFor(catalog, setup), stdin: io.stdin, beforeChunk: () => sink.drain() } },
      ...(streamFlow !== undefined ? { onVerdict: (v: Verdict): void => sink.write(streamFlow(v.flow)) } : {}),
      ...(progress.onProgress !== undefined ? { onProgress: progress.onProgress } : {}),
    }));
  } finally {
    progress.done();
  }

  const reportOptions: BuildReportOptions = {
    command,
    toolVersion: toolVersion(),
    inputs: pipeline.inputs.map(reportInput),
    catalog,
    productSources,
    inventory: inventory ?? null,
    params,
    aggregator,
    anomalies: pipeline.anomalies.summary(),
    limits: limitsReached(pipeline, a.maxFlows ?? DEFAULT_FLOW_TABLE_OPTIONS.maxFlows),
  };
  let flowCount: number;
  let findingCount: number;
  if (a.format === 'json') {
    // Rows made one at a time as they are written: a run's rows never exist all at once.
    const plan = planReport(reportOptions);
    flowCount = plan.report.totals.flows;
    findingCount = plan.findings;
    await writeChunks(sink, renderPlanJsonChunks(plan));
  } else {
    const report = buildReport(reportOptions);
    flowCount = report.totals.flows;
    findingCount = report.findings.length;
    const colour = a.output === undefined && a.format === 'table' ? (a.colour ?? useColour(io, 'stdout')) : false;
    // On a terminal the table fits its width; elsewhere (a pipe, a file) a fixed 140 columns.
    const width = a.output === undefined && io.stdout.isTTY === true && io.stdout.columns !== undefined ? io.stdout.columns : 140;
    if (reporter.renderChunks !== undefined) await writeChunks(sink, reporter.renderChunks(report, { colour, width }));
    else sink.write(reporter.render(report, { colour, width }));
  }
  await sink.finish();

  for (const s of pipeline.inputs) {
    if (s.error !== undefined) await writeOut(io.stderr, `portolan: ${terminalSafe(s.error)}\n`);
    else if (s.fatal) {
      const why = s.stopReason ?? `${s.name}: damaged input; reading stopped at byte offset ${s.stoppedAt ?? '?'}`;
      await writeOut(io.stderr, `portolan: ${terminalSafe(why)} (what was read before is in the report)\n`);
    }
  }
  if (!a.quiet && a.output !== undefined) {
    await writeOut(io.stderr, `portolan: ${a.format} report written to ${terminalSafe(a.output)} (${flowCount} flows, ${findingCount} findings)\n`);
  }
  if (pipeline.fatal) return EXIT_USAGE;
  return exitCodeFor(aggregator.worst, a.failOn);
}

export const analyzeCommand: CommandDef = {
  command: 'analyze <inputs..>',
  describe: 'classify the flows of captures and logs against the catalog and report findings',
  builder: (y) =>
    helpEpilog(
      analysisOptions(y, 'captures (pcap, pcapng) and firewall/flow logs, format sniffed from the content; .gz read transparently; - for standard input'),
      [
        ['analyze site.pcapng --inventory hosts.json', 'summary table of findings'],
        ['analyze fw.log cap.pcap --inventory hosts.json -o report.html', 'captures and logs together, as one self-contained HTML report'],
        ['analyze cap.pcap --format ndjson | jq .finding', 'one classified flow per line'],
        ['analyze cap.pcap --inventory hosts.json --fail-on high', 'exit 1 on broken requirements or exposures'],
        ['analyze rotated.pcap.gz --ftp-port 2121 --param max_open_server=25', 'FTP control on 2121 too; a formula parameter for every host'],
      ],
      FINDING_EXIT_CODES,
    ),
  run: (args, io) => runAnalysis('analyze', args, io),
};
