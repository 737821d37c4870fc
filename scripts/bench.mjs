#!/usr/bin/env node
/**
 * `npm run bench`: portolan next to the flow tools an engineer would otherwise use, on the same
 * generated inputs in the same run. Prints one table (tool, input, wall median, packets/s or
 * lines/s, peak RSS, ratio) and writes it as JSON for tracking.
 *
 * Inputs are generated deterministically (captures and iptables/ASA logs by the ../shared/bench
 * generators when present, else by scripts/bench/gen-capture.mjs and gen-logs.mjs; PAN-OS and JSON
 * logs by scripts/bench/gen-logs.mjs) and cached outside the repository ($PORTOLAN_BENCH_CACHE,
 * default ~/.cache/portolan-bench). Generators run under `nice -n 19`.
 *
 * Reference tools are used when installed:
 *   apt-get install -y tcpdump tshark softflowd nfdump argus-server argus-client mawk
 *
 * Options: --quick (smaller inputs, 3 runs), --runs N, --only a,b (input names), --tools a,b,
 *          --json FILE, --skip-slow (skip tshark), --timeout S (per run, default 900),
 *          --generate-only, --jobs (with --only: still run the --jobs comparison),
 *          --portolan PATH (the bin.js to measure; default this tree's dist/cli/bin.js).
 *
 * Wall time is the figure the targets are judged on; CPU time (user + system) is printed beside it
 * because a shared machine stretches wall time without changing the work done. Slow tools (tshark)
 * run once on inputs above 2 M packets, and any tool whose first run took more than 90 s runs once.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, homedir, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    tools: { type: 'string' },
    json: { type: 'string' },
    'skip-slow': { type: 'boolean', default: false },
    'shared-bench': { type: 'string' },
    'generate-only': { type: 'boolean', default: false },
    timeout: { type: 'string', default: '900' },
    jobs: { type: 'boolean', default: false },
    portolan: { type: 'string' },
  },
});
const runs = Number(opt.runs ?? (opt.quick ? 3 : 5));
const cache = resolve(process.env.PORTOLAN_BENCH_CACHE ?? join(homedir(), '.cache', 'portolan-bench'));
const sharedBench = resolve(opt['shared-bench'] ?? process.env.PORTOLAN_SHARED_BENCH ?? join(root, '..', 'shared', 'bench'));
// --portolan: another build's bin.js (figures before and after a change, on the same inputs).
const bin = resolve(opt.portolan ?? join(root, 'dist', 'cli', 'bin.js'));
mkdirSync(cache, { recursive: true });
if (!existsSync(bin)) {
  console.error('bench: dist/ is missing: run `npm run build` (or `npm ci`) first');
  process.exit(2);
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
if (timeBin === null) {
  console.error('bench: /usr/bin/time is needed for peak memory (apt-get install -y time)');
  process.exit(2);
}

// ---- inputs -------------------------------------------------------------------------------------
// Captures and iptables/ASA logs come from the shared Python generators when they are there (the
// reference figures of issue 9 were measured on their output), else from the project's own
// (scripts/bench/gen-capture.mjs, gen-logs.mjs --format iptables-asa): a clean clone benchmarks
// too. The two write different bytes, so their files are cached under different names.
const Q = opt.quick;
const shared = existsSync(join(sharedBench, 'gen-pcap.py')) && existsSync(join(sharedBench, 'gen-logs.py')) && has('python3');
const generator = shared ? `shared (${sharedBench})` : 'project (scripts/bench)';
const cached = (file) => (shared ? file : `project-${file}`);
const capture = (packets, flows, seed, extra = []) => (out) => {
  const args = ['--packets', String(packets), '--flows', String(flows), '--seed', String(seed), ...extra, '--out', out];
  return shared ? ['python3', join(sharedBench, 'gen-pcap.py'), ...args] : [process.execPath, join(root, 'scripts', 'bench', 'gen-capture.mjs'), ...args];
};
const firewallLog = (lines, seed) => (out) =>
  shared
    ? ['python3', join(sharedBench, 'gen-logs.py'), '--lines', String(lines), '--seed', String(seed), '--out', out]
    : [process.execPath, join(root, 'scripts', 'bench', 'gen-logs.mjs'), '--format', 'iptables-asa', '--lines', String(lines), '--seed', String(seed), '--out', out];
const inputs = [
  {
    name: Q ? 'capture-1m' : 'capture-5m',
    kind: 'capture',
    file: cached(Q ? 'capture-1m.pcap' : 'capture-5m.pcap'),
    units: Q ? 1_000_000 : 5_000_000,
    gen: capture(Q ? 1_000_000 : 5_000_000, Q ? 40_000 : 200_000, 3),
  },
  {
    name: Q ? 'capture-1m-200k-concurrent' : 'capture-5m-1m-concurrent',
    kind: 'capture',
    file: cached(Q ? 'capture-1m-200k.pcap' : 'capture-5m-1m.pcap'),
    units: Q ? 1_000_000 : 5_000_000,
    concurrent: Q ? 200_000 : 1_000_000,
    gen: capture(Q ? 1_000_000 : 5_000_000, Q ? 200_000 : 1_000_000, 4, ['--concurrency', String(Q ? 200_000 : 1_000_000)]),
  },
  {
    name: Q ? 'capture-2m-half' : 'capture-10m-half',
    kind: 'capture',
    note: 'the flow mix and rate of the first capture, twice as long: memory must not grow',
    file: cached(Q ? 'capture-2m.pcap' : 'capture-10m.pcap'),
    units: Q ? 2_000_000 : 10_000_000,
    gen: capture(Q ? 2_000_000 : 10_000_000, Q ? 80_000 : 400_000, 3),
    optional: true,
  },
  {
    name: Q ? 'logs-iptables-asa-1m' : 'logs-iptables-asa-10m',
    kind: 'log',
    file: cached(Q ? 'logs-1m.log' : 'logs-10m.log'),
    units: Q ? 1_000_000 : 10_000_000,
    gen: firewallLog(Q ? 1_000_000 : 10_000_000, 1),
  },
  ...['panos', 'zeek-json', 'suricata'].map((format) => ({
    name: `logs-${format}-${Q ? '1m' : '2m'}`,
    kind: 'log',
    json: format !== 'panos',
    // PAN-OS CSV is neither an iptables/ASA line nor JSON: measured, with no target of its own.
    target: format !== 'panos',
    file: `logs-${format}-${Q ? '1m' : '2m'}.log`,
    units: Q ? 1_000_000 : 2_000_000,
    gen: (out) => [process.execPath, join(root, 'scripts', 'bench', 'gen-logs.mjs'), '--format', format, '--lines', String(Q ? 1_000_000 : 2_000_000), '--seed', '5', '--out', out],
  })),
];
const selected = opt.only ? inputs.filter((i) => opt.only.split(',').includes(i.name)) : inputs;

for (const input of selected) {
  input.path = join(cache, input.file);
  if (existsSync(input.path)) continue;
  const argv = input.gen(input.path + '.tmp');
  process.stderr.write(`bench: generating ${input.name} → ${input.path}\n`);
  // Generators run at the lowest priority: they share the machine with whatever else runs.
  execFileSync('nice', ['-n', '19', ...argv], { stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('mv', [input.path + '.tmp', input.path]);
}

if (opt['generate-only']) process.exit(0);

// ---- tools --------------------------------------------------------------------------------------
const tmp = join(cache, 'tmp');
const node = process.execPath;
const portolan = (args) => [node, bin, ...args];
const captureTools = [
  { tool: 'portolan flows', cmd: (f) => portolan(['flows', f, '--format', 'ndjson']), ours: true },
  { tool: 'portolan analyze', cmd: (f) => portolan(['analyze', f, '--format', 'json', '--quiet']), ours: true },
  { tool: 'tcpdump -r -w /dev/null', need: 'tcpdump', cmd: (f) => ['tcpdump', '-nn', '-r', f, '-w', '/dev/null'] },
  { tool: 'tshark -z conv,tcp -z conv,udp', need: 'tshark', slow: true, cmd: (f) => ['tshark', '-r', f, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'] },
  // `-c none`: softflowd 1.1 otherwise waits in accept() on its control socket after reading a file.
  { tool: 'softflowd -r', need: 'softflowd', cmd: (f) => ['softflowd', '-r', f, '-d', '-m', '2000000', '-n', '127.0.0.1:9', '-c', 'none', '-p', join(tmp, 'softflowd.pid')] },
  { tool: 'nfpcapd -r', need: 'nfpcapd', cmd: (f) => ['sh', '-c', `rm -rf ${tmp}/nf && mkdir -p ${tmp}/nf && nfpcapd -r '${f}' -w ${tmp}/nf >/dev/null 2>&1`] },
  { tool: 'argus + ra', need: 'argus', cmd: (f) => ['sh', '-c', `argus -r '${f}' -w ${tmp}/a.argus && ra -n -r ${tmp}/a.argus >/dev/null; rm -f ${tmp}/a.argus`] },
];
// Memory against input length at a fixed number of live flows: the generated captures span only
// seconds, so with the default timeouts (TCP 5 min) every flow is still live at the end and a
// longer capture simply has more live flows. With 5 s timeouts the live flows settle at the
// same number in both captures, and memory must settle with them.
const steadyTool = { tool: 'portolan flows (5 s timeouts)', ours: true, cmd: (f) => portolan(['flows', f, '--format', 'ndjson', '--timeout-tcp', '5', '--timeout-udp', '5']) };
const logTools = [
  { tool: 'portolan analyze', cmd: (f) => portolan(['analyze', f, '--format', 'json', '--quiet']), ours: true },
  { tool: 'portolan flows', cmd: (f) => portolan(['flows', f, '--format', 'ndjson']), ours: true },
  // Through `cat`: GNU grep stops at the first match when its output is /dev/null.
  { tool: 'grep -c', need: 'grep', cmd: (f) => ['sh', '-c', 'grep -c "SRC=\\|src\\|Deny\\|,TRAFFIC," "$1" | cat', 'sh', f] },
  { tool: 'mawk field extraction', need: 'mawk', cmd: (f) => ['mawk', '{for(i=1;i<=NF;i++) if ($i ~ /^(SRC|DST|SPT|DPT)=/) n++} END {print n}', f] },
];
const onlyTools = opt.tools ? opt.tools.split(',') : null;
mkdirSync(tmp, { recursive: true });

/** One run under /usr/bin/time: wall and CPU seconds, peak RSS. A run past `timeoutSeconds` is killed. */
function measure(argv, timeoutSeconds) {
  const timeFile = join(tmp, 'time.txt');
  rmSync(timeFile, { force: true });
  const r = spawnSync(timeBin, ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 << 20,
    timeout: timeoutSeconds * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.error !== undefined || !existsSync(timeFile)) return { status: -1, stderr: `${r.error?.message ?? 'killed'} (limit ${timeoutSeconds} s)` };
  const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
  const [wall, user, sys, rssKb] = last.split(' ').map(Number);
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, status: r.status, stderr: r.stderr.toString().slice(-400) };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
const SLOW_SECONDS = 90;
function runTool(t, input, argv, units) {
  const slow = t.slow && input.units > 2_000_000;
  const n = slow ? 1 : runs;
  const walls = [];
  const cpus = [];
  const rss = [];
  const load = loadavg()[0];
  for (let i = 0; i < n; i++) {
    // A run of more than SLOW_SECONDS is not repeated: its median would cost the whole session.
    if (i > 0 && walls[0] > SLOW_SECONDS) break;
    const m = measure(argv, Number(opt.timeout));
    // portolan exits 1 when it has findings: that is a result, not a failure.
    if (m.status !== 0 && !(t.ours && m.status === 1)) {
      rows.push({ tool: t.tool, input: input.name, skipped: `exit ${m.status}: ${m.stderr.trim()}` });
      return;
    }
    walls.push(m.wall);
    cpus.push(m.cpu);
    rss.push(m.rssMb);
  }
  const wall = median(walls);
  const cpu = median(cpus);
  rows.push({
    tool: t.tool,
    input: input.name,
    runs: walls.length,
    wallSeconds: wall,
    cpuSeconds: cpu,
    rate: units / Math.max(wall, 0.001),
    cpuRate: units / Math.max(cpu, 0.001),
    unit: input.kind === 'capture' ? 'packets/s' : 'lines/s',
    mbPerSecond: input.sizeMb / Math.max(wall, 0.001),
    peakRssMb: Math.max(...rss),
    loadAverage: Number(load.toFixed(2)),
  });
  process.stderr.write(`bench: ${input.name} ${t.tool}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s cpu, ${Math.max(...rss).toFixed(0)} MB (load ${load.toFixed(1)})\n`);
}

for (const input of selected) {
  if (input.skip) continue;
  const tools = input.kind === 'capture' ? captureTools : logTools;
  input.sizeMb = statSync(input.path).size / 1e6;
  for (const t of tools) {
    if (onlyTools && !onlyTools.includes(t.tool) && !t.ours) continue;
    if (t.need && !has(t.need)) {
      rows.push({ tool: t.tool, input: input.name, skipped: `${t.need} not installed` });
      continue;
    }
    if (t.slow && opt['skip-slow']) {
      rows.push({ tool: t.tool, input: input.name, skipped: '--skip-slow' });
      continue;
    }
    runTool(t, input, t.cmd(input.path), input.units);
  }
  const steady = input.kind === 'capture' && !input.concurrent;
  if (steady && selected.some((i) => i.optional && i.kind === 'capture' && !i.skip)) runTool(steadyTool, input, steadyTool.cmd(input.path), input.units);
}

// Several inputs at once: `analyze --jobs 1` against `--jobs N` (one worker per core) on two
// inputs of the same size (the main capture given twice, as two sensors' captures would be), so
// the comparison measures the threads rather than the imbalance of the inputs.
const jobsBase = selected.find((x) => x.kind === 'capture' && !x.concurrent && !x.optional && !x.skip);
const jobsName = jobsBase ? `${jobsBase.name} ×2` : '';
const cores = availableParallelism();
if (jobsBase && (!opt.only || opt.jobs)) {
  const units = 2 * jobsBase.units;
  const pseudo = { name: jobsName, kind: 'capture', units, sizeMb: 2 * (jobsBase.sizeMb ?? statSync(jobsBase.path).size / 1e6) };
  for (const jobs of [1, Math.max(2, Math.min(cores, 2))]) {
    runTool(
      { tool: `portolan analyze --jobs ${jobs}`, ours: true },
      pseudo,
      portolan(['analyze', jobsBase.path, jobsBase.path, '--format', 'json', '--quiet', '--jobs', String(jobs)]),
      units,
    );
  }
}

// ---- ratios and targets -------------------------------------------------------------------------
const rowOf = (tool, input) => rows.find((r) => r.tool === tool && r.input === input && r.rate);
const rateOf = (tool, input) => rowOf(tool, input)?.rate;
const cpuRateOf = (tool, input) => rowOf(tool, input)?.cpuRate;
for (const r of rows) {
  if (!r.rate || r.tool.startsWith('portolan')) continue;
  if (r.input === jobsName) continue;
  const ours = r.input.startsWith('capture') ? 'portolan flows' : 'portolan analyze';
  const w = rateOf(ours, r.input);
  const c = cpuRateOf(ours, r.input);
  if (w) r.portolanRatio = w / r.rate;
  if (c) r.portolanCpuRatio = c / r.cpuRate;
}
const targets = [];
const capMain = selected.find((i) => i.kind === 'capture' && !i.concurrent && !i.optional && !i.skip);
const capConc = selected.find((i) => i.concurrent && !i.skip);
const capLong = selected.find((i) => i.optional && i.kind === 'capture' && !i.skip);
/** A ratio target, judged on wall time; the CPU-time ratio is shown beside it (the machine may be shared). */
const ratio = (what, ours, theirs, input, want) => {
  const a = rowOf(ours, input);
  const b = rowOf(theirs, input);
  if (!a || !b) return;
  const got = a.rate / b.rate;
  targets.push({ target: `${what} (${input})`, got: Number(got.toFixed(2)), cpuRatio: Number((a.cpuRate / b.cpuRate).toFixed(2)), want: `≥ ${want}`, met: got >= want });
};
const atMost = (what, got, limit) => {
  if (got === undefined) return;
  targets.push({ target: what, got: Number(got.toFixed(0)), want: `≤ ${Number(limit.toFixed(0))}`, met: got <= limit });
};
if (capMain) {
  ratio('flows vs softflowd', 'portolan flows', 'softflowd -r', capMain.name, 2);
  ratio('flows vs tshark', 'portolan flows', 'tshark -z conv,tcp -z conv,udp', capMain.name, 30);
  ratio('analyze vs softflowd', 'portolan analyze', 'softflowd -r', capMain.name, 1.5);
  atMost(`flows peak RSS on ${capMain.name} (MB)`, rowOf('portolan flows', capMain.name)?.peakRssMb, 256);
  atMost(`analyze peak RSS on ${capMain.name} (MB)`, rowOf('portolan analyze', capMain.name)?.peakRssMb, 256);
}
if (capConc) {
  ratio('flows vs softflowd', 'portolan flows', 'softflowd -r', capConc.name, 2.5);
  const limit = 100 + (300 * capConc.concurrent) / 1e6;
  atMost(`flows peak RSS with ${capConc.concurrent} concurrent flows (MB)`, rowOf('portolan flows', capConc.name)?.peakRssMb, limit);
}
if (capMain && capLong) {
  // Same flow mix and rate, twice the packets, live flows held steady by 5 s timeouts: memory must
  // not grow (10% allowed for noise).
  for (const tool of [steadyTool.tool]) {
    const short = rowOf(tool, capMain.name)?.peakRssMb;
    const long = rowOf(tool, capLong.name)?.peakRssMb;
    if (short && long) atMost(`${tool} peak RSS on ${capLong.name} vs ${capMain.name} (MB; ${short.toFixed(0)} on the shorter)`, long, short * 1.1);
  }
}
for (const input of selected.filter((i) => i.kind === 'log' && !i.skip)) {
  const a = rowOf('portolan analyze', input.name);
  if (a && input.target !== false) {
    const want = input.json ? 300 : 1000;
    targets.push({ target: `analyze thousand lines/s (${input.name})`, got: Number((a.rate / 1000).toFixed(0)), cpuRate: Number((a.cpuRate / 1000).toFixed(0)), want: `≥ ${want}`, met: a.rate / 1000 >= want });
    if (input.units >= 10_000_000) atMost(`analyze peak RSS on ${input.name} (MB)`, a.peakRssMb, 256);
  }
}
{
  const one = rows.find((r) => r.input === jobsName && r.tool === 'portolan analyze --jobs 1' && r.rate);
  const many = rows.find((r) => r.input === jobsName && r.tool !== 'portolan analyze --jobs 1' && r.tool.startsWith('portolan analyze --jobs') && r.rate);
  if (one && many) targets.push({ target: `${many.tool.slice('portolan analyze '.length)} vs --jobs 1 (${jobsName})`, got: Number((many.rate / one.rate).toFixed(2)), want: '≥ 1.2', met: many.rate / one.rate >= 1.2 });
}

// ---- output -------------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
const load = loadavg();
console.log(`inputs: ${cache} (captures and iptables/ASA logs by the ${generator} generators)`);
console.log(`portolan bench ${new Date().toISOString().slice(0, 10)}: ${cores} cores (${cpus()[0]?.model ?? 'unknown cpu'}), node ${process.version}, load average ${load.map((x) => x.toFixed(1)).join(' ')}, median of ${runs}`);
console.log('rate = units / wall median; ×wall and ×cpu = portolan (flows on captures, analyze on logs) against the tool, by wall and by CPU time\n');
console.log(`${pad('input', 30)} ${pad('tool', 32)} ${lpad('wall s', 7)} ${lpad('cpu s', 7)} ${lpad('rate', 18)} ${lpad('MB/s', 6)} ${lpad('peak MB', 8)} ${lpad('×wall', 7)} ${lpad('×cpu', 7)}`);
for (const r of rows) {
  if (r.skipped) {
    console.log(`${pad(r.input, 30)} ${pad(r.tool, 32)} skipped: ${r.skipped}`);
    continue;
  }
  console.log(
    `${pad(r.input, 30)} ${pad(r.tool, 32)} ${lpad(r.wallSeconds.toFixed(2), 7)} ${lpad(r.cpuSeconds.toFixed(2), 7)} ${lpad(`${fmtRate(r.rate)} ${r.unit}`, 18)} ${lpad(r.mbPerSecond.toFixed(0), 6)} ${lpad(r.peakRssMb.toFixed(0), 8)} ${lpad(r.portolanRatio ? r.portolanRatio.toFixed(2) : '', 7)} ${lpad(r.portolanCpuRatio ? r.portolanCpuRatio.toFixed(2) : '', 7)}`,
  );
}
console.log('\ntargets:');
for (const t of targets) {
  const cpuNote = t.cpuRatio !== undefined ? ` (by CPU time ${t.cpuRatio})` : t.cpuRate !== undefined ? ` (by CPU time ${t.cpuRate})` : '';
  console.log(`  ${t.met ? 'met    ' : 'NOT MET'} ${t.target}: ${t.got}${cpuNote}, want ${t.want}`);
}
const jsonOut = resolve(opt.json ?? join(cache, 'bench-results.json'));
writeFileSync(
  jsonOut,
  JSON.stringify({ date: new Date().toISOString(), generator, node: process.version, cores, cpu: cpus()[0]?.model ?? null, loadAverage: load, runs, quick: Q, rows, targets }, null, 2) + '\n',
);
console.log(`\nwritten: ${jsonOut}`);
rmSync(tmp, { recursive: true, force: true });
