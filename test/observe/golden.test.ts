/**
 * Golden tests: captures built by the capture writer (golden-cases.ts), written to
 * `fixtures/observe/<case>.pcap`, read end to end with `readFlows` (decoders, flow table,
 * observers), and compared with `fixtures/observe/<case>.expected.json`. Pipeline options of a
 * case, when it has any, are in `fixtures/observe/<case>.options.json`.
 *
 * Regenerate after a deliberate change: `npx vitest run test/observe -u` (rewrites the expected
 * files and the captures), then review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/pipeline.js';
import type { PipelineOptions } from '../../src/pipeline.js';
import type { Flow } from '../../src/model.js';
import { writePcap } from '../support/capture-writer.js';
import { GOLDEN_CASES } from './golden-cases.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'observe');
const updating = process.argv.includes('-u') || process.argv.includes('--update');

function isOptions(v: unknown): v is PipelineOptions {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function caseOptions(name: string): PipelineOptions {
  const path = join(fixtures, `${name}.options.json`);
  if (!existsSync(path)) return {};
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isOptions(parsed)) throw new Error(`${path}: not an options object`);
  return parsed;
}

describe('dynamic ports, end to end', () => {
  for (const c of GOLDEN_CASES) {
    it(`${c.name}: ${c.about}`, async () => {
      const capture = writePcap(c.frames());
      const path = join(fixtures, `${c.name}.pcap`);
      if (updating || !existsSync(path)) writeFileSync(path, capture);
      // The committed capture is what the generator writes (else regenerate with -u).
      expect(readFileSync(path).equals(capture)).toBe(true);

      const flows: Flow[] = [];
      const result = await readFlows([path], caseOptions(c.name), (f) => flows.push(f));
      flows.sort((a, b) => Number(a.id.split('.')[1]) - Number(b.id.split('.')[1]));
      const out = {
        case: c.name,
        about: c.about,
        flows: flows.map((f) => ({ ...f, evidence: { ...f.evidence, file: `${c.name}.pcap` } })),
        anomalies: result.anomalies.summary().map((a) => ({ code: a.code, count: a.count, first: a.examples[0]?.message.replace(path, `${c.name}.pcap`) })),
      };
      await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(join(fixtures, `${c.name}.expected.json`));
    });
  }
});
