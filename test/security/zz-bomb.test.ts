import { it } from 'vitest';
import { walkJson } from '../../src/ingest/logs/json-stream.js';
import { chunksOf, nestedJson } from '../../src/testing/fuzz.js';
it('bomb', async () => {
  for (const d of [10_000, 50_000, 200_000]) {
    const buf = Buffer.from(`{"records":${nestedJson(d)}}`);
    const t = Date.now();
    let err = '';
    try { await walkJson(chunksOf([buf]), { assemble: () => false, value: () => undefined }); } catch (e) { err = (e as Error).message; }
    console.log(d, Date.now() - t, 'ms', err.slice(0, 100), process.memoryUsage().heapUsed >> 20);
  }
  const s = Buffer.from(`{"records":[{"a":"${'x'.repeat(50_000_000)}"}]}`);
  const t = Date.now();
  await walkJson(chunksOf([s]), { assemble: () => false, value: () => undefined });
  console.log('50MB string', Date.now() - t, process.memoryUsage().heapUsed >> 20);
}, 600_000);
