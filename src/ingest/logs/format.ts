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
  /** Year to assume for syslog timestamps without one (RFC 3164); defaults to the file's mtime year. */
  assumeYear: number;
  /** Offset in minutes east of UTC for local times without a zone (Windows Firewall, RFC 3164). */
  utcOffsetMinutes: number;
}

export interface LineContext {
  file: string;
  /** 1-based line number. */
  line: number;
  options: LogOptions;
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
   * 0 means no. Cheap checks only.
   */
  sniff(line: string): number;
  /**
   * A fresh parser for one file: formats with per-file state (a `#Fields` header, a CSV header,
   * ASA connection ids) keep it in the closure.
   */
  createParser(ctx: { file: string; options: LogOptions }): (line: string, ctx: LineContext) => LineResult;
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
