/**
 * Golden tests: captures built by the project's capture writer (fixtures/flow/<case>.pcap[ng]) run
 * through `portolan flows`, each output compared with fixtures/flow/<case>.expected.<format>.
 *
 * Regenerate after a deliberate change, then review the diff:
 *   UPDATE_GOLDEN=1 npx vitest run test/flow/golden.test.ts -u
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { flowCases } from './cases.js';
import { memoryIo } from './io.js';

const FIXTURES = 'fixtures/flow';
const update = process.env['UPDATE_GOLDEN'] === '1';

describe.each(flowCases())('golden: $name', (c) => {
  const path = `${FIXTURES}/${c.name}.${c.ext}`;

  it('the fixture capture is the one the capture writer builds', () => {
    if (update || !existsSync(path)) writeFileSync(path, c.capture);
    expect(readFileSync(path).equals(c.capture), `${path} is stale: regenerate with UPDATE_GOLDEN=1`).toBe(true);
  });

  for (const format of c.formats) {
    it(`flows --format ${format}`, async () => {
      const io = memoryIo();
      const code = await run(['flows', '--format', format, ...c.args, path], io);
      expect(io.err()).not.toContain('internal error');
      expect(code).toBe(0);
      await expect(io.out()).toMatchFileSnapshot(`../../${FIXTURES}/${c.name}.expected.${format}`);
    });
  }
});
