/**
 * Reads a saved JSON report (report/types.ts; `analyze --format json`, `audit --format json`) as a
 * stream: stream-json's tokenizer (RFC 8259 JSON) feeds a walker that assembles the small
 * top-level fields whole, takes the `services` array one row at a time (each row checked and cut
 * down to a `ServiceSummary` as soon as it ends), and skips what drift does not use (`findings`,
 * `timeline`, unknown fields). Memory is bounded by the number of services, not by the file size:
 * the tokenizer packs nothing, so strings, keys and numbers arrive in chunks of at most 256
 * characters; they are gathered here up to MAX_REPORT_STRING_CHARS, or dropped as they stream when
 * they lie in a part drift skips. No single value is ever held whole before it can be refused.
 *
 * Every problem is an `InputError` naming the file: not JSON, JSON cut short, not a portolan
 * report, a `schemaVersion` newer than this portolan reads, a required field missing or of the
 * wrong type. Reports of older schema versions are upgraded (schema.ts) before they are checked.
 *
 * Only this file (through ingest/open.ts) touches the file system for drift.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import makeParser from 'stream-json/parser.js';
import { InputError } from '../errors.js';
import { openInput } from '../ingest/open.js';
import { CURRENT_SCHEMA_VERSION, SchemaViolation, checkHeader, isObject, toServiceSummary, upgradesFrom } from './schema.js';
import type { JsonObject, JsonValue, RawHeader } from './schema.js';
import type { LoadedReport, ServiceSummary } from './types.js';

/** Deepest nesting accepted anywhere in a report (a v1 report nests 5 deep). */
export const MAX_REPORT_DEPTH = 64;
/** Most JSON tokens in one assembled value (one service row or one top-level field). */
export const MAX_VALUE_TOKENS = 4_000_000;
/**
 * Longest string, key or number drift assembles, in characters (1 MiB). Report strings are service
 * keys, addresses, rule ids, reasons and file names: a few hundred characters at most.
 */
export const MAX_REPORT_STRING_CHARS = 1024 * 1024;
/** Text fed to the tokenizer at a time, cut at a line end when there is one (locates syntax errors). */
const PIECE_CHARS = 16 * 1024;

/** Top-level fields read whole. Everything else but `services` and `schemaVersion` is skipped. */
const ASSEMBLED = new Set(['tool', 'command', 'ordering', 'generatedFrom', 'catalog', 'inventory', 'params', 'totals', 'coverage', 'limits', 'anomalies']);

export interface ReadReportOptions {
  stdin?: Readable;
}

/** Opens and reads a report file (`-` for standard input, gzip read transparently). */
export async function readReport(path: string, options: ReadReportOptions = {}): Promise<LoadedReport> {
  const input = await openInput(path, options.stdin === undefined ? {} : { stdin: options.stdin });
  try {
    if (input.kind === 'empty') throw new InputError('report-empty', `${input.name}: empty file, not a portolan report`, { file: input.name });
    if (input.kind === 'pcap' || input.kind === 'pcapng') {
      throw new InputError(
        'report-not-json',
        `${input.name}: a ${input.kind} capture, not a report; make one with \`portolan analyze ${input.name} --format json --output report.json\``,
        { file: input.name },
      );
    }
    return await readReportChunks(input.name, input.chunks());
  } finally {
    input.close();
  }
}

/** The `.json` and `.json.gz` files of a folder, sorted by name. */
export function listReportFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new InputError('history-not-directory', `${dir}: not a directory`, { file: dir });
    names = readdirSync(dir);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('history-unreadable', `${dir}: ${code === 'ENOENT' ? 'no such directory' : `cannot read (${code ?? String(e)})`}`, { file: dir });
  }
  return names
    .filter((n) => /\.json(?:\.gz)?$/i.test(n))
    .sort()
    .map((n) => join(dir, n));
}

interface Token {
  name: string;
  value?: unknown;
}

function isToken(t: unknown): t is Token {
  return typeof t === 'object' && t !== null && 'name' in t && typeof t.name === 'string';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v;
}

/**
 * stream-json's `parser()` is a stream-chain `gen` of two functions (UTF-8 repair, then the
 * tokenizer), listed in its `fList` (marked by stream-chain's `object-stream.fList` symbol). The tokenizer is
 * synchronous and takes text (the repair passes text through unchanged): called directly, its
 * tokens come as one array per piece (`{ values }`) instead of one promise each, which reads a
 * report about twice as fast. Undefined when the pipeline is not of that shape (the caller then
 * uses the pipeline as it is).
 */
function innerTokenizer(pipeline: unknown): ((piece: string | symbol) => unknown) | undefined {
  if (typeof pipeline !== 'function') return undefined;
  if (!(Symbol.for('object-stream.fList') in pipeline) || !('fList' in pipeline)) return undefined;
  const list: unknown = pipeline.fList;
  if (!Array.isArray(list) || list.length !== 2) return undefined;
  const tokenizer: unknown = list[1];
  return typeof tokenizer === 'function' ? (tokenizer as (piece: string | symbol) => unknown) : undefined;
}

/** A JSON value being built from tokens, with the nesting and size limits. */
class Assembly {
  private readonly stack: JsonValue[] = [];
  private readonly keys: Array<string | null> = [];
  private key: string | null = null;
  tokens = 0;
  done = false;
  value: JsonValue = null;

  /** Feeds one token of the value; `depthBefore` is the document depth the value starts at. */
  push(t: Token, depthBefore: number): void {
    if (++this.tokens > MAX_VALUE_TOKENS) throw new LimitError(`a value of more than ${MAX_VALUE_TOKENS} JSON tokens`);
    switch (t.name) {
      case 'startObject':
      case 'startArray': {
        if (depthBefore + this.stack.length >= MAX_REPORT_DEPTH) throw new LimitError(`JSON nested deeper than ${MAX_REPORT_DEPTH}`);
        const c: JsonValue = t.name === 'startArray' ? [] : {};
        this.add(c);
        this.keys.push(this.key);
        this.key = null;
        this.stack.push(c);
        return;
      }
      case 'endObject':
      case 'endArray': {
        const c = this.stack.pop() ?? null;
        this.key = this.keys.pop() ?? null;
        if (this.stack.length === 0) this.finish(c);
        return;
      }
      case 'keyValue':
        this.key = String(t.value);
        return;
      case 'stringValue':
        this.add(String(t.value));
        return;
      case 'numberValue':
        this.add(Number(t.value));
        return;
      case 'nullValue':
        this.add(null);
        return;
      case 'trueValue':
        this.add(true);
        return;
      case 'falseValue':
        this.add(false);
        return;
      default:
        return;
    }
  }

  private add(v: JsonValue): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined) {
      if (typeof v !== 'object' || v === null) this.finish(v);
      return;
    }
    if (Array.isArray(parent)) parent.push(v);
    else if (isObject(parent)) {
      const k = this.key ?? '';
      // `__proto__` as a key must stay an ordinary property, never set the object's prototype.
      if (k === '__proto__') Object.defineProperty(parent, k, { value: v, enumerable: true, writable: true, configurable: true });
      else parent[k] = v;
    }
  }

  private finish(v: JsonValue): void {
    this.done = true;
    this.value = v;
  }
}

class LimitError extends Error {
  /** Said after the place the limit was reached (`in services[3]`), e.g. where the value begins. */
  readonly detail: string;
  constructor(message: string, detail = '') {
    super(message);
    this.detail = detail;
  }
}

/** What the walker is doing with the value at the top level it is inside. */
type Mode =
  | { kind: 'skip'; depth: number }
  | { kind: 'assemble'; field: string; asm: Assembly }
  | { kind: 'services'; index: number; row: Assembly | null }
  | { kind: 'idle' };

/**
 * Reads a report from decompressed chunks. `name` is used in every message.
 * Throws `InputError` for every problem; never anything else for bad input.
 */
export async function readReportChunks(name: string, chunks: AsyncIterable<Buffer>): Promise<LoadedReport> {
  const fail = (code: string, problem: string): InputError => new InputError(code, `${name}: ${problem}`, { file: name });
  // jsonStreaming: a second root value is tokens, not a syntax error, so "more JSON after the
  // report" (NDJSON given by mistake) can be told apart from damage.
  // The published typings take text only; at run time the parser is a stream-chain flushable that
  // takes stream-chain's `none` (a registered symbol) to flush what it still holds at the end.
  // packValues false: strings, keys and numbers come as chunks (see `onRawToken`), never whole.
  const pipeline = makeParser({ packKeys: false, packStrings: false, packNumbers: false, streamValues: true, jsonStreaming: true }) as unknown as (
    piece: string | symbol,
  ) => unknown;
  const parse = innerTokenizer(pipeline) ?? pipeline;
  const decoder = new TextDecoder('utf-8');

  // Walker state. `depth` counts open containers of the document.
  let depth = 0;
  let rootKind: 'none' | 'object' | 'closed' = 'none';
  let key = '';
  let mode: Mode = { kind: 'idle' };
  const header: RawHeader = {};
  let version: number | undefined;
  let servicesSeen = false;
  const pending: JsonObject[] = [];
  const services = new Map<string, ServiceSummary>();
  const firstIndex = new Map<string, number>();
  let headText = '';

  const where = (): string => {
    if (mode.kind === 'services') return `services[${mode.index}]`;
    if (mode.kind === 'assemble') return mode.field;
    if (mode.kind === 'skip') return key;
    return rootKind === 'object' ? 'the top-level object' : 'the document';
  };

  const addService = (raw: JsonValue, index: number): void => {
    let row = raw;
    if (isObject(row)) for (const u of upgradesFrom(version ?? CURRENT_SCHEMA_VERSION)) row = u.service(row);
    const s = toServiceSummary(row, `services[${index}]`);
    const before = firstIndex.get(s.key);
    if (before !== undefined) throw new SchemaViolation(`services[${index}].key`, `duplicate key ${JSON.stringify(s.key)} (also services[${before}])`);
    firstIndex.set(s.key, index);
    services.set(s.key, s);
  };

  const takeRow = (raw: JsonValue, index: number): void => {
    if (version === undefined) {
      // schemaVersion comes first in reports portolan writes; a reordered file is read in full first.
      if (!isObject(raw)) throw new SchemaViolation(`services[${index}]`, 'expected a service object');
      pending.push(raw);
    } else addService(raw, index);
  };

  const setVersion = (v: JsonValue): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw fail('report-not-portolan', `not a portolan report (schemaVersion is ${JSON.stringify(v)}, not a version number)`);
    }
    if (v > CURRENT_SCHEMA_VERSION) {
      throw fail(
        'report-version',
        `report schemaVersion ${v} is newer than this portolan reads (1 to ${CURRENT_SCHEMA_VERSION}); upgrade portolan to compare it`,
      );
    }
    version = v;
  };

  const onTopValueStart = (t: Token): void => {
    const opens = t.name === 'startObject' || t.name === 'startArray';
    if (key === 'schemaVersion') {
      if (opens) throw fail('report-not-portolan', 'not a portolan report (schemaVersion is not a number)');
      setVersion(t.name === 'numberValue' ? Number(t.value) : t.name === 'stringValue' ? String(t.value) : null);
      return;
    }
    if (key === 'services') {
      if (t.name !== 'startArray') throw new SchemaViolation('services', 'expected an array');
      if (servicesSeen) throw new SchemaViolation('services', 'appears twice');
      servicesSeen = true;
      mode = { kind: 'services', index: 0, row: null };
      depth++;
      return;
    }
    if (ASSEMBLED.has(key)) {
      const asm = new Assembly();
      asm.push(t, depth);
      if (asm.done) header[key] = asm.value;
      else {
        mode = { kind: 'assemble', field: key, asm };
        depth++;
      }
      return;
    }
    if (opens) {
      mode = { kind: 'skip', depth: depth + 1 };
      depth++;
    }
  };

  const onToken = (t: Token): void => {
    switch (mode.kind) {
      case 'assemble': {
        const m = mode;
        m.asm.push(t, depth);
        if (m.asm.done) {
          header[m.field] = m.asm.value;
          mode = { kind: 'idle' };
          depth--;
        }
        return;
      }
      case 'services': {
        const m = mode;
        if (m.row !== null) {
          m.row.push(t, depth);
          if (m.row.done) {
            takeRow(m.row.value, m.index++);
            m.row = null;
          }
          return;
        }
        if (t.name === 'endArray') {
          mode = { kind: 'idle' };
          depth--;
          return;
        }
        const asm = new Assembly();
        asm.push(t, depth);
        if (asm.done) takeRow(asm.value, m.index++);
        else m.row = asm;
        return;
      }
      case 'skip': {
        if (t.name === 'startObject' || t.name === 'startArray') {
          if (++depth > MAX_REPORT_DEPTH) throw new LimitError(`JSON nested deeper than ${MAX_REPORT_DEPTH}`);
        } else if (t.name === 'endObject' || t.name === 'endArray') {
          if (--depth < mode.depth) mode = { kind: 'idle' };
        }
        return;
      }
      case 'idle':
        break;
    }
    // Idle: at the top level, between fields of the root object (or before it).
    if (rootKind === 'none') {
      if (t.name === 'startObject') {
        rootKind = 'object';
        depth = 1;
        return;
      }
      throw fail('report-not-portolan', `not a portolan report (the document is ${tokenNoun(t)}, not an object)`);
    }
    if (rootKind === 'closed') {
      throw fail('report-not-portolan', `not a portolan report: more JSON after the report object${hint(headText) || '; drift reads one report per file'}`);
    }
    if (t.name === 'keyValue') {
      key = String(t.value);
      return;
    }
    if (t.name === 'endObject') {
      rootKind = 'closed';
      depth = 0;
      return;
    }
    onTopValueStart(t);
  };

  // Where the text being parsed is: the line and byte offset the current piece starts at, and
  // the byte offset after it (tokens carry no offsets, so a value is located to its piece).
  let line = 1;
  let pieceLine = 1;
  let pieceByte = 0;
  let bytesFed = 0;

  // Strings, keys and numbers being gathered from their chunks. `gathering` is false while one is
  // dropped as it streams (inside a value drift skips).
  const value: Token = { name: '', value: '' };
  let gathered = '';
  let gathering = true;
  let valueKind = 'string';
  let valueLine = 1;
  let valueByte = 0;

  const onRawToken = (t: Token): void => {
    switch (t.name) {
      case 'startKey':
      case 'startString':
      case 'startNumber':
        gathered = '';
        gathering = t.name === 'startKey' ? mode.kind !== 'skip' : wantsScalar();
        valueKind = t.name === 'startKey' ? 'key' : t.name === 'startString' ? 'string' : 'number';
        valueLine = pieceLine;
        valueByte = pieceByte;
        return;
      case 'stringChunk':
      case 'numberChunk': {
        if (!gathering) return;
        const chunk = String(t.value);
        if (gathered.length + chunk.length > MAX_REPORT_STRING_CHARS) {
          gathered = '';
          throw new LimitError(
            `a JSON ${valueKind} longer than ${MAX_REPORT_STRING_CHARS} characters`,
            ` (from byte ${valueByte} or later, line ${valueLine} or later; reading stopped at byte ${bytesFed})`,
          );
        }
        gathered += chunk;
        return;
      }
      case 'endKey':
      case 'endString':
      case 'endNumber':
        value.name = t.name === 'endKey' ? 'keyValue' : t.name === 'endString' ? 'stringValue' : 'numberValue';
        value.value = gathered;
        gathered = '';
        onToken(value);
        return;
      default:
        onToken(t);
    }
  };

  /** Whether the string or number starting now is kept: not inside a skipped value or an unknown top-level field. */
  const wantsScalar = (): boolean => {
    if (mode.kind === 'skip') return false;
    if (mode.kind !== 'idle' || rootKind !== 'object') return true;
    return key === 'schemaVersion' || key === 'services' || ASSEMBLED.has(key);
  };

  const feed = async (piece: string | symbol): Promise<void> => {
    const lineAtStart = line;
    const flushing = typeof piece === 'symbol';
    pieceLine = line;
    pieceByte = bytesFed;
    if (!flushing) bytesFed += Buffer.byteLength(piece, 'utf8');
    try {
      const out: unknown = parse(piece);
      // The published typings describe the inner tokenizer; at run time `parser()` returns an
      // async iterator of tokens (stream-chain's `gen`). Accept both shapes.
      if (isAsyncIterable(out)) {
        for await (const t of out) if (isToken(t)) onRawToken(t);
      } else if (typeof out === 'object' && out !== null && 'values' in out && Array.isArray(out.values)) {
        for (const t of out.values as unknown[]) if (isToken(t)) onRawToken(t);
      }
    } catch (e) {
      if (e instanceof InputError) throw e;
      if (e instanceof SchemaViolation) throw invalid(e);
      if (e instanceof LimitError) throw fail('report-limit', `${e.message} in ${where()}${e.detail}; not a report portolan wrote`);
      const msg = (e instanceof Error ? e.message : String(e)).replace(/^Parser /, 'JSON parser ');
      let lines = lineAtStart;
      if (!flushing) for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) === 10) lines++;
      const at = lines > lineAtStart + 1 ? `lines ${lineAtStart}-${lines}` : `line ${lineAtStart}`;
      if (rootKind === 'none') throw fail('report-not-json', `not JSON (${at}: ${msg})${hint(headText)}`);
      if (flushing && rootKind === 'object') throw truncated();
      throw fail('report-not-json', `not valid JSON in ${where()} (${at}: ${msg})`);
    }
    if (!flushing) for (let i = 0; i < piece.length; i++) if (piece.charCodeAt(i) === 10) line++;
  };

  const truncated = (): InputError =>
    fail('report-truncated', `report cut short: the JSON ends inside ${where()} (line ${line}); was the file still being written?`);

  const invalid = (e: SchemaViolation): InputError =>
    fail('report-invalid', `invalid portolan report (schemaVersion ${version ?? '?'}): ${e.message}`);

  const feedText = async (text: string): Promise<void> => {
    if (headText.length < 4096) headText += text.slice(0, 4096 - headText.length);
    let start = 0;
    while (start < text.length) {
      let end = Math.min(text.length, start + PIECE_CHARS);
      if (end < text.length) {
        const nl = text.lastIndexOf('\n', end - 1);
        if (nl >= start) end = nl + 1;
      }
      await feed(text.slice(start, end));
      start = end;
    }
  };

  try {
    let first = true;
    for await (const chunk of chunks) {
      // The decoder drops a byte-order mark; byte offsets count it.
      if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) bytesFed = 3;
      first = false;
      await feedText(decoder.decode(chunk, { stream: true }));
    }
  } catch (e) {
    if (e instanceof InputError && e.code === 'gzip-damaged') {
      throw fail('report-unreadable', `damaged gzip stream: the report cannot be read to its end (${where()})`);
    }
    if (e instanceof InputError) throw e;
    throw fail('report-unreadable', `cannot read the report (${e instanceof Error ? e.message : String(e)})`);
  }
  await feedText(decoder.decode());
  await feed(Symbol.for('object-stream.none'));

  if (rootKind === 'none') throw fail('report-empty', 'no JSON value: not a portolan report');
  if (rootKind !== 'closed') throw truncated();
  if (version === undefined) {
    throw fail('report-not-portolan', `not a portolan report (no schemaVersion)${hintForObject(header, servicesSeen)}`);
  }
  const tool = header['tool'];
  if (isObject(tool) && tool['name'] !== 'portolan') {
    throw fail('report-not-portolan', `not a portolan report (tool.name is ${JSON.stringify(tool['name'] ?? null)})`);
  }
  if (!servicesSeen) throw fail('report-invalid', `invalid portolan report (schemaVersion ${version}): services: missing`);

  try {
    let h = header;
    for (const u of upgradesFrom(version)) h = u.header(h);
    const checked = checkHeader(h);
    for (let i = 0; i < pending.length; i++) addService(pending[i]!, i);
    return {
      file: name,
      schemaVersion: version,
      ...checked,
      services,
    };
  } catch (e) {
    if (e instanceof SchemaViolation) throw invalid(e);
    throw e;
  }
}

function tokenNoun(t: Token): string {
  switch (t.name) {
    case 'startArray':
      return 'an array';
    case 'stringValue':
      return 'a string';
    case 'numberValue':
      return 'a number';
    case 'nullValue':
      return 'null';
    case 'trueValue':
    case 'falseValue':
      return 'a boolean';
    default:
      return 'not an object';
  }
}

/** What the start of a file that is not a JSON report looks like, as a hint for the message. */
function hint(head: string): string {
  const text = head.replace(/^\ufeff/, '').trimStart();
  const firstLine = text.split('\n', 1)[0] ?? '';
  if (/^<(?:!doctype|html)/i.test(text)) return '; it looks like an HTML report (drift reads `--format json` reports)';
  if (text.startsWith('#')) return '; it looks like a Markdown report (drift reads `--format json` reports)';
  if (text.startsWith('{')) {
    const lines = text.split('\n').filter((l) => l.trim().length > 0);
    if (lines.length > 1 && lines[1]!.trimStart().startsWith('{') && firstLine.trimEnd().endsWith('}')) {
      return '; it looks like NDJSON (one flow per line, `--format ndjson`): drift reads `--format json` reports';
    }
  }
  // A CSV header is short; the pattern backtracks over a long run of spaces, so it sees 2 KiB at most.
  if (firstLine.length <= 2048 && /^[\w" ]+(?:,[\w" ]+){2,}\s*$/.test(firstLine)) return '; it looks like CSV (drift reads `--format json` reports)';
  return '';
}

function hintForObject(header: RawHeader, servicesSeen: boolean): string {
  if (!servicesSeen && header['tool'] === undefined) return '';
  return '; was it written by `analyze --format json`?';
}
