/** An in-memory Io for running the CLI in tests: `run(argv, io)` with captured stdout and stderr. */
import { PassThrough } from 'node:stream';
import type { Io } from '../../src/cli/io.js';

export interface MemoryIo extends Io {
  out(): string;
  err(): string;
}

export function memoryIo(options: { stdin?: string | Buffer; tty?: boolean; columns?: number; env?: Record<string, string> } = {}): MemoryIo {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty === true, columns: options.columns ?? 120 });
  const stderr = Object.assign(new PassThrough(), { isTTY: options.tty === true, columns: options.columns ?? 120 });
  const stdin = new PassThrough();
  if (options.stdin !== undefined) stdin.end(options.stdin);
  else stdin.end();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin, env: options.env ?? {}, cwd: process.cwd(), out: () => out, err: () => err };
}
