/**
 * Every command's `--help`, as a golden file (fixtures/cli/help-<command>.txt, regenerated with
 * `npx vitest run test/cli -u` and reviewed as a diff): every option described, examples laid
 * out one per line, exit codes said, nothing left over from a template.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../report/memory-io.js';

const COMMANDS = ['analyze', 'audit', 'drift', 'flows', 'catalog', 'catalog list', 'catalog show', 'catalog lookup', 'catalog validate'];

async function help(command: string): Promise<string> {
  const io = memoryIo({ columns: 100 });
  expect(await run([...command.split(' '), '--help'], io)).toBe(0);
  expect(io.err()).toBe('');
  return io.out();
}

describe('--help', () => {
  for (const command of COMMANDS) {
    it(`portolan ${command} --help`, async () => {
      const text = await help(command);
      await expect(text).toMatchFileSnapshot(`../../fixtures/cli/help-${command.replace(' ', '-')}.txt`);
      expect(text).toMatch(new RegExp(`^portolan ${command}\\b`));
      expect(text).toContain('\nExamples:\n  portolan ');
      expect(text).toMatch(/\nExit codes: 0 /);
      // No placeholder, no empty description, no "[default: []]" on a required positional.
      expect(text).not.toMatch(/TODO|TBD|placeholder|lorem|\[default: \[\]\]/i);
      for (const line of text.split('\n')) {
        const option = /^\s+(?:-\w, )?--[\w-]+\s*(\[.*)?$/.exec(line);
        expect(option, `an option without a description: ${line}`).toBeNull();
      }
    });
  }

  it('portolan --help lists every command and says what the exit codes mean', async () => {
    const io = memoryIo({ columns: 100 });
    expect(await run(['--help'], io)).toBe(0);
    for (const c of ['analyze', 'audit', 'drift', 'flows', 'catalog']) expect(io.out()).toContain(`portolan ${c}`);
    expect(io.out()).toMatch(/Exit codes: 0 clean, 1 .* 2 bad\s+usage or unreadable input\./);
  });

  it('the examples of every command run as documented options (no unknown option in them)', async () => {
    for (const command of COMMANDS) {
      const text = await help(command);
      const options = new Set([...text.matchAll(/^\s+(?:-(\w), )?--([\w-]+)/gm)].flatMap((m) => [m[1], m[2]].filter((x): x is string => x !== undefined)));
      options.add('no-color');
      for (const m of text.matchAll(/^ {2}portolan (.*)$/gm)) {
        for (const o of (m[1] ?? '').matchAll(/(?:^|\s)--?([\w-]+)/g)) expect(options, `${command}: ${m[1]}`).toContain(o[1]);
      }
    }
  });
});
