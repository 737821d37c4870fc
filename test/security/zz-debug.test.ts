import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'vitest';
import { runFuzzTarget } from '../../src/testing/fuzz.js';
import { buildFuzzTargets, loadSeedFiles } from '../../src/testing/fuzz-targets.js';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
it('debug', async () => {
  let t = Date.now();
  const files = loadSeedFiles({ repo, corpus: '/work/shared/corpus' });
  console.log('seeds', files.length, Date.now() - t); t = Date.now();
  const targets = buildFuzzTargets(files);
  console.log('targets', targets.length, Date.now() - t);
  const only = process.env['ONLY'];
  for (const target of targets) {
    if (only && !only.split(',').includes(target.name)) continue;
    t = Date.now();
    const r = await runFuzzTarget(target, { seed: 1, iterations: Number(process.env['N'] ?? 30), onIteration: (i) => { if (process.env['TRACE'] && i % Number(process.env['TRACE']) === 0) console.log(target.name, i, Date.now() - t); } });
    console.log(target.name, 'seeds', target.seeds.length, 'iters', r.iterations, 'ms', Date.now() - t, 'crashes', r.crashes.length, 'slow', r.slow.length);
    for (const c of [...r.crashes, ...r.slow]) console.log('  ', c.iteration, c.error.split('\n').slice(0, 4).join(' | '));
  }
}, 3_600_000);
it('repro', async () => {
  const { inputFor } = await import('../../src/testing/fuzz.js');
  const targets = buildFuzzTargets(loadSeedFiles({ repo, corpus: '/work/shared/corpus' }));
  for (const [name, i] of (process.env['REPRO'] ?? '').split(',').map((x) => x.split(':'))) {
    const t = targets.find((x) => x.name === name)!;
    const { input, rng } = inputFor(t, 1, Number(i));
    console.log(name, i, JSON.stringify(input.toString('latin1')).slice(0, 3000));
    try { await t.run(input, rng); } catch (e) { console.log('ERR', (e as Error).message); }
  }
});
