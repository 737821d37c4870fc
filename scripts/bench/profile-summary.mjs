#!/usr/bin/env node
/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) by function: self time and total (inclusive)
 * time, highest self time first, as percentages of the sampled time.
 *
 *   node scripts/bench/profile-summary.mjs FILE.cpuprofile [--top N] [--total]
 *
 * Functions are named `name file:line` (file relative to the repository when inside it). `--total`
 * sorts by inclusive time instead.
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, total: { type: 'boolean', default: false } },
});
if (positionals.length !== 1) {
  console.error('usage: profile-summary.mjs FILE.cpuprofile [--top N] [--total]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

function label(n) {
  const cf = n.callFrame;
  let url = cf.url ?? '';
  if (url.startsWith('file://')) url = fileURLToPath(url);
  if (url.startsWith(root)) url = relative(root, url);
  const name = cf.functionName || (url ? '(anonymous)' : '');
  return url ? `${name} ${url}:${cf.lineNumber + 1}` : name || '(program)';
}

// Self time per node from the samples (timeDeltas are microseconds between samples).
const selfUs = new Map();
let totalUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const d = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + d);
  totalUs += d;
}
const self = new Map();
const total = new Map();
for (const [id, us] of selfUs) {
  const l = label(byId.get(id));
  self.set(l, (self.get(l) ?? 0) + us);
  // Inclusive: every distinct function on the stack once.
  const seen = new Set();
  for (let p = id; p !== undefined; p = parent.get(p)) {
    const pl = label(byId.get(p));
    if (seen.has(pl)) continue;
    seen.add(pl);
    total.set(pl, (total.get(pl) ?? 0) + us);
  }
}
const rows = [...total.keys()].map((l) => ({ l, self: self.get(l) ?? 0, total: total.get(l) ?? 0 }));
rows.sort((a, b) => (values.total ? b.total - a.total : b.self - a.self) || a.l.localeCompare(b.l));
const pct = (us) => ((100 * us) / totalUs).toFixed(1).padStart(5);
console.log(`sampled ${(totalUs / 1e6).toFixed(2)} s; self% total%  function`);
for (const r of rows.slice(0, Number(values.top))) console.log(`${pct(r.self)} ${pct(r.total)}  ${r.l}`);
