/**
 * `--param name=value`, the same on every command that takes it (`analyze`, `audit`, `catalog
 * lookup`): a parameter some catalog product declares (`max_open_server`, `TCPIP-PORT`; the case
 * of the name may differ), and a whole number from 0 to 65535 (ports and counts), as the
 * inventory's `params` are.
 */
import { UsageError } from '../errors.js';
import type { Params } from '../catalog/types.js';

export function parseParamOptions(raw: unknown, known: readonly string[]): Params {
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const params: Params = {};
  for (const item of list) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(text)}: expected name=value with a whole number, e.g. --param max_open_server=25`);
    const given = text.slice(0, eq).trim();
    const name = known.find((k) => k === given) ?? known.find((k) => k.toLowerCase() === given.toLowerCase());
    if (name === undefined) {
      throw new UsageError(`--param ${given}: no catalog product has a parameter of that name (parameters: ${known.join(', ') || 'none'})`);
    }
    const valueText = text.slice(eq + 1).trim();
    const value = /^\d{1,5}$/.test(valueText) ? Number(valueText) : NaN;
    if (!(value <= 65535)) throw new UsageError(`--param ${given}=${valueText}: the value must be a whole number from 0 to 65535`);
    params[name] = value;
  }
  return params;
}
