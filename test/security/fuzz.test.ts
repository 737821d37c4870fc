/**
 * The fixed-seed short fuzz run (the long run is `npm run fuzz`, docs/security.md): every target
 * of src/testing/fuzz-targets.ts for a fixed number of iterations from seed 1. A crash prints the
 * target, the iteration and the error; `npm run fuzz -- --target NAME --seed 1` reproduces it and
 * saves the input under /tmp/portolan-fuzz/.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runFuzzTarget } from '../../src/testing/fuzz.js';
import { buildFuzzTargets, loadSeedFiles } from '../../src/testing/fuzz-targets.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = process.env['PORTOLAN_CORPUS'] ?? join(repo, '..', 'shared', 'corpus');
const SEED = 1;
/** Iterations per target; the document and end-to-end targets are slower per input. */
const ITERATIONS: Record<string, number> = { default: Number(process.env['FUZZ_ITERATIONS'] ?? 600) };

const targets = buildFuzzTargets(loadSeedFiles({ repo, corpus }));

describe('fixed-seed fuzz run (seed 1)', () => {
  it('has a target for every reader of untrusted input', () => {
    const names = targets.map((t) => t.name);
    for (const n of ['pcap', 'pcapng', 'decode', 'capture-flows', 'observe', 'log-read', 'framing', 'catalog', 'inventory', 'drift-report']) expect(names).toContain(n);
    expect(names.filter((n) => n.startsWith('log-')).length).toBeGreaterThanOrEqual(15);
  });

  for (const target of targets) {
    it(`${target.name}: no crash, no input over the time bound`, async () => {
      const iterations = ITERATIONS[target.name] ?? ITERATIONS['default']!;
      const r = await runFuzzTarget(target, { seed: SEED, iterations });
      const report = [...r.crashes, ...r.slow].map((c) => `${c.target} iteration ${c.iteration}: ${c.error}`).join('\n\n');
      expect(report).toBe('');
      expect(r.iterations).toBe(iterations);
    });
  }
});
