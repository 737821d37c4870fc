#!/usr/bin/env node
// Runs every conformance part (scripts/conformance/*.mjs) against the corpus and fails when any part fails.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const corpus = resolve(process.env.PORTOLAN_CORPUS ?? join(here, '..', '..', 'shared', 'corpus'));
if (!existsSync(corpus)) {
  console.error(`conformance: no corpus at ${corpus} (set PORTOLAN_CORPUS)`);
  process.exit(2);
}
const partsDir = join(here, 'conformance');
const parts = existsSync(partsDir) ? readdirSync(partsDir).filter((f) => f.endsWith('.mjs')).sort() : [];
let failed = 0;
for (const part of parts) {
  const mod = await import(pathToFileURL(join(partsDir, part)).href);
  const ok = await mod.run({ corpus, log: (line) => console.log(line) });
  if (!ok) failed++;
}
console.log(`conformance: ${parts.length - failed} of ${parts.length} parts agree`);
process.exit(failed === 0 ? 0 : 1);
