/**
 * Error classes with stable codes. A `PortolanError` is a user or input error: the CLI prints
 * its message (never a stack trace) and exits with `exitCode`. Anything else is a bug.
 */

export class PortolanError extends Error {
  readonly code: string;
  readonly exitCode: number;

  constructor(code: string, message: string, exitCode = 2) {
    super(message);
    this.name = 'PortolanError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage (unknown option value, missing argument). */
export class UsageError extends PortolanError {
  constructor(message: string) {
    super('usage', message, 2);
    this.name = 'UsageError';
  }
}

/** An input that cannot be read at all (missing file, not a capture, no log format matched). */
export class InputError extends PortolanError {
  readonly file: string | undefined;
  readonly offset: number | undefined;

  constructor(code: string, message: string, where: { file?: string; offset?: number } = {}) {
    super(code, message, 2);
    this.name = 'InputError';
    this.file = where.file;
    this.offset = where.offset;
  }
}

/** A catalog or inventory file that does not validate: names the file, the entry and the field. */
export class DataFileError extends PortolanError {
  readonly file: string;
  readonly entry: string | undefined;
  /** JSON pointer of the offending field. */
  readonly pointer: string | undefined;

  constructor(code: string, message: string, where: { file: string; entry?: string; pointer?: string }) {
    super(code, message, 2);
    this.name = 'DataFileError';
    this.file = where.file;
    this.entry = where.entry;
    this.pointer = where.pointer;
  }
}

/**
 * Thrown by bounds-checked binary reads; always caught within the reader that owns the record
 * and turned into an anomaly carrying the absolute byte offset.
 */
export class TruncatedError extends Error {
  readonly offset: number;
  readonly need: number;
  readonly have: number;

  constructor(what: string, offset: number, need: number, have: number) {
    super(`truncated ${what} (need ${need} bytes, have ${have})`);
    this.name = 'TruncatedError';
    this.offset = offset;
    this.need = need;
    this.have = have;
  }
}

export function isPortolanError(e: unknown): e is PortolanError {
  return e instanceof PortolanError;
}
