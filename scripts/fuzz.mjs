// `npm run fuzz`: the fuzz campaign over every reader of untrusted input (docs/security.md).
//
//   npm run build && npm run fuzz -- [--seconds 60] [--target NAME[,NAME]] [--seed N] [--jobs N]
//   npm run fuzz -- --list
//   npm run fuzz -- --target pcap --reproduce /tmp/portolan-fuzz/pcap/crash-....bin
//   npm run fuzz -- --target million-flows
//
// Each target runs in a worker thread for --seconds (default 60; the full campaign is 600 per
// target) against the built library in dist/ (src/testing/fuzz-targets.ts). A worker that stops
// making progress for --hang-seconds (default 30) is stopped and its input saved as a hang; a
// worker that runs out of its heap (--max-heap-mb, default 1536) is reported as unbounded growth.
// Crashes, slow inputs, hangs and out-of-memory inputs are saved under /tmp/portolan-fuzz/
// (never in the repository) with a .txt describing them. Exit 1 when anything was found.
//
// `million-flows` is not a fuzz target: it streams a capture of 1 000 000 TCP connection
// attempts into `portolan flows --max-flows 10000` in a child process and checks that the cap was
// reported and that peak memory stayed bounded (the test suite does the same with 200 000).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PassThrough } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const OUT_DIR = '/tmp/portolan-fuzz';

function usage(message) {
  if (message) console.error(`fuzz: ${message}`);
  console.error('usage: npm run fuzz -- [--seconds N] [--target NAME[,NAME...]] [--seed N] [--jobs N] [--iterations N] [--list] [--reproduce FILE] [--corpus DIR]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = { seconds: 60, targets: [], seed: undefined, jobs: 1, iterations: undefined, list: false, reproduce: undefined, hangSeconds: 30, maxHeapMb: 1536, corpus: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) usage(`${a}: not a number: ${v}`);
      return n;
    };
    if (a === '--seconds') o.seconds = num(next());
    else if (a === '--target') o.targets.push(...next().split(',').filter(Boolean));
    else if (a === '--seed') o.seed = num(next()) >>> 0;
    else if (a === '--jobs') o.jobs = Math.max(1, Math.floor(num(next())));
    else if (a === '--iterations') o.iterations = Math.floor(num(next()));
    else if (a === '--hang-seconds') o.hangSeconds = num(next());
    else if (a === '--max-heap-mb') o.maxHeapMb = num(next());
    else if (a === '--corpus') o.corpus = next();
    else if (a === '--reproduce') o.reproduce = next();
    else if (a === '--list') o.list = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  return o;
}

async function loadLibrary() {
  const engine = join(dist, 'testing', 'fuzz.js');
  const targets = join(dist, 'testing', 'fuzz-targets.js');
  if (!existsSync(engine) || !existsSync(targets)) {
    console.error('fuzz: dist/testing/fuzz-targets.js not found; run `npm run build` first');
    process.exit(2);
  }
  return { engine: await import(pathToFileURL(engine).href), targets: await import(pathToFileURL(targets).href) };
}

function corpusDir(o) {
  return o.corpus ?? process.env.PORTOLAN_CORPUS ?? join(root, '..', 'shared', 'corpus');
}

async function buildTargets(lib, corpus) {
  return lib.targets.buildFuzzTargets(lib.targets.loadSeedFiles({ repo: root, corpus }));
}

function save(target, kind, seed, iteration, input, text) {
  const dir = join(OUT_DIR, target);
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${kind}-seed${seed}-iter${iteration}`);
  writeFileSync(`${base}.bin`, input);
  writeFileSync(`${base}.txt`, `${text}\n\nreproduce: npm run fuzz -- --target ${target} --reproduce ${base}.bin\n`);
  return `${base}.bin`;
}

// ------------------------------------------------------------------------------------------
// worker: one target

async function workerMain() {
  const { target: name, seed, seconds, iterations, corpus, progress } = workerData;
  const lib = await loadLibrary();
  const targets = await buildTargets(lib, corpus);
  const target = targets.find((t) => t.name === name);
  const counter = new Int32Array(progress);
  const result = await lib.engine.runFuzzTarget(target, {
    seed,
    seconds,
    ...(iterations !== undefined ? { iterations } : {}),
    onIteration: (i) => Atomics.store(counter, 0, i),
    onCrash: (c) => parentPort.postMessage({ type: 'crash', crash: { ...c, input: new Uint8Array(c.input) } }),
  });
  parentPort.postMessage({
    type: 'done',
    result: { target: result.target, iterations: result.iterations, bytes: result.bytes, elapsedMs: result.elapsedMs, worstMsPerKiB: result.worstMsPerKiB },
  });
}

// ------------------------------------------------------------------------------------------
// main

function runTarget(name, o, seed, corpus, lib) {
  return new Promise((resolve) => {
    const progress = new SharedArrayBuffer(4);
    const counter = new Int32Array(progress);
    Atomics.store(counter, 0, -1);
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: { target: name, seed, seconds: o.seconds, iterations: o.iterations, corpus, progress },
      resourceLimits: { maxOldGenerationSizeMb: o.maxHeapMb },
    });
    const found = [];
    let result;
    let lastIteration = -1;
    let stalledFor = 0;
    let finished = false;
    const finish = (extra) => {
      if (finished) return;
      finished = true;
      clearInterval(watch);
      if (extra !== undefined) found.push(extra);
      resolve({ name, result, found });
    };
    const rebuild = async (kind, iteration, text) => {
      // The input of iteration i depends only on (seed, i): rebuild it here to save it.
      const targets = await buildTargets(lib, corpus);
      const t = targets.find((x) => x.name === name);
      const { input } = lib.engine.inputFor(t, seed, iteration);
      const file = save(name, kind, seed, iteration, input, text);
      return { kind, iteration, error: text, file };
    };
    const watch = setInterval(() => {
      const i = Atomics.load(counter, 0);
      if (i !== lastIteration) {
        lastIteration = i;
        stalledFor = 0;
        return;
      }
      stalledFor++;
      if (i >= 0 && stalledFor >= o.hangSeconds) {
        clearInterval(watch);
        void worker.terminate();
        void rebuild('hang', i, `no progress for ${o.hangSeconds} s on iteration ${i}`).then(finish);
      }
    }, 1000);
    worker.on('message', (m) => {
      if (m.type === 'crash') {
        const c = m.crash;
        const file = save(name, c.kind === 'slow' ? 'slow' : 'crash', c.seed, c.iteration, Buffer.from(c.input), `${c.kind}: ${c.error}`);
        found.push({ kind: c.kind === 'slow' ? 'slow' : 'crash', iteration: c.iteration, error: c.error, file });
      } else if (m.type === 'done') {
        result = m.result;
      }
    });
    worker.on('error', (e) => {
      const i = Atomics.load(counter, 0);
      const oom = e && (e.code === 'ERR_WORKER_OUT_OF_MEMORY' || /heap out of memory/i.test(String(e.message)));
      const text = oom ? `out of memory (heap limit ${o.maxHeapMb} MB) on iteration ${i}: unbounded growth` : `worker failed on iteration ${i}: ${e && e.stack ? e.stack : String(e)}`;
      if (i >= 0) void rebuild(oom ? 'oom' : 'crash', i, text).then(finish);
      else finish({ kind: 'crash', iteration: i, error: text, file: '' });
    });
    worker.on('exit', () => {
      if (!finished && result !== undefined) finish();
      else if (!finished) setTimeout(() => finish(), 2000);
    });
  });
}

async function reproduce(o, lib) {
  if (o.targets.length !== 1) usage('--reproduce needs exactly one --target');
  const targets = await buildTargets(lib, corpusDir(o));
  const t = targets.find((x) => x.name === o.targets[0]);
  if (t === undefined) usage(`no target ${o.targets[0]} (see --list)`);
  const input = readFileSync(o.reproduce);
  const t0 = performance.now();
  try {
    await t.run(input, new lib.engine.Prng(0));
    console.log(`${t.name}: no exception (${(performance.now() - t0).toFixed(1)} ms for ${input.length} bytes)`);
  } catch (e) {
    console.log(`${t.name}: ${e && e.stack ? e.stack : String(e)}`);
    process.exitCode = 1;
  }
}

// ------------------------------------------------------------------------------------------
// million flows (child process, for a clean peak RSS)

const MILLION = 1_000_000;
const MILLION_CAP = 10_000;

/** A pcap of `n` TCP SYNs, each from its own source address and port (one flow each), in chunks. */
function* syncCapture(n) {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  yield header;
  const per = 16 + 54;
  const batch = 16384;
  const buf = Buffer.alloc(per * batch);
  // Ethernet (14) + IPv4 (20) + TCP SYN (20); the source address and port are written per packet.
  const frame = Buffer.concat([
    Buffer.from('020000000001' + '020000000002' + '0800', 'hex'),
    Buffer.from('45000028' + '00004000' + '40060000' + '0a000001' + 'c0a80001', 'hex'),
    Buffer.from('0000' + '0050' + '00000001' + '00000000' + '5002' + '2000' + '0000' + '0000', 'hex'),
  ]);
  for (let done = 0; done < n; ) {
    const k = Math.min(batch, n - done);
    for (let j = 0; j < k; j++) {
      const i = done + j;
      const p = j * per;
      buf.writeUInt32LE(1_700_000_000 + Math.floor(i / 100_000), p);
      buf.writeUInt32LE((i % 100_000) * 10, p + 4);
      buf.writeUInt32LE(54, p + 8);
      buf.writeUInt32LE(54, p + 12);
      frame.copy(buf, p + 16);
      buf.writeUInt32BE(0x0a000000 + Math.floor(i / 50_000), p + 16 + 26); // source 10.0.x.y
      buf.writeUInt16BE(1024 + (i % 50_000), p + 16 + 34); // source port
    }
    yield buf.subarray(0, k * per);
    done += k;
  }
}

async function millionFlows() {
  const bin = join(dist, 'cli', 'bin.js');
  if (!existsSync(bin)) usage('dist/cli/bin.js not found; run `npm run build` first');
  const t0 = performance.now();
  // The child reports its own peak resident set size when it exits.
  const child = spawn(
    process.execPath,
    ['--import', `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxRSSkB='+process.resourceUsage().maxRSS+'\\n'))`, bin, 'flows', '-', '--max-flows', String(MILLION_CAP), '--format', 'ndjson'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let lines = 0;
  let stderr = '';
  child.stdout.on('data', (c) => {
    for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
  });
  child.stderr.on('data', (c) => (stderr += c.toString()));
  const feed = new PassThrough();
  feed.pipe(child.stdin);
  for (const chunk of syncCapture(MILLION)) {
    if (!feed.write(chunk)) await new Promise((r) => feed.once('drain', r));
  }
  feed.end();
  const code = await new Promise((r) => child.on('close', r));
  const rssMb = Number(/maxRSSkB=(\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
  const capReported = /flow-table-cap/.test(stderr);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`million-flows: ${lines} flows from ${MILLION} SYNs in ${seconds.toFixed(1)} s, --max-flows ${MILLION_CAP}, peak RSS ${rssMb.toFixed(0)} MB, cap reported: ${capReported}, exit ${code}`);
  // Bounded: the table holds 10 000 flows; a table of a million would need far more than 400 MB.
  const ok = code === 0 && lines === MILLION && capReported && rssMb < 400;
  if (!ok) console.log(stderr.split('\n').slice(-20).join('\n'));
  return ok;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.targets.length === 1 && o.targets[0] === 'million-flows') {
    process.exitCode = (await millionFlows()) ? 0 : 1;
    return;
  }
  const lib = await loadLibrary();
  if (o.reproduce !== undefined) return reproduce(o, lib);
  const corpus = corpusDir(o);
  const all = await buildTargets(lib, corpus);
  if (o.list) {
    for (const t of all) console.log(`${t.name.padEnd(22)} ${String(t.seeds.length).padStart(5)} seeds  ${t.description}`);
    console.log(`${'million-flows'.padEnd(22)} ${''.padStart(5)}        1 000 000 connection attempts through \`flows --max-flows ${MILLION_CAP}\`: cap reported, memory bounded`);
    return;
  }
  const names = o.targets.length > 0 ? o.targets : all.map((t) => t.name);
  for (const n of names) if (!all.some((t) => t.name === n)) usage(`no target ${n} (see --list)`);
  const seed = o.seed ?? (Date.now() >>> 0);
  console.log(`fuzz: ${names.length} target(s), ${o.seconds} s each, seed ${seed}, ${o.jobs} job(s); corpus ${existsSync(corpus) ? corpus : '(none)'}; findings go to ${OUT_DIR}/`);
  const queue = [...names];
  const results = [];
  const runOne = async () => {
    for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
      const r = await runTarget(n, o, seed, corpus, lib);
      const it = r.result?.iterations ?? 0;
      const rate = r.result ? (it / Math.max(0.001, r.result.elapsedMs / 1000)).toFixed(0) : '-';
      console.log(
        `${n.padEnd(22)} ${String(it).padStart(9)} iterations ${rate.padStart(7)}/s  worst ${(r.result?.worstMsPerKiB ?? 0).toFixed(1).padStart(7)} ms/KiB  ${r.found.length === 0 ? 'ok' : `${r.found.length} finding(s)`}`,
      );
      for (const f of r.found) console.log(`    ${f.kind} at iteration ${f.iteration}: ${String(f.error).split('\n')[0]}${f.file ? `\n      saved ${f.file}` : ''}`);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, names.length) }, runOne));
  const findings = results.reduce((a, r) => a + r.found.length, 0);
  const total = results.reduce((a, r) => a + (r.result?.iterations ?? 0), 0);
  console.log(`fuzz: ${total} iterations over ${results.length} target(s), seed ${seed}: ${findings === 0 ? 'nothing found' : `${findings} finding(s) in ${OUT_DIR}/`}`);
  process.exitCode = findings === 0 ? 0 : 1;
}

if (isMainThread) {
  await main();
} else {
  await workerMain();
}
