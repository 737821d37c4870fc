/** What a command file exports: yargs options plus a `run` that returns an exit code. */
import type { Argv } from 'yargs';
import type { Io } from './io.js';

export interface CommandDef {
  /** yargs command string, e.g. `flows <inputs..>`. */
  command: string;
  describe: string;
  /** Declares options and positionals; `.strict()` is applied by main. */
  builder: (y: Argv) => Argv;
  /** Runs the command with yargs' parsed arguments; returns the exit code. */
  run: (args: Record<string, unknown>, io: Io) => Promise<number>;
  /** Verbs under this noun (`catalog lookup`); main registers them, each with its own `run`. */
  subcommands?: readonly CommandDef[];
}

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
