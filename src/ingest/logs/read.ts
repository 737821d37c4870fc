/**
 * Reads one log input into observations: frames its bytes into lines (framing.ts), picks the
 * format (sniffing the first lines, or `forceFormat`), hands each line to the format's parser and
 * counts what came back. A bad line is a counted anomaly with its line number; it never stops
 * the run. A file no format recognises is an `InputError` naming the formats tried (exit 2).
 *
 * Choosing the format, from the first 200 lines of the head (up to 64 KiB):
 * - every line format sniffs every line; each line is won by the highest score (registry order
 *   breaks ties); document formats (one JSON document per file) sniff the head as a whole;
 * - the format that won most lines is chosen; a document format is chosen instead when its score
 *   is at least the best line score;
 * - when the chosen format is `interleaved` (syslog-borne: iptables, ASA, ...), the file is read
 *   line by line with dispatch: each line goes to the interleaved format that claims it, so a
 *   central syslog file with iptables, ASA and unrelated lines reads as all of them; a format first
 *   seen after the head is still picked up. Lines no format claims are skipped.
 * - a head of syslog lines that no format claims (kern.log often opens with boot messages) is read
 *   the same way; the file is only declared unrecognised if no line at all was claimed.
 */
import type { Observation } from '../../model.js';
import type { AnomalyLog } from '../../anomalies.js';
import type { OpenedInput } from '../open.js';
import { InputError, UsageError } from '../../errors.js';
import type { DocumentFormat, LineContext, LineFormat, LineResult, LogOptions } from './format.js';
import { LineFramer, headLines } from './framing.js';
import { logFormatNames, logFormats } from './registry.js';
import { SyslogHeaderParser, newSyslogHeader } from './syslog.js';

export interface LogStats {
  /** The format chosen: a registry name, `a+b` for an interleaved file that held several, `empty` for an empty input. */
  format: string;
  /** Each format that read lines, with how many (registry order). */
  formats: Array<{ name: string; lines: number }>;
  lines: number;
  observations: number;
  badLines: number;
  /** Lines that are not about a flow (headers, comments, syslog noise, non-traffic events), and blank lines. */
  skipped: number;
  /** Lines longer than the maximum, skipped and counted (`line-too-long`). */
  tooLong: number;
  /** Bad lines by reason code, with the first few line numbers (sorted by code). */
  badReasons: Array<{ code: string; count: number; lines: number[] }>;
}

export interface ReadLogOptions extends LogOptions {
  /** A registry name that overrides sniffing (`--input-format`). */
  forceFormat?: string;
  /** Longest line read, in bytes (64 KiB by default); longer lines are skipped and counted. */
  maxLineBytes?: number;
}

const SNIFF_LINES = 200;
const HEAD_BYTES = 64 * 1024;
const EXAMPLE_LINES = 5;

/** What sniffing decided: one line format, interleaved dispatch (from a format, or none yet), a document format, or nothing. */
export type Choice =
  | { kind: 'single'; format: LineFormat }
  | { kind: 'interleaved'; format: LineFormat | undefined }
  | { kind: 'document'; format: DocumentFormat }
  | { kind: 'none' };

/** Picks the format from the head of an input (see the file comment). Exported for tests and `--explain`. */
export function sniffLogFormat(head: Buffer, complete: boolean): Choice & { scores: Array<{ name: string; wins: number; best: number }> } {
  const lines = headLines(head, complete, SNIFF_LINES * 4).filter((l) => l.trim().length > 0).slice(0, SNIFF_LINES);
  const lineFormats = logFormats.filter((f): f is LineFormat => f.kind === 'lines');
  const wins = new Array<number>(lineFormats.length).fill(0);
  const best = new Array<number>(lineFormats.length).fill(0);
  for (const line of lines) {
    let top = 0;
    let topIndex = -1;
    for (let i = 0; i < lineFormats.length; i++) {
      const score = safeSniff(lineFormats[i]!, line);
      if (score > top) {
        top = score;
        topIndex = i;
      }
    }
    if (topIndex >= 0) {
      wins[topIndex]!++;
      if (top > best[topIndex]!) best[topIndex] = top;
    }
  }
  let chosen = -1;
  for (let i = 0; i < lineFormats.length; i++) {
    if (wins[i]! === 0) continue;
    if (chosen < 0 || wins[i]! > wins[chosen]! || (wins[i]! === wins[chosen]! && best[i]! > best[chosen]!)) chosen = i;
  }
  let doc: DocumentFormat | undefined;
  let docScore = 0;
  const headText = head.toString('utf8');
  for (const f of logFormats) {
    if (f.kind !== 'json-document') continue;
    let score = 0;
    try {
      score = f.sniffDocument(headText);
    } catch {
      score = 0;
    }
    if (score > docScore) {
      docScore = score;
      doc = f;
    }
  }
  const scores = lineFormats.map((f, i) => ({ name: f.name, wins: wins[i]!, best: best[i]! })).filter((s) => s.wins > 0);
  if (doc !== undefined && (chosen < 0 || docScore >= best[chosen]!)) return { kind: 'document', format: doc, scores };
  if (chosen >= 0) {
    const f = lineFormats[chosen]!;
    return f.interleaved === true ? { kind: 'interleaved', format: f, scores } : { kind: 'single', format: f, scores };
  }
  // Nothing claimed a line: still a syslog file (boot messages first)? Read it with dispatch.
  const probe = new SyslogHeaderParser({ prefixActions: [], assumeYear: 2000, utcOffsetMinutes: 0 });
  const h = newSyslogHeader();
  let stamped = 0;
  for (const line of lines) {
    probe.parse(line, h);
    if (h.time !== 'none') stamped++;
  }
  if (lines.length > 0 && stamped * 2 >= lines.length) return { kind: 'interleaved', format: undefined, scores };
  return { kind: 'none', scores };
}

/**
 * The year of a log's RFC 3164 stamps, which have none: the year of the first stamp among its
 * first lines that states one (an ASA with `logging timestamp`, ISO 8601 or RFC 5424 lines mixed
 * with kernel lines); else `fallback`, or when that is the current year and the first stamp's
 * month is still to come, the year before (a log of last December read in January).
 */
export function inferLogYear(head: Buffer, complete: boolean, fallback: number, now: Date): number {
  const probe = new SyslogHeaderParser({ prefixActions: [], assumeYear: 2000, utcOffsetMinutes: 0, yearGiven: true });
  const h = newSyslogHeader();
  let firstMonth = 0;
  for (const line of headLines(head, complete, YEAR_PROBE_LINES)) {
    probe.parse(line, h);
    if (h.time !== 'absolute') continue;
    const date = new Date(h.sec * 1000);
    if (h.yearStated) {
      const year = date.getUTCFullYear();
      if (year >= 1970 && year <= 9999) return year;
    } else if (firstMonth === 0) firstMonth = date.getUTCMonth() + 1;
  }
  if (firstMonth !== 0 && fallback === now.getUTCFullYear() && firstMonth > now.getUTCMonth() + 1) return fallback - 1;
  return fallback;
}

/** Lines of the head looked at for a stated year. */
const YEAR_PROBE_LINES = 2000;

function safeSniff(f: LineFormat, line: string): number {
  try {
    return f.sniff(line);
  } catch {
    return 0;
  }
}

function notRecognised(name: string): InputError {
  return new InputError('log-format-unknown', `${name}: not a recognised log format (tried: ${logFormatNames().join(', ')})`, { file: name });
}

/**
 * Reads `input` as a log, calling `emit` for every observation in order. Returns counts; bad
 * lines and over-long lines go to `anomalies`.
 */
export async function readLog(
  input: OpenedInput,
  options: ReadLogOptions,
  emit: (obs: Observation) => void,
  anomalies: AnomalyLog,
): Promise<LogStats> {
  const file = input.name;
  const logOptions: LogOptions = { prefixActions: options.prefixActions, assumeYear: options.assumeYear, utcOffsetMinutes: options.utcOffsetMinutes };
  if (options.yearGiven === true) logOptions.yearGiven = true;
  if (options.awsVpcFields !== undefined) logOptions.awsVpcFields = options.awsVpcFields;
  const stats: LogStats = { format: '', formats: [], lines: 0, observations: 0, badLines: 0, skipped: 0, tooLong: 0, badReasons: [] };
  const reasons = new Map<string, { code: string; count: number; lines: number[] }>();
  const noted = new Set<string>();
  const note = (code: string, message: string): void => {
    if (noted.has(code)) return;
    noted.add(code);
    anomalies.add({ code, message: `${file}: ${message}`, severity: 'warning', file });
  };
  const bad = (code: string, message: string, line: number | undefined, where: string): void => {
    stats.badLines++;
    let r = reasons.get(code);
    if (r === undefined) {
      r = { code, count: 0, lines: [] };
      reasons.set(code, r);
    }
    r.count++;
    if (line !== undefined && r.lines.length < EXAMPLE_LINES) r.lines.push(line);
    anomalies.add(
      line !== undefined
        ? { code: 'bad-log-line', message: `${file}:${where}: ${message}`, severity: 'warning', file, line }
        : { code: 'bad-log-line', message: `${file}:${where}: ${message}`, severity: 'warning', file },
    );
  };
  const finish = (): LogStats => {
    stats.badReasons = [...reasons.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return stats;
  };

  let choice: Choice;
  if (options.forceFormat !== undefined) {
    const f = logFormats.find((x) => x.name === options.forceFormat);
    if (f === undefined) throw new UsageError(`unknown log format "${options.forceFormat}" (known: ${logFormatNames().join(', ')})`);
    choice = f.kind === 'json-document' ? { kind: 'document', format: f } : { kind: 'single', format: f };
  } else {
    if (input.kind === 'empty') {
      stats.format = 'empty';
      return finish();
    }
    if (input.kind !== 'text') throw notRecognised(file);
    choice = sniffLogFormat(input.head, input.head.length < HEAD_BYTES);
    if (choice.kind === 'none') throw notRecognised(file);
  }

  if (choice.kind === 'document') {
    const f = choice.format;
    stats.format = f.name;
    try {
      await f.readDocument(
        input.chunks(),
        { file, options: logOptions },
        (obs) => {
          stats.observations++;
          emit(obs);
        },
        (code, message, where) => bad(code, message, undefined, where),
      );
    } catch (e) {
      // Input errors (a damaged gzip stream) are the caller's; anything else is a reader bug that
      // must not lose what was read: `parser-error`, as for lines.
      if (e instanceof InputError) throw e;
      bad('parser-error', `document could not be read further (${e instanceof Error ? e.message : String(e)})`, undefined, 'document');
    }
    stats.formats = [{ name: f.name, lines: stats.observations }];
    return finish();
  }

  if (logOptions.yearGiven !== true && input.kind === 'text') logOptions.assumeYear = inferLogYear(input.head, input.head.length < HEAD_BYTES, logOptions.assumeYear, new Date());
  const ctx: LineContext = { file, line: 0, options: logOptions };
  // A line with no time at all (no syslog header, no time field) is dated 0, the epoch: say so once.
  const emitLine = (o: Observation): void => {
    if (o.tsSec === 0 && o.tsNsec === 0) note('log-time-missing', `some lines carry no date or time (line ${o.evidence.line ?? '?'} is the first): their flows are dated 1970-01-01`);
    emit(o);
  };
  const handle = (r: LineResult, lineNumber: number): void => {
    if (Array.isArray(r)) {
      for (const o of r) emitLine(o);
      stats.observations += r.length;
    } else if ('error' in r) {
      bad(r.code, r.error, lineNumber, String(lineNumber));
    } else if ('skip' in r) {
      stats.skipped++;
    } else {
      stats.observations++;
      emitLine(r);
    }
  };
  const parserContext = { file, options: logOptions, note };

  let onLine: (line: string, lineNumber: number) => void;
  let counts: number[];
  let names: string[];
  if (choice.kind === 'single') {
    const f = choice.format;
    const parse = f.createParser(parserContext);
    names = [f.name];
    counts = [0];
    onLine = (line, lineNumber) => {
      if (line.length === 0) {
        stats.skipped++;
        return;
      }
      ctx.line = lineNumber;
      counts[0]!++;
      handle(parse(line, ctx), lineNumber);
    };
  } else {
    // Interleaved dispatch over every interleaved format. The format of the previous line parses
    // first (consecutive lines usually come from one device, and a parser rejects a foreign line
    // as cheaply as a sniff would); when it skips the line, the other formats sniff it and the
    // highest score parses it.
    const formats = logFormats.filter((f): f is LineFormat => f.kind === 'lines' && f.interleaved === true);
    names = formats.map((f) => f.name);
    counts = new Array<number>(formats.length).fill(0);
    const parsers: Array<((line: string, c: LineContext) => LineResult) | undefined> = new Array(formats.length).fill(undefined);
    const parserOf = (i: number): ((line: string, c: LineContext) => LineResult) => {
      let parse = parsers[i];
      if (parse === undefined) {
        parse = formats[i]!.createParser(parserContext);
        parsers[i] = parse;
      }
      return parse;
    };
    let last = choice.format === undefined ? -1 : formats.indexOf(choice.format);
    onLine = (line, lineNumber) => {
      if (line.length === 0) {
        stats.skipped++;
        return;
      }
      ctx.line = lineNumber;
      if (last >= 0) {
        const r = parserOf(last)(line, ctx);
        if (!('skip' in r) || formats[last]!.sniff(line) > 0) {
          counts[last]!++;
          handle(r, lineNumber);
          return;
        }
      }
      // A score of 50 or more is a marker only that format prints: no need to ask the others.
      let which = -1;
      let top = 0;
      for (let i = 0; i < formats.length && top < 50; i++) {
        if (i === last) continue;
        const score = formats[i]!.sniff(line);
        if (score > top) {
          top = score;
          which = i;
        }
      }
      if (which < 0) {
        stats.skipped++;
        return;
      }
      last = which;
      counts[which]!++;
      handle(parserOf(which)(line, ctx), lineNumber);
    };
  }

  const framer = new LineFramer({
    ...(options.maxLineBytes !== undefined ? { maxLineBytes: options.maxLineBytes } : {}),
    // A parser that throws on a hostile line is a bug, but it must not lose the rest of the file
    // (as `decoder-error` for captures): the line is counted as `parser-error` with its number.
    onLine: (line, lineNumber) => {
      try {
        onLine(line, lineNumber);
      } catch (e) {
        bad('parser-error', `line could not be parsed (${e instanceof Error ? e.message : String(e)})`, lineNumber, String(lineNumber));
      }
    },
    onTooLong: (lineNumber, bytes) => {
      stats.tooLong++;
      anomalies.add({
        code: 'line-too-long',
        message: `${file}:${lineNumber}: line longer than ${options.maxLineBytes ?? 65536} bytes (${bytes} bytes seen) skipped`,
        severity: 'warning',
        file,
        line: lineNumber,
      });
    },
  });
  // Transient: the framer decodes lines to strings and copies only the partial last line.
  for await (const chunk of input.chunks({ transient: true })) framer.push(chunk);
  framer.end();
  stats.lines = framer.lines;

  const used: Array<{ name: string; lines: number }> = [];
  for (let i = 0; i < names.length; i++) if (counts[i]! > 0) used.push({ name: names[i]!, lines: counts[i]! });
  stats.formats = used;
  if (choice.kind === 'interleaved') {
    if (used.length === 0) throw notRecognised(file);
    stats.format = used.map((u) => u.name).join('+');
  } else {
    stats.format = names[0]!;
  }
  return finish();
}
