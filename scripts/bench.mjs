#!/usr/bin/env node
/**
 * `npm run bench`: portolan next to the flow tools an engineer would otherwise use, on the same
 * generated inputs in the same run. Prints one table (tool, input, wall median, packets/s or
 * lines/s, peak RSS, ratio) and writes it as JSON for tracking.
 *
 * Inputs are generated deterministically (../shared/bench generators for captures and
 * iptables/ASA logs, scripts/bench/gen-logs.mjs for PAN-OS and JSON logs) and cached outside the
 * repository ($PORTOLAN_BENCH_CACHE, default ~/.cache/portolan-bench).
 *
 * Reference tools are used when installed:
 *   apt-get install -y tcpdump tshark softflowd nfdump argus-server argus-client mawk
 *
 * Options: --quick (smaller inputs, 3 runs), --runs N, --only a,b (input names), --tools a,b,
 *          --json FILE, --skip-slow (skip tshark on the large capture).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
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
  },
});
const runs = Number(opt.runs ?? (opt.quick ? 3 : 5));
const cache = resolve(process.env.PORTOLAN_BENCH_CACHE ?? join(homedir(), '.cache', 'portolan-bench'));
const sharedBench = resolve(opt['shared-bench'] ?? process.env.PORTOLAN_SHARED_BENCH ?? join(root, '..', 'shared', 'bench'));
const bin = join(root, 'dist', 'cli', 'bin.js');
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
const Q = opt.quick;
const inputs = [
  {
    name: Q ? 'capture-1m' : 'capture-5m',
    kind: 'capture',
    file: Q ? 'capture-1m.pcap' : 'capture-5m.pcap',
    units: Q ? 1_000_000 : 5_000_000,
    gen: (out) => ['python3', join(sharedBench, 'gen-pcap.py'), '--packets', String(Q ? 1_000_000 : 5_000_000), '--flows', String(Q ? 40_000 : 200_000), '--seed', '3', '--out', out],
  },
  {
    name: Q ? 'capture-1m-200k-concurrent' : 'capture-5m-1m-concurrent',
    kind: 'capture',
    file: Q ? 'capture-1m-200k.pcap' : 'capture-5m-1m.pcap',
    units: Q ? 1_000_000 : 5_000_000,
    concurrent: Q ? 200_000 : 1_000_000,
    gen: (out) => ['python3', join(sharedBench, 'gen-pcap.py'), '--packets', String(Q ? 1_000_000 : 5_000_000), '--flows', String(Q ? 200_000 : 1_000_000), '--concurrency', String(Q ? 200_000 : 1_000_000), '--seed', '4', '--out', out],
  },
  {
    name: Q ? 'capture-2m-half' : 'capture-10m-half',
    kind: 'capture',
    note: 'same flow mix and concurrency as the first capture, twice as long: memory must not grow',
    file: Q ? 'capture-2m.pcap' : 'capture-10m.pcap',
    units: Q ? 2_000_000 : 10_000_000,
    gen: (out) => ['python3', join(sharedBench, 'gen-pcap.py'), '--packets', String(Q ? 2_000_000 : 10_000_000), '--flows', String(Q ? 80_000 : 400_000), '--seed', '3', '--out', out],
    optional: true,
  },
  {
    name: Q ? 'logs-iptables-asa-1m' : 'logs-iptables-asa-10m',
    kind: 'log',
    file: Q ? 'logs-1m.log' : 'logs-10m.log',
    units: Q ? 1_000_000 : 10_000_000,
    gen: (out) => ['python3', join(sharedBench, 'gen-logs.py'), '--lines', String(Q ? 1_000_000 : 10_000_000), '--seed', '1', '--out', out],
  },
  ...['panos', 'zeek-json', 'suricata'].map((format) => ({
    name: `logs-${format}-${Q ? '1m' : '2m'}`,
    kind: 'log',
    json: format !== 'panos',
    file: `logs-${format}-${Q ? '1m' : '2m'}.log`,
    units: Q ? 1_000_000 : 2_000_000,
    gen: (out) => ['node', join(root, 'scripts', 'bench', 'gen-logs.mjs'), '--format', format, '--lines', String(Q ? 1_000_000 : 2_000_000), '--seed', '5', '--out', out],
  })),
];
const selected = opt.only ? inputs.filter((i) => opt.only.split(',').includes(i.name)) : inputs;

for (const input of selected) {
  input.path = join(cache, input.file);
  if (existsSync(input.path)) continue;
  const argv = input.gen(input.path + '.tmp');
  if (argv[0] === 'python3' && !existsSync(argv[1])) {
    console.error(`bench: generator ${argv[1]} not found (set PORTOLAN_SHARED_BENCH); skipping ${input.name}`);
    input.skip = true;
    continue;
  }
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
  { tool: 'tcpdump -nn -r', need: 'tcpdump', cmd: (f) => ['tcpdump', '-nn', '-r', f] },
  { tool: 'tshark -z conv,tcp -z conv,udp', need: 'tshark', slow: true, cmd: (f) => ['tshark', '-r', f, '-q', '-z', 'conv,tcp', '-z', 'conv,udp'] },
  { tool: 'softflowd -r', need: 'softflowd', cmd: (f) => ['softflowd', '-r', f, '-d', '-m', '2000000', '-n', '127.0.0.1:9', '-c', join(tmp, 'softflowd.ctl'), '-p', join(tmp, 'softflowd.pid')] },
  { tool: 'nfpcapd -r', need: 'nfpcapd', cmd: (f) => ['sh', '-c', `rm -rf ${tmp}/nf && mkdir -p ${tmp}/nf && nfpcapd -r '${f}' -w ${tmp}/nf >/dev/null 2>&1`] },
  { tool: 'argus + ra', need: 'argus', cmd: (f) => ['sh', '-c', `argus -r '${f}' -w ${tmp}/a.argus && ra -n -r ${tmp}/a.argus >/dev/null; rm -f ${tmp}/a.argus`] },
];
const logTools = [
  { tool: 'portolan analyze', cmd: (f) => portolan(['analyze', f, '--format', 'json', '--quiet']), ours: true },
  { tool: 'portolan flows', cmd: (f) => portolan(['flows', f, '--format', 'ndjson']), ours: true },
  { tool: 'grep -c', need: 'grep', cmd: (f) => ['grep', '-c', 'SRC=\\|src\\|Deny\\|,TRAFFIC,', f] },
  { tool: 'awk field extraction', need: 'awk', cmd: (f) => ['awk', '{for(i=1;i<=NF;i++) if ($i ~ /^(SRC|DST|SPT|DPT)=/) n++} END {print n}', f] },
];
const onlyTools = opt.tools ? opt.tools.split(',') : null;
mkdirSync(tmp, { recursive: true });

function measure(argv) {
  const timeFile = join(tmp, 'time.txt');
  const r = spawnSync(timeBin, ['-f', '%e %M', '-o', timeFile, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const [wall, rssKb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { wall, rssMb: rssKb / 1024, status: r.status, stderr: r.stderr.toString().slice(-400) };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
for (const input of selected) {
  if (input.skip) continue;
  const tools = input.kind === 'capture' ? captureTools : logTools;
  const sizeMb = statSync(input.path).size / 1e6;
  for (const t of tools) {
    if (onlyTools && !onlyTools.includes(t.tool) && !t.ours) continue;
    if (t.need && !has(t.need)) {
      rows.push({ tool: t.tool, input: input.name, skipped: `${t.need} not installed` });
      continue;
    }
    const n = t.slow && (opt['skip-slow'] || input.units > 2_000_000) ? 1 : runs;
    if (t.slow && opt['skip-slow']) {
      rows.push({ tool: t.tool, input: input.name, skipped: '--skip-slow' });
      continue;
    }
    const walls = [];
    const rss = [];
    let failed = null;
    for (let i = 0; i < n; i++) {
      const m = measure(t.cmd(input.path));
      if (m.status !== 0 && !(t.tool.startsWith('portolan') && m.status === 1)) {
        failed = `exit ${m.status}: ${m.stderr}`;
        break;
      }
      walls.push(m.wall);
      rss.push(m.rssMb);
    }
    if (failed) {
      rows.push({ tool: t.tool, input: input.name, skipped: failed.trim() });
      continue;
    }
    const wall = median(walls);
    rows.push({
      tool: t.tool,
      input: input.name,
      runs: walls.length,
      wallSeconds: wall,
      rate: input.units / Math.max(wall, 0.001),
      unit: input.kind === 'capture' ? 'packets/s' : 'lines/s',
      mbPerSecond: sizeMb / Math.max(wall, 0.001),
      peakRssMb: Math.max(...rss),
    });
    process.stderr.write(`bench: ${input.name} ${t.tool}: ${wall.toFixed(2)} s\n`);
  }
}

// ---- ratios and targets -------------------------------------------------------------------------
const rateOf = (tool, input) => rows.find((r) => r.tool === tool && r.input === input && r.rate)?.rate;
for (const r of rows) {
  if (!r.rate || r.tool.startsWith('portolan')) continue;
  const ours = rateOf(r.input.startsWith('capture') ? 'portolan flows' : 'portolan analyze', r.input);
  if (ours) r.portolanRatio = ours / r.rate;
}
const targets = [];
const capMain = selected.find((i) => i.kind === 'capture' && !i.concurrent && !i.optional);
const capConc = selected.find((i) => i.concurrent);
const check = (what, got, want) => targets.push({ target: what, got: got === undefined ? null : Number(got.toFixed(2)), want, met: got !== undefined && got >= want });
if (capMain) {
  const f = rateOf('portolan flows', capMain.name);
  const a = rateOf('portolan analyze', capMain.name);
  const sf = rateOf('softflowd -r', capMain.name);
  const ts = rateOf('tshark -z conv,tcp -z conv,udp', capMain.name);
  if (f && sf) check(`flows vs softflowd (${capMain.name})`, f / sf, 2);
  if (f && ts) check(`flows vs tshark (${capMain.name})`, f / ts, 30);
  if (a && sf) check(`analyze vs softflowd (${capMain.name})`, a / sf, 1.5);
  const mem = rows.find((r) => r.tool === 'portolan analyze' && r.input === capMain.name)?.peakRssMb;
  if (mem) targets.push({ target: `analyze peak RSS on ${capMain.name} (MB)`, got: Number(mem.toFixed(0)), want: '≤ 256', met: mem <= 256 });
}
if (capConc) {
  const f = rateOf('portolan flows', capConc.name);
  const sf = rateOf('softflowd -r', capConc.name);
  if (f && sf) check(`flows vs softflowd (${capConc.name})`, f / sf, 2.5);
  const mem = rows.find((r) => r.tool === 'portolan flows' && r.input === capConc.name)?.peakRssMb;
  if (mem) {
    const limit = 100 + (300 * capConc.concurrent) / 1e6;
    targets.push({ target: `flows peak RSS with ${capConc.concurrent} concurrent flows (MB)`, got: Number(mem.toFixed(0)), want: `≤ ${limit}`, met: mem <= limit });
  }
}
for (const input of selected.filter((i) => i.kind === 'log')) {
  const a = rateOf('portolan analyze', input.name);
  if (a) check(`analyze lines/s (${input.name}), thousands`, a / 1000, input.json ? 300 : 1000);
  const mem = rows.find((r) => r.tool === 'portolan analyze' && r.input === input.name)?.peakRssMb;
  if (mem && input.units >= 10_000_000) targets.push({ target: `analyze peak RSS on ${input.name} (MB)`, got: Number(mem.toFixed(0)), want: '≤ 256', met: mem <= 256 });
}

// ---- output -------------------------------------------------------------------------------------
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const fmtRate = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
console.log(`${pad('input', 30)} ${pad('tool', 32)} ${lpad('wall s', 8)} ${lpad('rate', 18)} ${lpad('MB/s', 8)} ${lpad('peak MB', 8)} ${lpad('portolan ×', 10)}`);
for (const r of rows) {
  if (r.skipped) {
    console.log(`${pad(r.input, 30)} ${pad(r.tool, 32)} skipped: ${r.skipped}`);
    continue;
  }
  console.log(
    `${pad(r.input, 30)} ${pad(r.tool, 32)} ${lpad(r.wallSeconds.toFixed(2), 8)} ${lpad(`${fmtRate(r.rate)} ${r.unit}`, 18)} ${lpad(r.mbPerSecond.toFixed(0), 8)} ${lpad(r.peakRssMb.toFixed(0), 8)} ${lpad(r.portolanRatio ? r.portolanRatio.toFixed(2) : '', 10)}`,
  );
}
console.log('\ntargets:');
for (const t of targets) console.log(`  ${t.met ? 'met    ' : 'NOT MET'} ${t.target}: ${t.got} (want ${typeof t.want === 'number' ? '≥ ' + t.want : t.want})`);
const jsonOut = resolve(opt.json ?? join(cache, 'bench-results.json'));
writeFileSync(jsonOut, JSON.stringify({ node: process.version, runs, quick: Q, rows, targets }, null, 2) + '\n');
console.log(`\nwritten: ${jsonOut}`);
rmSync(tmp, { recursive: true, force: true });
