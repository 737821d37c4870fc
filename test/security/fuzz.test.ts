/**
 * The fixed-seed short fuzz run (the long run is `npm run fuzz`, docs/security.md): every target
 * of src/testing/fuzz-targets.ts for a fixed number of iterations from seed 1. A crash prints the
 * target, the iteration and the error; `npm run fuzz -- --target NAME --seed 1 --iterations N`
 * reproduces it and saves the input under /tmp/portolan-fuzz/. The time bound per input is checked
 * by `npm run fuzz`, not here (no test asserts on time).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inputFor, pcapLengthFields, runFuzzTarget } from '../../src/testing/fuzz.js';
import { buildFuzzTargets, loadSeedFiles } from '../../src/testing/fuzz-targets.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = process.env['PORTOLAN_CORPUS'] ?? join(repo, '..', 'shared', 'corpus');
const SEED = 1;
/**
 * Iterations per target, sized so the whole file stays well under a minute on two busy cores:
 * cheap decoders get more, the streamed JSON documents and drift (which renders) fewer.
 */
const ITERATIONS: Record<string, number> = {
  default: 600,
  pcap: 4000,
  pcapng: 4000,
  decode: 10_000,
  'capture-flows': 1500,
  observe: 1500,
  framing: 2000,
  'log-gcp-firewall': 300,
  'log-azure-nsg': 300,
  'drift-report': 300,
};

const targets = buildFuzzTargets(loadSeedFiles({ repo, corpus }));

describe('the mutation engine', () => {
  it('builds the same input for the same (seed, iteration), and different ones otherwise', () => {
    const t = targets.find((x) => x.name === 'pcap')!;
    const a = inputFor(t, 1, 500).input;
    expect(inputFor(t, 1, 500).input.equals(a)).toBe(true);
    expect(inputFor(t, 2, 500).input.equals(a)).toBe(false);
  });

  it('finds the length fields of pcap records and pcapng blocks', () => {
    const t = targets.find((x) => x.name === 'pcapng')!;
    expect(pcapLengthFields(t.seeds[0]!).length).toBeGreaterThan(10);
    expect(pcapLengthFields(targets.find((x) => x.name === 'pcap')!.seeds[0]!).length).toBeGreaterThan(10);
  });

  it('a target that throws is reported as a crash with its input', async () => {
    const r = await runFuzzTarget(
      { name: 'boom', description: '', seeds: [Buffer.from('abc')], run: (b) => { if (b.length > 3) throw new RangeError(`len ${b.length}`); } },
      { seed: 1, iterations: 200 },
    );
    expect(r.crashes.length).toBeGreaterThan(0);
    expect(r.crashes[0]!.input.length).toBeGreaterThan(3);
    expect(r.crashes[0]!.error).toMatch(/^RangeError: len/);
  });
});

describe('fixed-seed fuzz run (seed 1)', () => {
  it('has a target for every reader of untrusted input', () => {
    const names = targets.map((t) => t.name);
    for (const n of ['pcap', 'pcapng', 'decode', 'capture-flows', 'observe', 'log-read', 'framing', 'catalog', 'inventory', 'inventory-yaml', 'drift-report']) expect(names).toContain(n);
    expect(names.filter((n) => n.startsWith('log-')).length).toBeGreaterThanOrEqual(15);
  });

  for (const target of targets) {
    it(`${target.name}: no crash`, async () => {
      const iterations = ITERATIONS[target.name] ?? ITERATIONS['default']!;
      // No assertion on time here (a shared CI machine stalls); `npm run fuzz` checks the time bound.
      const r = await runFuzzTarget(target, { seed: SEED, iterations, slowBaseMs: Number.POSITIVE_INFINITY });
      const report = r.crashes.map((c) => `${c.target} iteration ${c.iteration}: ${c.error}`).join('\n\n');
      expect(report).toBe('');
      expect(r.iterations).toBe(iterations);
    });
  }
});
