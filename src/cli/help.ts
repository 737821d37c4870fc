/**
 * Help text pieces shared by the commands: examples laid out one per line with the description
 * under the command (yargs' two-column layout cuts a long command line in the middle), and the
 * exit codes each command returns.
 */
import type { Argv } from 'yargs';

/** One example: the arguments after `portolan`, and what it does. */
export type Example = readonly [command: string, what: string];

/** The examples and the exit codes, as the help's closing section (`$0` is the script name). */
export function helpEpilog(y: Argv, examples: readonly Example[], exitCodes: string): Argv {
  const lines = examples.map(([command, what]) => `  $0 ${command}\n      ${what}`);
  return y.epilog(`Examples:\n${lines.join('\n')}\n\nExit codes: ${exitCodes}`);
}

/** Exit codes of the commands that report findings (`analyze`, `audit`, `drift`). */
export const FINDING_EXIT_CODES = '0 nothing at or above --fail-on, 1 something at or above it, 2 bad usage or unreadable input.';
/** Exit codes of the commands that only read (`flows`, `catalog`). */
export const READ_EXIT_CODES = '0 done, 2 bad usage or unreadable input.';

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
