/**
 * `portolan drift OLD NEW`: what changed between two saved JSON reports (`analyze`/`audit
 * --format json`), compared by service key. `portolan drift --history DIR`: every report in a
 * folder, by date, as one timeline per service.
 *
 * Exit codes: 0 no drift item at or above `--fail-on` (by default nothing fails), 1 an item at
 * or above it (history: in the drift between the two most recent runs), 2 bad usage or a report
 * that cannot be read.
 */
import { writeFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { InputError, UsageError } from '../../errors.js';
import { atOrAbove, compareReports, DEFAULT_VOLUME_THRESHOLD, worstSeverity } from '../../drift/compare.js';
import { readHistory } from '../../drift/history.js';
import { readReport } from '../../drift/read.js';
import { DRIFT_FORMATS, driftFormatForPath, driftRenderers, isDriftFormat } from '../../drift/render/index.js';
import type { DriftFormat } from '../../drift/render/index.js';
import type { DriftSeverity } from '../../drift/types.js';
import { terminalSafe } from '../../report/escape.js';
import type { CommandDef } from '../command.js';
import { numberOption, optionalString } from '../args.js';
import { FINDING_EXIT_CODES, helpEpilog } from '../help.js';
import { EXIT_FINDINGS, EXIT_OK } from '../command.js';
import type { Io } from '../io.js';
import { useColour, writeOut } from '../io.js';

export const DRIFT_FAIL_ON = ['none', 'info', 'low', 'medium', 'high'] as const;
export type DriftFailOn = (typeof DRIFT_FAIL_ON)[number];

interface DriftArgs {
  old: string | undefined;
  new: string | undefined;
  history: string | undefined;
  format: DriftFormat;
  output: string | undefined;
  failOn: DriftFailOn;
  volumeThreshold: number;
  colour: boolean | undefined;
  quiet: boolean;
}

function parseArgs(args: Record<string, unknown>): DriftArgs {
  const output = optionalString(args['output'], '--output');
  const formatArg = optionalString(args['format'], '--format');
  let format: DriftFormat = 'table';
  if (formatArg !== undefined) {
    if (!isDriftFormat(formatArg)) throw new UsageError(`--format ${formatArg}: choose one of ${DRIFT_FORMATS.join(', ')}`);
    format = formatArg;
  } else if (output !== undefined) {
    format = driftFormatForPath(output) ?? 'table';
  }
  const failOnArg = optionalString(args['fail-on'], '--fail-on') ?? 'none';
  const failOn = DRIFT_FAIL_ON.find((c) => c === failOnArg);
  if (failOn === undefined) throw new UsageError(`--fail-on ${failOnArg}: choose one of ${DRIFT_FAIL_ON.join(', ')}`);
  const thresholdArg = args['volume-threshold'];
  if (Array.isArray(thresholdArg)) throw new UsageError('--volume-threshold was given more than once');
  const volumeThreshold =
    numberOption(thresholdArg, '--volume-threshold', 1, 'a factor greater than 1 (e.g. 10 reports ×10 and ÷10 changes)') ?? DEFAULT_VOLUME_THRESHOLD;
  const history = optionalString(args['history'], '--history');
  const old = optionalString(args['old'], 'OLD');
  const neu = optionalString(args['new'], 'NEW');
  if (history !== undefined) {
    if (old !== undefined) throw new UsageError('give either OLD NEW or --history DIR, not both');
  } else {
    if (old === undefined || neu === undefined) throw new UsageError('name two reports, OLD and NEW (or a folder of reports with --history DIR)');
    if (old === '-' && neu === '-') throw new UsageError('standard input (-) can be read only once');
  }
  const colour = args['color'];
  return {
    old,
    new: neu,
    history,
    format,
    output,
    failOn,
    volumeThreshold,
    colour: typeof colour === 'boolean' ? colour : undefined,
    quiet: args['quiet'] === true,
  };
}

function exitCodeFor(worst: DriftSeverity | null, failOn: DriftFailOn): number {
  if (failOn === 'none' || worst === null) return EXIT_OK;
  return atOrAbove(worst, failOn) ? EXIT_FINDINGS : EXIT_OK;
}

async function emit(io: Io, a: DriftArgs, text: string): Promise<void> {
  if (a.output === undefined) {
    await writeOut(io.stdout, text);
    return;
  }
  try {
    writeFileSync(a.output, text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('output-unwritable', `${a.output}: cannot write the drift report (${code ?? String(e)})`, { file: a.output });
  }
}

export async function runDrift(rawArgs: Record<string, unknown>, io: Io): Promise<number> {
  const a = parseArgs(rawArgs);
  const renderer = driftRenderers[a.format];
  const colour = a.output === undefined && a.format === 'table' ? (a.colour ?? useColour(io, 'stdout')) : false;
  const options = { colour, width: io.stdout.columns ?? 120 };

  if (a.history !== undefined) {
    const { history, latest } = await readHistory(a.history, { volumeThreshold: a.volumeThreshold });
    await emit(io, a, renderer.history(history, options));
    if (!a.quiet && a.output !== undefined) {
      await writeOut(io.stderr, `portolan: ${a.format} history written to ${terminalSafe(a.output)} (${history.runs.length} runs, ${history.services.length} services)\n`);
    }
    return exitCodeFor(latest === null ? null : worstSeverity(latest.items), a.failOn);
  }

  const stdin = { stdin: io.stdin };
  const oldReport = await readReport(a.old ?? '', stdin);
  const newReport = await readReport(a.new ?? '', stdin);
  const result = compareReports(oldReport, newReport, { volumeThreshold: a.volumeThreshold });
  await emit(io, a, renderer.drift(result, options));
  if (!a.quiet && a.output !== undefined) {
    await writeOut(io.stderr, `portolan: ${a.format} drift written to ${terminalSafe(a.output)} (${result.items.length} changes)\n`);
  }
  return exitCodeFor(worstSeverity(result.items), a.failOn);
}

function driftOptions(y: Argv): Argv {
  // Reports carry their catalog's products and hash: a --catalog file changes nothing here.
  return y
    .hide('catalog')
    .positional('old', { describe: 'the earlier report (JSON from analyze or audit --format json; .gz read too; - for standard input)', type: 'string' })
    .positional('new', { describe: 'the later report (same forms)', type: 'string' })
    .option('history', { type: 'string', describe: 'a folder of dated reports (2026-11-14.json, report-20261114.json.gz, ...): one timeline per service', requiresArg: true })
    .option('format', { alias: 'f', type: 'string', choices: DRIFT_FORMATS, describe: "output format (default: table, or implied by --output's extension)" })
    .option('output', { alias: 'o', type: 'string', describe: 'write to FILE instead of standard output', requiresArg: true })
    .option('fail-on', {
      type: 'string',
      choices: DRIFT_FAIL_ON,
      default: 'none',
      describe: 'exit 1 when a change of this severity or worse exists (with --history: between the two most recent runs)',
    })
    .option('volume-threshold', {
      type: 'number',
      default: DEFAULT_VOLUME_THRESHOLD,
      describe: 'report flows or bytes that grew or shrank by this factor or more',
      requiresArg: true,
    })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no notices on standard error (errors are still printed)' });
}

export const driftCommand: CommandDef = {
  command: 'drift [old] [new]',
  describe: 'what changed between two saved JSON reports, or across a folder of them (--history)',
  builder: (y) =>
    helpEpilog(
      driftOptions(y),
      [
        ['drift last-week.json today.json', 'what changed, as tables'],
        ['drift old.json.gz new.json --fail-on high', 'exit 1 on a newly broken requirement or a new exposure'],
        ['drift --history reports/ -o history.html', "each service's presence across a folder of dated reports"],
      ],
      FINDING_EXIT_CODES,
    ),
  run: (args, io) => runDrift(args, io),
};
