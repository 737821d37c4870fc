import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import type { Io } from '../src/cli/io.js';

function memoryIo(): Io & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd(), out: () => out, err: () => err };
}

describe('portolan CLI', () => {
  it('prints help and exits 0', async () => {
    const io = memoryIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out()).toContain('portolan <command>');
  });
  it('rejects an unknown command with exit 2 and no stack trace', async () => {
    const io = memoryIo();
    expect(await run(['frobnicate'], io)).toBe(2);
    expect(io.err()).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
