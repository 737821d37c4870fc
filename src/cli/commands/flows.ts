/**
 * `portolan flows <inputs...>`: the flow table alone, before classification. Captures and logs in,
 * one record per flow out (docs/flows.md describes every field). NDJSON is streamed as flows are
 * emitted; table, JSON and CSV are sorted by first time, then id. Diagnostics (one line per input,
 * anomalies by code with examples) go to stderr; progress only when stderr is a terminal.
 *
 * Exit codes: 0, or 2 when an input could not be read or stopped at damage (after printing
 * everything that was read).
 */
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Argv } from 'yargs';
import { limitHeapGrowth } from '../heap.js';
import { PortolanError, UsageError } from '../../errors.js';
import { loadCatalog } from '../../catalog/load.js';
import { ftpControlPorts } from '../../catalog/lookup.js';
import type { Flow } from '../../model.js';
import { readFlows } from '../../pipeline.js';
import type { PipelineOptions } from '../../pipeline.js';
import { FLOW_FORMATS, flowRenderers, renderFlowLine, renderFlowsSummary } from '../../report/flows/index.js';
import type { FlowFormat } from '../../report/flows/index.js';
import type { CommandDef } from '../command.js';
import { EXIT_OK, EXIT_USAGE } from '../command.js';
import { numberOption, stringList, wholeNumberOption } from '../args.js';
import { READ_EXIT_CODES, helpEpilog } from '../help.js';
import { inputOptions, parseInputOptions } from '../input-options.js';
import type { Io } from '../io.js';
import { writeOut } from '../io.js';
import { terminalSafe } from '../../report/escape.js';

const STREAM_CHUNK = 64 * 1024;

function isFlowFormat(v: unknown): v is FlowFormat {
  return typeof v === 'string' && (FLOW_FORMATS as readonly string[]).includes(v);
}

/** The user's options, checked, as pipeline options; `clearProgress` wipes the progress line. */
function pipelineOptions(args: Record<string, unknown>, io: Io): { options: PipelineOptions; clearProgress: () => void } {
  const tcp = numberOption(args['timeout-tcp'], '--timeout-tcp', 0, 'a positive number of seconds');
  const udp = numberOption(args['timeout-udp'], '--timeout-udp', 0, 'a positive number of seconds');
  const denied = numberOption(args['timeout-denied'], '--timeout-denied', 0, 'a positive number of seconds');
  const maxFlows = wholeNumberOption(args['max-flows'], '--max-flows', 1);
  const flowTable: NonNullable<PipelineOptions['flowTable']> = {};
  if (tcp !== undefined) flowTable.tcpTimeout = tcp;
  if (denied !== undefined) flowTable.deniedTimeout = denied;
  if (udp !== undefined) {
    flowTable.udpTimeout = udp;
    flowTable.icmpTimeout = udp;
    flowTable.otherTimeout = udp;
  }
  if (typeof maxFlows === 'number') flowTable.maxFlows = maxFlows;
  const options: PipelineOptions = { stdin: io.stdin, flowTable };
  const input = parseInputOptions(args);
  if (input.inputFormat !== undefined) options.inputFormat = input.inputFormat;
  if (Object.keys(input.log).length > 0) options.log = input.log;
  // A user's product file (--catalog) may state FTP control ports other than 21.
  const catalogFiles = stringList(args['catalog']);
  const ftpPorts = [...input.ftpPorts, ...(catalogFiles.length > 0 ? ftpControlPorts(loadCatalog({ extraFiles: catalogFiles })) : [])];
  if (ftpPorts.length > 0) options.observers = { ftpPorts };
  let shown = false;
  if (io.stderr.isTTY === true) {
    options.onProgress = (bytesRead, totalBytes, name) => {
      const done = totalBytes !== undefined && totalBytes > 0 ? ` ${Math.min(100, Math.floor((bytesRead * 100) / totalBytes))}%` : '';
      io.stderr.write(`\rportolan: reading ${name}${done} (${(bytesRead / 1e6).toFixed(1)} MB)\u001b[K`);
      shown = true;
    };
    options.progressIntervalMs = 250;
  }
  const clearProgress = (): void => {
    if (shown) io.stderr.write('\r\u001b[K');
  };
  return { options, clearProgress };
}

function openOutput(path: string): Promise<Writable> {
  return new Promise((resolve, reject) => {
    const s = createWriteStream(path);
    s.once('open', () => resolve(s));
    s.once('error', (e: NodeJS.ErrnoException) => reject(new PortolanError('output-unwritable', `${path}: cannot write (${e.code ?? e.message})`, EXIT_USAGE)));
  });
}

/** Resolves when `stream` drains (or fails or closes: then there is nothing to wait for). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('error', done);
      stream.off('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('error', done);
    stream.once('close', done);
  });
}

function closeOutput(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

async function runFlows(args: Record<string, unknown>, io: Io): Promise<number> {
  const format = args['format'] ?? 'table';
  if (!isFlowFormat(format)) throw new UsageError(`--format ${JSON.stringify(String(format))}: choose one of ${FLOW_FORMATS.join(', ')}`);
  const inputs = args['inputs'];
  const paths = Array.isArray(inputs) ? inputs.map(String) : [];
  if (paths.length === 0) throw new UsageError('name at least one capture or log (or - for standard input)');
  const { options, clearProgress } = pipelineOptions(args, io);
  limitHeapGrowth();
  const outputPath = args['output'];
  const out = typeof outputPath === 'string' ? await openOutput(outputPath) : io.stdout;
  // Backpressure: NDJSON written to a pipe faster than it is read would otherwise pile up in the
  // stream's buffer (a million flows through a pipe held over a gigabyte); reading waits instead.
  options.beforeChunk = () => (out.writableNeedDrain ? drained(out) : undefined);

  const collected: Flow[] = [];
  let pending = '';
  const onFlow =
    format === 'ndjson'
      ? (flow: Flow): void => {
          pending += renderFlowLine(flow);
          if (pending.length >= STREAM_CHUNK) {
            out.write(pending);
            pending = '';
          }
        }
      : (flow: Flow): void => {
          collected.push(flow);
        };

  const result = await readFlows(paths, options, onFlow);
  clearProgress();
  const anomalies = result.anomalies.summary();
  const text = format === 'ndjson' ? pending : flowRenderers[format]({ flows: collected, inputs: result.inputs, anomalies });
  await writeOut(out, text);
  if (out !== io.stdout) await closeOutput(out);
  if (args['quiet'] === true) {
    // Only what made the run fail: inputs that could not be read or stopped at damage.
    for (const s of result.inputs) {
      if (s.error !== undefined) await writeOut(io.stderr, `portolan: ${terminalSafe(s.error)}\n`);
      else if (s.fatal) await writeOut(io.stderr, `portolan: ${terminalSafe(s.stopReason ?? `${s.name}: reading stopped at byte offset ${s.stoppedAt ?? '?'}`)}\n`);
    }
  } else {
    await writeOut(io.stderr, renderFlowsSummary(result.inputs, anomalies));
  }
  return result.fatal ? EXIT_USAGE : EXIT_OK;
}

export const flowsCommand: CommandDef = {
  command: 'flows <inputs..>',
  describe: 'the flow table alone, before classification: one record per flow (client, server, counts, history, outcome)',
  builder: (y: Argv) =>
    helpEpilog(
      flowsOptions(y),
      [
        ['flows capture.pcapng', 'print the flow table'],
        ['flows -f ndjson fw.log.gz capture.pcap > flows.ndjson', 'stream the flows of a log and a capture as NDJSON'],
        ['flows -f csv -o flows.csv --timeout-udp 30 -', 'a capture or log on standard input, as CSV'],
        ['flows kern.log --prefix-action FW-IN-X=denied', 'iptables lines logged with prefix FW-IN-X are denials'],
      ],
      READ_EXIT_CODES,
    ),
  run: runFlows,
};

function flowsOptions(y: Argv): Argv {
  return inputOptions(
    y
      .positional('inputs', {
        type: 'string',
        array: true,
        default: undefined,
        describe: 'pcap/pcapng captures and firewall/flow logs (format sniffed from the content; .gz read transparently; - for standard input)',
      })
      .option('format', {
        alias: 'f',
        choices: FLOW_FORMATS,
        default: 'table',
        requiresArg: true,
        describe: 'output format: an aligned table, one JSON document, NDJSON (streamed as flows end) or CSV',
      })
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'write the flows to FILE instead of standard output' })
      .option('timeout-tcp', { type: 'number', requiresArg: true, describe: 'seconds of inactivity that end a TCP flow [default: 300, as Zeek]' })
      .option('timeout-udp', { type: 'number', requiresArg: true, describe: 'seconds of inactivity that end a UDP, ICMP or other flow [default: 60, as Zeek]' })
      .option('timeout-denied', { type: 'number', requiresArg: true, describe: 'seconds of inactivity that end a TCP flow whose log lines only deny its connection attempt [default: 130]' })
      .option('max-flows', { type: 'number', requiresArg: true, describe: 'most live flows; beyond it the least recently active is emitted early [default: 1000000]' })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no summary of the inputs and no warnings on standard error (errors are still printed)' }),
  );
}
