/**
 * Reads an inventory file from disk (JSON, or YAML: see docs/inventory.md) and builds the lookup.
 * The file is data: it is parsed with JSON.parse, or as YAML 1.2 with the core schema only (no
 * tags, aliases capped, duplicate keys refused), then validated; it is never evaluated.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isPair, isScalar, parseDocument, visit } from 'yaml';
import type { Catalog } from '../catalog/types.js';
import { DataFileError } from '../errors.js';
import { buildInventory } from './inventory.js';
import type { Inventory } from './inventory.js';

/** Largest inventory file read (a hosts file is small; this stops a wrong path to a capture). */
export const MAX_INVENTORY_BYTES = 32 * 1024 * 1024;

let schemaCache: unknown;

function inventorySchema(): unknown {
  schemaCache ??= JSON.parse(readFileSync(new URL('./schema/inventory.schema.json', import.meta.url), 'utf8')) as unknown;
  return schemaCache;
}

/** Line and column (1-based) of a character offset, for JSON syntax errors. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Largest YAML inventory read: a hosts file is small, and YAML parses an order of magnitude slower than JSON. */
export const MAX_YAML_INVENTORY_CHARS = 4 * 1024 * 1024;

/** Aliases a YAML inventory may expand (YAML's "billion laughs": a few lines that expand to gigabytes). */
const MAX_YAML_ALIASES = 100;

/** YAML by the file's extension (`.yaml`, `.yml`); JSON by `.json`; otherwise YAML unless the text opens with `{`. */
export function isYamlInventory(file: string, text: string): boolean {
  const ext = extname(file).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return true;
  if (ext === '.json') return false;
  return !/^\uFEFF?\s*\{/.test(text);
}

/** Deepest nesting of YAML flow collections (`[`, `{`) read; real inventories nest three or four deep. */
const MAX_YAML_FLOW_DEPTH = 64;

/** The offset where flow collections first nest deeper than `max` (quoted text skipped), or -1. */
function flowTooDeep(text: string, max: number): number {
  let depth = 0;
  let quote = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
      else if (c === 92 && quote === 34) i++; // backslash escape inside "..."
      continue;
    }
    if (c === 34 || c === 39) quote = c;
    else if (c === 35 && (i === 0 || text.charCodeAt(i - 1) === 32 || text.charCodeAt(i - 1) === 10)) {
      const nl = text.indexOf('\n', i);
      if (nl < 0) break;
      i = nl;
    } else if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return -1;
}

function parseYaml(text: string, file: string): unknown {
  const deep = flowTooDeep(text, MAX_YAML_FLOW_DEPTH);
  if (deep >= 0) {
    const { line, column } = lineColumn(text, deep);
    throw new DataFileError('inventory-not-yaml', `${file}:${line}:${column}: not valid YAML for an inventory (nested deeper than ${MAX_YAML_FLOW_DEPTH} levels)`, { file });
  }
  if (text.length > MAX_YAML_INVENTORY_CHARS) {
    throw new DataFileError('inventory-too-large', `${file}: ${text.length} characters is more than a YAML inventory may be (${MAX_YAML_INVENTORY_CHARS}; JSON may be larger)`, { file });
  }
  // prettyErrors off: it builds a context excerpt for every error, quadratic on a file of errors;
  // the position of the first error is all the message needs.
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, strict: true, prettyErrors: false });
  // A tag the core schema does not know (`!!js/function`, `!!python/object`) is a warning to the
  // parser and an error here: an inventory is plain data.
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) {
    const pos = lineColumn(text, problem.pos[0]);
    const what = (problem.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new DataFileError('inventory-not-yaml', `${file}:${pos.line}:${pos.column}: not valid YAML (${what}); inventories are JSON or YAML files (see docs/inventory.md)`, { file });
  }
  // `release: 14.70` or `model: 1500` are names, not numbers: outside `params` and `ephemeral`
  // (the numeric fields), a plain scalar that YAML reads as a number keeps its text.
  let complexKey: { line: number; column: number } | undefined;
  visit(doc, {
    Pair(_key, pair) {
      // `? [a, b] : c`: a key that is a list or a map has no JSON form (yaml would warn and flatten it).
      if (pair.key !== null && !isScalar(pair.key)) {
        const offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
        complexKey ??= lineColumn(text, offset);
        return visit.BREAK;
      }
      return undefined;
    },
    Scalar(_key, node, path) {
      if (typeof node.value !== 'number' || node.type !== 'PLAIN' || node.source === undefined) return;
      for (const p of path) if (isPair(p) && isScalar(p.key) && (p.key.value === 'params' || p.key.value === 'ephemeral')) return;
      node.value = node.source;
    },
  });
  if (complexKey !== undefined) {
    throw new DataFileError('inventory-not-yaml', `${file}:${complexKey.line}:${complexKey.column}: not valid YAML for an inventory (a key that is a list or a map)`, { file });
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    throw new DataFileError('inventory-not-yaml', `${file}: not valid YAML (${e instanceof Error ? e.message : String(e)})`, { file });
  }
}

/** Parses inventory text (JSON or YAML, see `isYamlInventory`) and validates it; `file` names it in errors. */
export function parseInventory(text: string, file: string, catalog: Catalog): Inventory {
  if (isYamlInventory(file, text)) {
    const doc = parseYaml(text, file);
    // A file named neither .yaml nor .json that YAML reads as a bare word or a list was most
    // likely meant as JSON, or is not an inventory at all: say both.
    const ext = extname(file).toLowerCase();
    if (ext !== '.yaml' && ext !== '.yml' && (typeof doc !== 'object' || doc === null || Array.isArray(doc))) {
      throw new DataFileError('inventory-not-json', `${file}: not valid JSON or YAML for an inventory (no mapping with "hosts"); inventories are JSON or YAML files (see docs/inventory.md)`, { file });
    }
    return buildInventory(file, doc, catalog, inventorySchema());
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos !== null ? (({ line, column }) => `:${line}:${column}`)(lineColumn(text, Number(pos[1]))) : '';
    const what = msg.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new DataFileError('inventory-not-json', `${file}${where}: not valid JSON (${what}); inventories are JSON or YAML files (see docs/inventory.md)`, { file });
  }
  return buildInventory(file, doc, catalog, inventorySchema());
}

/** Reads and validates an inventory file. */
export function loadInventory(path: string, catalog: Catalog): Inventory {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFileError('inventory-unreadable', `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? String(e)})`}`, { file: path });
  }
  if (buf.length > MAX_INVENTORY_BYTES) {
    throw new DataFileError('inventory-too-large', `${path}: ${buf.length} bytes is more than an inventory may be (${MAX_INVENTORY_BYTES})`, { file: path });
  }
  return parseInventory(buf.toString('utf8'), path, catalog);
}
