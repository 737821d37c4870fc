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
