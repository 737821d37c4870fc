/**
 * Streaming JSON for the whole-document log formats (Azure NSG/VNet flow logs, GCP firewall
 * logs exported as an array or pretty-printed): stream-json's tokenizer feeds a path-tracking
 * walker, and a format asks for only the sub-trees it wants assembled (one flow tuple, one log
 * entry). Memory is bounded by the largest assembled sub-tree, never by the document.
 *
 * Tokens carry no offsets, so the text is fed one line at a time (a long line in pieces) and
 * each token is stamped with the line it was read on — exact for pretty-printed documents, and
 * line 1 for the usual one-line blob.
 *
 * stream-json 2.x: `parser()` is an async generator function over text pieces that yields
 * SAX-like tokens (`startObject`, `keyValue`, `stringValue`, `numberValue`, ...).
 */
import makeParser from 'stream-json/parser.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
export type PathStep = string | number;

/** Where the walker is. The arrays are the walker's own (reused): copy what you keep. */
export interface JsonWalkContext {
  /** Steps from the current root value down to the value being reported. */
  readonly path: readonly PathStep[];
  /** 0-based index of the root value (several root values follow each other in JSON streaming). */
  readonly root: number;
  /** 1-based line the value's first token was read on. */
  readonly line: number;
}

export interface JsonWalkHandler {
  /**
   * At the start of an object or array at `ctx.path`: return true to receive it whole through
   * `value`; false to walk into it (its members come one by one, then `end`).
   */
  assemble(ctx: JsonWalkContext, kind: 'object' | 'array'): boolean;
  /** A scalar, or a container that `assemble` asked for, at `ctx.path`. */
  value(ctx: JsonWalkContext, value: JsonValue): void;
  /** A container that was walked (not assembled) ends; `ctx.path` is its path. */
  end?(ctx: JsonWalkContext): void;
}

/**
 * A syntax error of the document, or a limit it went past, with the line it was found on.
 * `code` is `json-syntax`, or the limit's name (`limit-json-depth`, `limit-json-string`,
 * `limit-json-record`) for documents built to exhaust memory (docs/security.md).
 */
export class JsonSyntaxError extends Error {
  readonly line: number;
  readonly code: string;
  constructor(message: string, line: number, code = 'json-syntax') {
    super(message);
    this.name = 'JsonSyntaxError';
    this.line = line;
    this.code = code;
  }
}

/**
 * Limits of the walker (docs/security.md). Without them a document of nested brackets grows the
 * walker's and the tokenizer's stacks by one entry per byte, one long string is held whole, and an
 * assembled sub-tree is as large as the document. Real flow logs nest under 10 deep, their strings
 * are short, and one assembled entry holds a few dozen values.
 */
export const MAX_JSON_DEPTH = 128;
/** Longest string, object key or number, in characters. */
export const MAX_JSON_STRING_CHARS = 1024 * 1024;
/** Most values (scalars and containers) in one sub-tree assembled for a handler. */
export const MAX_ASSEMBLED_VALUES = 100_000;

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

/** JSON path text for messages: `records[3].properties.flows[0]`. */
export function formatJsonPath(path: readonly PathStep[], root = 0, rootPrefix = false): string {
  let out = rootPrefix ? `$${root}` : '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out.length === 0 ? step : `.${step}`;
  }
  return out.length === 0 ? '$' : out;
}

/**
 * Walks every JSON value in `chunks` (one document, or several values one after another).
 * Throws `JsonSyntaxError` on a syntax error or a document cut short; what was reported before
 * the error stands.
 */
/**
 * `walkJson` for a log document: a syntax error, or a limit the document went past, ends the
 * walk as one bad record (its code, its message, and the line where reading stopped) instead of
 * an exception; what was walked before it stays read.
 */
export async function walkJsonDocument(
  chunks: AsyncIterable<Buffer>,
  handler: JsonWalkHandler,
  bad: (code: string, message: string, where: string) => void,
): Promise<void> {
  try {
    await walkJson(chunks, handler);
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    // e.code: `json-syntax`, or a `limit-json-*` limit the document went past.
    bad(e.code, `${e.message}; the rest of the document was not read`, String(e.line));
  }
}

export async function walkJson(chunks: AsyncIterable<Buffer>, handler: JsonWalkHandler): Promise<void> {
  // Strings, keys and numbers arrive in chunks (not packed by the tokenizer, which would hold a
  // string of any length whole): `gathered` below collects them up to MAX_JSON_STRING_CHARS.
  const parse = makeParser({ packKeys: false, packStrings: false, packNumbers: false, streamValues: true, jsonStreaming: true });
  const decoder = new TextDecoder('utf-8');

  // Walk state, one entry per open container that is walked (not assembled): whether it is an
  // array, the next index in it, and the line it began on. `path` has one step per open container
  // below the root, plus the step of the value being reported while it is reported.
  const path: PathStep[] = [];
  const isArray: boolean[] = [];
  const nextIndex: number[] = [];
  const startLine: number[] = [];
  let pendingKey = '';
  let root = 0;
  let line = 1;
  let valueLine = 1;
  const ctx = {
    path,
    get root(): number {
      return root;
    },
    get line(): number {
      return valueLine;
    },
  };

  // Assembly state: `assembling` while a container asked for by `assemble` is being built.
  let assembling = false;
  const asmStack: JsonValue[] = [];
  const asmKeys: (string | null)[] = [];
  let asmKey: string | null = null;
  /** Values in the sub-tree being assembled (MAX_ASSEMBLED_VALUES). */
  let asmValues = 0;
  /** The string, key or number being gathered from its chunks. */
  let gathered = '';

  const gather = (chunk: string): void => {
    if (gathered.length + chunk.length > MAX_JSON_STRING_CHARS) {
      throw new JsonSyntaxError(`JSON string or number longer than ${MAX_JSON_STRING_CHARS} characters`, line, 'limit-json-string');
    }
    gathered += chunk;
  };

  const stepForValue = (): void => {
    const d = isArray.length;
    if (d === 0) return;
    if (isArray[d - 1] === true) {
      path.push(nextIndex[d - 1]!);
      nextIndex[d - 1]!++;
    } else path.push(pendingKey);
  };

  const asmAdd = (v: JsonValue): void => {
    if (++asmValues > MAX_ASSEMBLED_VALUES) {
      throw new JsonSyntaxError(`JSON record of more than ${MAX_ASSEMBLED_VALUES} values`, line, 'limit-json-record');
    }
    const parent = asmStack[asmStack.length - 1];
    if (Array.isArray(parent)) parent.push(v);
    else if (parent !== undefined && parent !== null && typeof parent === 'object') parent[asmKey ?? ''] = v;
  };

  /** After a container's value or end was reported: drop its step (or count a finished root value). */
  const leaveContainer = (): void => {
    if (isArray.length > 0) path.pop();
    else root++;
  };

  const closeContainer = (): void => {
    if (assembling) {
      const done = asmStack.pop()!;
      asmKey = asmKeys.pop() ?? null;
      if (asmStack.length > 0) return; // already attached to its parent when it opened
      assembling = false;
      isArray.pop();
      nextIndex.pop();
      valueLine = startLine.pop() ?? line;
      handler.value(ctx, done);
      leaveContainer();
      return;
    }
    isArray.pop();
    nextIndex.pop();
    valueLine = startLine.pop() ?? line;
    handler.end?.(ctx);
    leaveContainer();
  };

  const openContainer = (array: boolean): void => {
    if (isArray.length + asmStack.length >= MAX_JSON_DEPTH) {
      throw new JsonSyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, line, 'limit-json-depth');
    }
    if (assembling) {
      const c: JsonValue = array ? [] : {};
      asmAdd(c);
      asmKeys.push(asmKey);
      asmKey = null;
      asmStack.push(c);
      return;
    }
    valueLine = line;
    stepForValue();
    isArray.push(array);
    nextIndex.push(0);
    startLine.push(line);
    if (handler.assemble(ctx, array ? 'array' : 'object')) {
      assembling = true;
      asmValues = 0;
      asmKeys.push(null);
      asmKey = null;
      asmStack.push(array ? [] : {});
    }
  };

  const scalar = (v: JsonValue): void => {
    if (assembling) {
      asmAdd(v);
      return;
    }
    valueLine = line;
    const before = path.length;
    stepForValue();
    handler.value(ctx, v);
    if (path.length > before) path.pop();
    if (isArray.length === 0) root++;
  };

  const onToken = (t: Token): void => {
    switch (t.name) {
      case 'startObject':
        openContainer(false);
        break;
      case 'startArray':
        openContainer(true);
        break;
      case 'endObject':
      case 'endArray':
        closeContainer();
        break;
      case 'startKey':
      case 'startString':
      case 'startNumber':
        gathered = '';
        break;
      case 'stringChunk':
      case 'numberChunk':
        gather(String(t.value));
        break;
      case 'endKey':
        if (assembling) asmKey = gathered;
        else pendingKey = gathered;
        gathered = '';
        break;
      case 'endString':
        scalar(gathered);
        gathered = '';
        break;
      case 'endNumber':
        scalar(Number(gathered));
        gathered = '';
        break;
      case 'nullValue':
        scalar(null);
        break;
      case 'trueValue':
        scalar(true);
        break;
      case 'falseValue':
        scalar(false);
        break;
      default:
        break;
    }
  };

  const feed = async (piece: string): Promise<void> => {
    try {
      // The published typings describe the inner tokenizer (returns `Many<Token>` or `none`);
      // at run time `parser()` is wrapped by stream-chain's `gen()` and returns an async
      // iterator. Accept both shapes.
      const out: unknown = parse(piece);
      if (isAsyncIterable(out)) {
        for await (const t of out) if (isToken(t)) onToken(t);
      } else if (typeof out === 'object' && out !== null && 'values' in out && Array.isArray(out.values)) {
        for (const t of out.values as unknown[]) if (isToken(t)) onToken(t);
      }
    } catch (e) {
      if (e instanceof JsonSyntaxError) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      throw new JsonSyntaxError(msg.replace(/^Parser /, 'JSON parser '), line);
    }
  };

  const feedText = async (text: string): Promise<void> => {
    let start = 0;
    while (start < text.length) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        await feed(text.slice(start));
        return;
      }
      await feed(text.slice(start, nl + 1));
      line++;
      start = nl + 1;
    }
  };

  for await (const chunk of chunks) await feedText(decoder.decode(chunk, { stream: true }));
  const rest = decoder.decode();
  // A trailing newline ends a number that closes the input (the tokenizer waits for a delimiter).
  await feedText(rest + '\n');
  if (isArray.length > 0 || assembling) {
    throw new JsonSyntaxError(`JSON document cut short (${isArray.length} container(s) still open)`, line);
  }
}

/** Decodes chunks into lines (LF or CRLF), 1-based numbers; a line longer than `maxChars` is reported cut. */
export async function* jsonLines(
  chunks: AsyncIterable<Buffer>,
  maxChars = 16 * 1024 * 1024,
): AsyncGenerator<{ text: string; line: number; tooLong: boolean }> {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let skipping = false;
  let line = 0;
  const take = (raw: string): { text: string; line: number; tooLong: boolean } => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    return { text, line, tooLong: false };
  };
  for await (const chunk of chunks) {
    const text = carry + decoder.decode(chunk, { stream: true });
    carry = '';
    let start = 0;
    while (true) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (skipping) {
        skipping = false;
        line++;
        yield { text: '', line, tooLong: true };
      } else yield take(text.slice(start, nl));
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (skipping) continue;
    if (rest.length > maxChars) {
      skipping = true;
      continue;
    }
    carry = rest;
  }
  const last = carry + decoder.decode();
  if (skipping) {
    line++;
    yield { text: '', line, tooLong: true };
  } else if (last.length > 0) yield take(last);
}

/** Type guard for a plain JSON object. */
export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[key]` when it is a string. */
export function str(obj: JsonObject | undefined, key: string): string | undefined {
  const v = obj?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** `obj[key]` when it is an object. */
export function obj(o: JsonObject | undefined, key: string): JsonObject | undefined {
  const v = o?.[key];
  return isJsonObject(v) ? v : undefined;
}

/** `obj[key]` as text: strings as they are, finite numbers in decimal; undefined otherwise. */
export function text(o: JsonObject | undefined, key: string): string | undefined {
  const v = o?.[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `obj[key]` as a non-negative integer (numbers, or decimal strings); undefined otherwise. */
export function int(o: JsonObject | undefined, key: string): number | undefined {
  const v = o?.[key];
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return undefined;
}

/**
 * Reads the first chunks of a stream until `enough(text so far)` or `maxBytes`, and returns that
 * text with an iterable that replays those chunks before the rest (the stream is iterated once).
 */
export async function peekChunks(
  chunks: AsyncIterable<Buffer>,
  enough: (text: string) => boolean,
  maxBytes = 1024 * 1024,
): Promise<{ head: string; all: AsyncIterable<Buffer> }> {
  const it = chunks[Symbol.asyncIterator]();
  const held: Buffer[] = [];
  let bytes = 0;
  let done = false;
  let head = '';
  while (bytes < maxBytes) {
    const r = await it.next();
    if (r.done === true) {
      done = true;
      break;
    }
    held.push(r.value);
    bytes += r.value.length;
    head = new TextDecoder('utf-8').decode(Buffer.concat(held));
    if (enough(head)) break;
  }
  async function* all(): AsyncGenerator<Buffer> {
    for (const c of held) yield c;
    if (done) return;
    while (true) {
      const r = await it.next();
      if (r.done === true) return;
      yield r.value;
    }
  }
  return { head, all: all() };
}
