/**
 * The contract of a log format (Vector's split: framing turns bytes into lines elsewhere; a
 * format sees one line, or one JSON value, and returns observations). Formats are pure: no I/O.
 */
import type { Observation } from '../../model.js';

/** Options a user can set that change how lines are read. */
export interface LogOptions {
  /**
   * Extra iptables/nftables log-prefix mappings (`--prefix-action "FW-IN-X=denied"`): a prefix
   * (case-insensitive substring) to an action. Checked before the built-in words.
   */
  prefixActions: ReadonlyArray<{ match: string; action: 'allowed' | 'denied' }>;
  /**
   * Year to assume for syslog timestamps without one (RFC 3164 `Mmm dd hh:mm:ss`). Unless
   * `yearGiven` is true, it is only the fallback: a file whose first lines carry a stamp with a
   * year (Cisco `Mmm dd yyyy hh:mm:ss`, ISO 8601 / RFC 5424, `dmesg -T`) gives its year to the
   * stamps without one, and a stamp with a year resets the year of the lines after it (see
   * `inferLogYear` in read.ts). The default is the current year, or the year before when the
   * file's first stamp names a month that is still to come.
   */
  assumeYear: number;
  /** `assumeYear` was chosen by the user (`--year`): used as is, never inferred from the input. */
  yearGiven?: boolean;
  /** Offset in minutes east of UTC for local times without a zone (Windows Firewall, RFC 3164). */
  utcOffsetMinutes: number;
  /**
   * AWS VPC Flow Logs custom format for files without a header line, as given to AWS
   * (`${version} ${srcaddr} ${dstaddr} ...`) or as plain field names. Without it (and without a
   * header line) the layout is inferred from the number of fields.
   */
  awsVpcFields?: string;
}

export interface LineContext {
  file: string;
  /** 1-based line number. */
  line: number;
  options: LogOptions;
}

/** What `createParser` gets: the file, the options, and a way to note a per-file condition once. */
export interface ParserContext {
  file: string;
  options: LogOptions;
  /**
   * Records a condition of the whole file once (e.g. `log-time-relative`: dmesg stamps are
   * seconds since boot). Counted as a warning anomaly by the reader; optional for callers.
   */
  note?: (code: string, message: string) => void;
}

/**
 * What a line gives:
 * - one or more observations;
 * - `skip`: a line that is not about a flow (a header, a comment, syslog noise, a non-traffic event) — not an error;
 * - an error: a line that should have been a flow and is not readable (counted by `code`, reported with its line).
 */
export type LineResult =
  | Observation
  | Observation[]
  | { skip: string }
  | { error: string; code: string };

export interface LineFormat {
  kind: 'lines';
  /** Registry name, kebab-case (`iptables`, `cisco-asa`). */
  name: string;
  title: string;
  /** The specification or vendor document the parser follows. */
  spec: string;
  /**
   * Says whether a line looks like this format (used on the first lines of a file). Higher wins;
   * 0 means no. Cheap checks only. Scale: 1–49 the general shape fits (a CSV with the right
   * column count); 50–100 a marker only this format prints (`%ASA-`, ` SRC=… PROTO=`, `filterlog`).
   */
  sniff(line: string): number;
  /**
   * True for formats whose lines travel through syslog and are found interleaved with other
   * devices' lines in one file (a central syslog server's file holds iptables, ASA and noise).
   * `readLog` then dispatches such a file line by line: each line goes to the interleaved format
   * whose `sniff` claims it (so `sniff` must be cheap and must not claim another format's lines),
   * and lines no format claims are skipped. Formats with headers or per-file state that a line
   * cannot carry (a `#Fields` header, a CSV header) leave this unset.
   */
  interleaved?: boolean;
  /**
   * A fresh parser for one file: formats with per-file state (a `#Fields` header, a CSV header,
   * ASA connection ids) keep it in the closure.
   */
  createParser(ctx: ParserContext): (line: string, ctx: LineContext) => LineResult;
}

/**
 * A format whose file is one JSON document (Azure NSG flow logs `{"records":[...]}`): read with a
 * streaming JSON parser, never loaded whole.
 */
export interface DocumentFormat {
  kind: 'json-document';
  name: string;
  title: string;
  spec: string;
  /** Looks at the decoded head of the file (up to 64 KiB). */
  sniffDocument(head: string): number;
  /**
   * Reads the whole document from `chunks`, calling `emit` for each observation and `bad` for each
   * record it cannot read (with a JSON path in place of a line number).
   */
  readDocument(
    chunks: AsyncIterable<Buffer>,
    ctx: { file: string; options: LogOptions },
    emit: (obs: Observation) => void,
    bad: (code: string, message: string, where: string) => void,
  ): Promise<void>;
}

export type LogFormat = LineFormat | DocumentFormat;

export const DEFAULT_LOG_OPTIONS: LogOptions = {
  prefixActions: [],
  assumeYear: new Date().getUTCFullYear(),
  utcOffsetMinutes: 0,
};
