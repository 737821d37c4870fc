/**
 * The whole report as JSON (report/types.ts, docs/report-schema.md): the input of `drift`.
 *
 * `renderJsonChunks` gives the same text in pieces (one per service, finding, ...), so a report of
 * a hundred thousand services is written without ever holding its whole text: one string of
 * several hundred megabytes, and its encoded copy, used to be the largest thing in memory.
 */
import type { Report } from './types.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** The text of `renderJson(report)`, in order, in pieces. */
export function* renderJsonChunks(report: Report): Generator<string> {
  yield* valueChunks(report, '', 0);
  yield '\n';
}

/** Objects and arrays down to this depth (the report, its sections, their lists) are written member by member; deeper values (one service, one finding) are one JSON.stringify each. */
const DESCEND_DEPTH = 1;

function isPlainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (typeof v !== 'object' || v === null) return false;
  // Objects with toJSON (dates) are left to JSON.stringify, which calls it.
  return typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * `JSON.stringify(v, null, 2)` as it prints at `depth` (two spaces per level): `v` is stringified
 * inside `depth` nested arrays, which indents it exactly so, and the arrays' brackets are cut off
 * (a slice, not a copy; re-indenting the text afterwards cost a third of the rendering).
 */
function leaf(v: unknown, depth: number): string | undefined {
  if (depth === 0) return JSON.stringify(v, null, 2) as string | undefined;
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return undefined;
  let wrapped: unknown = v;
  for (let d = 0; d < depth; d++) wrapped = [wrapped];
  const text = JSON.stringify(wrapped, null, 2);
  // `[\n  [\n    ` ... `\n  ]\n]`: 2 + 2k characters open level k, 2 + 2(k - 1) close it.
  return text.slice(2 * depth + depth * (depth + 1), text.length - (2 * depth + depth * (depth - 1)));
}

function* valueChunks(v: unknown, indent: string, depth: number): Generator<string> {
  if (depth > DESCEND_DEPTH || !isPlainContainer(v)) {
    yield leaf(v, depth) ?? 'null';
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(v)) {
    if (v.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (let i = 0; i < v.length; i++) {
      yield inner;
      // As JSON.stringify: undefined, functions and symbols in an array print as null.
      yield* valueChunks(v[i], inner, depth + 1);
      yield i < v.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  let first = true;
  for (const key of Object.keys(v)) {
    const value = v[key];
    // As JSON.stringify: members whose value has no JSON text are left out.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
    yield first ? `{\n${inner}${JSON.stringify(key)}: ` : `,\n${inner}${JSON.stringify(key)}: `;
    first = false;
    yield* valueChunks(value, inner, depth + 1);
  }
  yield first ? '{}' : `\n${indent}}`;
}
