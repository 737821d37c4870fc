/** An in-memory `Io` for running the CLI in tests. */
import { PassThrough, Readable } from 'node:stream';
import type { Io } from '../../src/cli/io.js';

export function memoryIo(stdin: Buffer | string = ''): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]), env: {}, cwd: process.cwd(), out: () => out, err: () => err };
}
