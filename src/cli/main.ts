/**
 * `portolan` command line: `run(argv, io)` parses, dispatches to one command and returns an exit
 * code. Only this folder touches yargs, the console and `process`.
 *
 * Exit codes: 0 clean, 1 findings at or above `--fail-on`, 2 usage or input errors.
 */
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { isPortolanError, UsageError } from '../errors.js';
import type { CommandDef } from './command.js';
import { EXIT_USAGE } from './command.js';
import type { Io } from './io.js';
import { commands } from './commands/index.js';
import { editDistance } from './help.js';

export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number | undefined;
  let failure: unknown;
  const usageMessages: string[] = [];

  // yargs-parser reads a lone `-` as an empty short-option group and drops it; carry it through
  // as a placeholder no real path can be, and give commands `-` back (standard input).
  const args = argv.map((a) => (a === '-' ? STDIN_PLACEHOLDER : a));
  const parser: Argv = yargs([...args])
    .scriptName('portolan')
    .usage('$0 <command> [options]\n\nClassify network flows from captures and firewall logs against documented vendor port requirements.')
    .option('catalog', {
      type: 'string',
      array: true,
      describe: 'add a product file (JSON) to the built-in catalog; may be repeated',
      requiresArg: true,
      // One file per --catalog, so `--catalog mine.json catalog lookup 22` leaves the command alone.
      nargs: 1,
    })
    .option('color', { type: 'boolean', describe: 'colour terminal tables; --no-color never (default: only on a terminal, and never with NO_COLOR set)' })
    .epilog(
      'Run `portolan <command> --help` for its options and examples; docs/ has the details.\n\n' +
        'Exit codes: 0 clean, 1 a finding (analyze, audit) or change (drift) at or above --fail-on, 2 bad usage or unreadable input.',
    )
    .strict()
    .recommendCommands()
    .demandCommand(1, 'name a command: analyze, audit, drift, flows or catalog')
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, io.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((msg: string | undefined, err: Error | undefined) => {
      // yargs-parser's own errors (an option without its value) are usage errors too.
      if (err !== undefined && err.name !== 'YError') failure ??= err;
      else usageMessages.push(msg ?? err?.message ?? 'bad usage');
      // yargs goes on (to the command's handler) when this returns: stop it, so that a mistyped
      // option never runs the command before the usage error.
      throw new UsageStop();
    });

  for (const def of commands) {
    registerCommand(parser, def, io, (code) => (exitCode = code), (e) => (failure = e), 1);
  }

  let helpOrVersion = '';
  try {
    await parser.parseAsync([...args], {}, (_err: unknown, _parsed: unknown, output: string) => {
      helpOrVersion = output;
    });
  } catch (e) {
    if (!(e instanceof UsageStop)) failure ??= e;
  }

  if (failure !== undefined) {
    if (isPortolanError(failure)) {
      io.stderr.write(`portolan: ${failure.message}\n`);
      return failure.exitCode;
    }
    // A bug, not a user error: say so plainly, with the stack for the report.
    const err = failure instanceof Error ? failure : new Error(String(failure));
    io.stderr.write(`portolan: internal error: ${err.message}\n${err.stack ?? ''}\n`);
    return 70;
  }
  if (usageMessages.length > 0) {
    io.stderr.write(`${helpOrVersion.length > 0 ? helpOrVersion + '\n\n' : ''}portolan: ${usageText(usageMessages, argv)}\n`);
    return EXIT_USAGE;
  }
  if (helpOrVersion.length > 0) {
    io.stdout.write(helpOrVersion + '\n');
    return 0;
  }
  return exitCode ?? 0;
}

/**
 * yargs' usage messages as one line: an unknown option is named as it was typed (`--bogus`, not
 * `bogus`), an unknown command is called one, and a "Did you mean" suggestion comes last.
 */
export function usageText(messages: readonly string[], argv: readonly string[]): string {
  const typed = (name: string): string => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `-${name}`)?.split('=')[0] ?? name;
  const words = messages.map((m) => {
    const unknown = /^Unknown arguments?: (.*)$/.exec(m);
    const suggestion = /^Did you mean (.+)\?$/.exec(m);
    if (suggestion !== null && messages.length === 1) {
      // The word meant as the command: the one nearest to the suggestion.
      const meant = suggestion[1] ?? '';
      const word = argv.filter((a) => !a.startsWith('-')).sort((a, b) => editDistance(a, meant) - editDistance(b, meant))[0];
      if (word === undefined) return `did you mean ${meant}?`;
      const noun = argv[argv.indexOf(word) - 1] === 'catalog' ? 'catalog ' : '';
      return `unknown ${noun}command ${JSON.stringify(word)}; did you mean ${noun}${meant}?`;
    }
    const invalid = /^Invalid values?:\s+Argument: ([\w-]+), Given: (.*), Choices: (.*)$/s.exec(m);
    if (invalid !== null) return `--${invalid[1] ?? ''} ${invalid[2] ?? ''}: choose one of ${(invalid[3] ?? '').replace(/"/g, '')}`;
    if (/^Not enough non-option arguments/.test(m)) return missingArgument(argv);
    const needs = /^Not enough arguments following: (\S+)$/.exec(m);
    if (needs !== null) return `${typed(needs[1] ?? '')} needs a value`;
    if (unknown === null) return m.replace(/^Did you mean/, 'did you mean');
    const names = (unknown[1] ?? '').split(', ').map(typed);
    const options = names.filter((n) => n.startsWith('-'));
    const others = names.filter((n) => !n.startsWith('-'));
    const parts: string[] = [];
    // With a suggestion, the first stray word was meant as a command.
    if (messages.some((x) => x.startsWith('Did you mean')) && others.length > 0) others.splice(0, others.length, `command ${JSON.stringify(others[0])}`);
    if (options.length > 0) parts.push(`unknown option${options.length === 1 ? '' : 's'} ${options.join(', ')}`);
    const verb = others.find((o) => argv[argv.indexOf(o) - 1] === 'catalog');
    if (verb !== undefined) return `unknown catalog command ${JSON.stringify(verb)} (commands: list, show, lookup, validate)`;
    if (others[0]?.startsWith('command ') === true) parts.push(`unknown ${others[0]}`);
    else if (others.length > 0) parts.push(`unexpected argument${others.length === 1 ? '' : 's'} ${others.map((o) => JSON.stringify(o)).join(', ')}`);
    return parts.join('; ');
  });
  const suggestion = words.filter((w) => w.startsWith('did you mean'));
  const rest = words.filter((w) => !w.startsWith('did you mean'));
  return `${[...new Set([...rest, ...suggestion])].join('; ')} (see --help)`;
}

/** What each command needs when its positional argument is missing. */
const MISSING: Readonly<Record<string, string>> = {
  flows: 'name at least one capture or log file (or - for standard input)',
  analyze: 'name at least one capture or log file (or - for standard input)',
  audit: 'name at least one log or capture file (or - for standard input)',
  'catalog show': 'name a product (portolan catalog list shows them)',
  'catalog lookup': 'name a port: 3001, 3001/tcp or 3001/udp',
  'catalog validate': 'name the product file to check',
};

function missingArgument(argv: readonly string[]): string {
  const all = argv.filter((a) => !a.startsWith('-'));
  // Skip values of options given before the command (`--catalog mine.json analyze`).
  const words = all.slice(Math.max(0, all.findIndex((w) => commands.some((c) => c.command.split(' ')[0] === w))));
  const two = words.slice(0, 2).join(' ');
  return MISSING[two] ?? MISSING[words[0] ?? ''] ?? 'a required argument is missing';
}

/** Thrown from yargs' `fail` so that parsing stops at the first usage error. */
class UsageStop extends Error {}

/** Stands for a `-` argument while yargs parses (a NUL can never be part of a path). */
const STDIN_PLACEHOLDER = '\u0000-';

function restoreStdin(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    out[k] = v === STDIN_PLACEHOLDER ? '-' : Array.isArray(v) ? v.map((x: unknown) => (x === STDIN_PLACEHOLDER ? '-' : x)) : v;
  }
  return out;
}

function registerCommand(
  parser: Argv,
  def: CommandDef,
  io: Io,
  setExit: (code: number) => void,
  setFailure: (e: unknown) => void,
  depth: number,
): void {
  parser.command(
    def.command,
    def.describe,
    (y) => {
      const b = def.builder(y);
      for (const sub of def.subcommands ?? []) registerCommand(b, sub, io, setExit, setFailure, depth + 1);
      return b.strict();
    },
    async (args) => {
      try {
        // yargs checks stray positionals only after the handler ran: refuse them before any output.
        const stray = (args._ ?? []).slice(depth).map((a) => String(a) === STDIN_PLACEHOLDER ? '-' : String(a));
        if (stray.length > 0 && (def.subcommands ?? []).length === 0) {
          throw new UsageError(usageText([`Unknown argument${stray.length === 1 ? '' : 's'}: ${stray.join(', ')}`], []));
        }
        setExit(await def.run(restoreStdin(args as Record<string, unknown>), io));
      } catch (e) {
        setFailure(e);
      }
    },
  );
}
