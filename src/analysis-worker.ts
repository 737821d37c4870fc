/**
 * Entry point of an `analyze --jobs` worker thread (analysis.ts): set up from the workerData the
 * main thread sent, then analyse the inputs it hands over.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveAnalysis } from './analysis.js';
import type { AnalysisSetup } from './analysis.js';

interface WorkerData {
  setup: AnalysisSetup;
  progressIntervalMs: number | undefined;
}

function isWorkerData(v: unknown): v is WorkerData {
  if (typeof v !== 'object' || v === null || !('setup' in v)) return false;
  const s: unknown = v.setup;
  return typeof s === 'object' && s !== null && 'catalogFiles' in s && Array.isArray(s.catalogFiles) && 'params' in s;
}

const data: unknown = workerData;
if (parentPort !== null && isWorkerData(data)) serveAnalysis(parentPort, data.setup, data.progressIntervalMs);
