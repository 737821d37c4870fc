import { PassThrough } from 'node:stream';
import { it } from 'vitest';
import { run } from '../../src/cli/main.js';

async function cli(args: string[]): Promise<void> {
  const stdout = new PassThrough(); const stderr = new PassThrough();
  let out = ''; let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await run(args, { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd() });
  console.log(args.join(' '), '=>', code, err + '\n' + out);
}
it('scratch', async () => {
  await cli(['drift', '/tmp/driftbench/2026-11-07.json', '/tmp/driftbench/2026-11-14.json']);
  await cli(['drift', '/tmp/driftbench/2026-11-07.json', '/tmp/driftbench/2026-11-14.json', '-f', 'csv', '--fail-on', 'high']);
  await cli(['drift', '--history', '/tmp/driftbench/hist']);
});
