/**
 * Golden captures: every fixture under fixtures/capture/ is what the capture writer builds for
 * its case (cases.ts), and its decoding matches `<case>.expected.txt`.
 * Regenerate: PORTOLAN_WRITE_FIXTURES=1 npx vitest run test/capture/golden.test.ts -u
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeRead, readAll } from '../support/packet-dump.js';
import { CASES } from './cases.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'capture');
const WRITE = process.env['PORTOLAN_WRITE_FIXTURES'] === '1';

describe('golden captures', () => {
  for (const c of CASES) {
    it(`${c.file}: ${c.about}`, async () => {
      const path = join(FIXTURES, c.file);
      const built = c.build();
      if (WRITE) writeFileSync(path, built);
      expect(existsSync(path), `${path} missing; regenerate the fixtures`).toBe(true);
      const committed = readFileSync(path);
      expect(committed.equals(built), `${c.file} differs from what the writer builds`).toBe(true);
      const text = describeRead(readAll(committed, c.file));
      await expect(text).toMatchFileSnapshot(join(FIXTURES, c.file.replace(/\.[^.]+$/, '.expected.txt')));
    });
  }
});
