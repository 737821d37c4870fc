/** Reading yargs' parsed values: repeatable options as string lists, single ones checked to be single. */
import { UsageError } from '../errors.js';

/** A repeatable option (or a variadic positional) as strings; absent → []. */
export function stringList(v: unknown): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => String(x));
}

/** An option that may be given once: its value, undefined when absent, a usage error when repeated. */
export function optionalString(v: unknown, option: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) throw new UsageError(`${option} was given more than once (${v.map(String).join(', ')})`);
  return String(v);
}

/** How a number option's value reads in a message (yargs has turned text that is not a number into NaN). */
function shown(v: unknown): string {
  return typeof v === 'number' && Number.isNaN(v) ? 'something that is not a number' : String(v);
}

/** A whole-number option of at least `min`; undefined when absent. */
export function wholeNumberOption(v: unknown, option: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new UsageError(`${option} must be a whole number of at least ${min} (got ${shown(v)})`);
  return v;
}

/** A number option greater than `above` (seconds, factors); undefined when absent. */
export function numberOption(v: unknown, option: string, above: number, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= above) throw new UsageError(`${option} must be ${what} (got ${shown(v)})`);
  return v;
}
