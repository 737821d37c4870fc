/**
 * Reads an inventory file from disk (JSON only: see docs/inventory.md) and builds the lookup.
 * The file is data: it is parsed with JSON.parse and validated, never evaluated.
 */
import { readFileSync } from 'node:fs';
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

/** Parses inventory text (JSON) and validates it; `file` names it in errors. */
export function parseInventory(text: string, file: string, catalog: Catalog): Inventory {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const where = pos !== null ? (({ line, column }) => `:${line}:${column}`)(lineColumn(text, Number(pos[1]))) : '';
    const what = msg.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new DataFileError('inventory-not-json', `${file}${where}: not valid JSON (${what}); inventories are JSON files (see docs/inventory.md)`, { file });
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
