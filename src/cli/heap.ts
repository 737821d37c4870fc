/**
 * Heap growth between full garbage collections, for the commands that hold many live flows
 * (`analyze`, `audit`, `flows`).
 */
import { setFlagsFromString } from 'node:v8';

/**
 * Heap growth between full garbage collections, in percent. V8 lets the heap grow up to fourfold
 * past what survived the last full collection when collecting is cheap; a run promotes
 * every flow that lives past a few young-generation collections, so peak memory was three times
 * what was live (824 MB for about 250 MB live on a 5 M packet capture). 1.5-fold costs a few
 * more full collections (a few percent of the time) and about a third of the peak.
 */
const HEAP_GROWING_PERCENT = 50;
let heapGrowthLimited = false;

/** Limits heap growth for this process (V8 flags are per process), unless the user set it. */
export function limitHeapGrowth(): void {
  if (heapGrowthLimited) return;
  heapGrowthLimited = true;
  const given = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((a) => a.includes('heap-growing-percent') || a.includes('heap_growing_percent'));
  if (!given) setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
