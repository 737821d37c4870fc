/**
 * Hostile input, end to end, each with its expected safe result (docs/security.md):
 * - a 227 reply, an iptables prefix, a Check Point rule name, inventory host names and file names
 *   carrying markup, terminal escapes and spreadsheet formulas, through `analyze`, `audit` and
 *   `flows` in every format: the HTML escapes them and loads nothing, CSV cells never start a
 *   formula, terminal text carries no escape or control character;
 * - a pcapng block whose length points past the end of the file;
 * - nested JSON bombs in a JSON log line, in Azure and GCP documents and in a report for drift;
 * - a 100 MB line (and a 100 MB JSON string), streamed: never buffered whole;
 * - a capture that opens a million flows through a capped flow table (`npm run fuzz -- --target
 *   million-flows` does the same through the command line and measures peak resident memory).
 */
/* eslint-disable no-control-regex -- finding control characters and escape sequences is what this file is for */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { run } from '../../src/cli/main.js';
import { readReportChunks } from '../../src/drift/read.js';
import { InputError } from '../../src/errors.js';
import { MAX_JSON_DEPTH } from '../../src/ingest/logs/json-stream.js';
import { readCaptureBuffer } from '../../src/ingest/pcap/read.js';
import type { Flow } from '../../src/model.js';
import { readFlows } from '../../src/pipeline.js';
import type { Report } from '../../src/report/types.js';
import { packetBlocks, tcpSession, toFrames, writePcapng } from '../../src/testing/capture-writer.js';
import { chunksOf, nestedJson } from '../../src/testing/fuzz.js';
import { memoryIo } from '../report/memory-io.js';
import { parseCsv } from '../support/csv.js';
import {
  EVIL_CAPTURE_NAME,
  FORMULA_HOST,
  FORMULA_RULE,
  MARKUP_HOST,
  SCRIPT_227,
  SCRIPT_PREFIX,
  longLineStream,
  manyFlowsStream,
  writeHostileFiles,
} from './hostile-inputs.js';

const files = writeHostileFiles();
afterAll(() => rmSync(files.dir, { recursive: true, force: true }));
const INPUTS = [files.capture, files.iptables, files.checkpoint, files.damaged, '--inventory', files.inventory];

async function cli(args: string[], stdin?: string | Buffer): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(stdin === undefined ? {} : { stdin });
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** Control characters other than newline, ESC sequences, C1 controls, bidirectional overrides. */
const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('hostile strings through analyze, audit and flows', () => {
  it('reach the report as data (JSON keeps them, escaped by JSON itself)', async () => {
    const r = await cli(['analyze', ...INPUTS, '--format', 'json']);
    expect(r.code).toBe(2); // the damaged capture: reported, then exit 2
    const report = JSON.parse(r.out) as Report;
    const text = JSON.stringify(report);
    // Every hostile string made it into the report, so the checks below are not vacuous.
    expect(text).toContain(SCRIPT_227);
    expect(text).toContain(SCRIPT_PREFIX);
    expect(text).toContain(JSON.stringify(FORMULA_RULE).slice(1, -1));
    expect(text).toContain(JSON.stringify(FORMULA_HOST).slice(1, -1));
    expect(text).toContain(MARKUP_HOST.slice(0, MARKUP_HOST.indexOf('\u001b')));
    expect(text).toContain(EVIL_CAPTURE_NAME);
  });

  it('HTML: every string escaped, no script, nothing loaded from elsewhere', async () => {
    for (const command of ['analyze', 'audit']) {
      const r = await cli([command, ...INPUTS, '--format', 'html']);
      const html = r.out;
      expect(html.length).toBeGreaterThan(1000);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<(img|iframe|object|embed|link|base|form|audio|video|math|script|foreignObject)\b/i);
      expect(html).not.toMatch(/<[a-z][^>]*\s(src|href|srcset|action|formaction|data|on[a-z]+)\s*=/i);
      expect(html).not.toMatch(/https?:\/\/|url\(|@import/i);
      expect(html).toContain(`content="default-src 'none'`);
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
      expect(html).toContain('evil&lt;img src=x onerror=alert(3)&gt;.pcap');
      expect(html).toContain('&lt;b&gt;host&lt;/b&gt;');
      expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/);
    }
  });

  it('CSV: no cell starts a spreadsheet formula', async () => {
    for (const command of ['analyze', 'audit']) {
      const r = await cli([command, ...INPUTS, '--format', 'csv']);
      const cells = parseCsv(r.out).flat();
      expect(cells.length).toBeGreaterThan(40);
      expect(cells).toContain(`'${FORMULA_HOST}`);
      for (const cell of cells) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
      expect(r.out).not.toMatch(/\u001b/);
    }
    const flows = await cli(['flows', files.capture, files.iptables, files.checkpoint, '--format', 'csv']);
    for (const cell of parseCsv(flows.out).flat()) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('terminal table and stderr: no escape sequence or control character from input', async () => {
    for (const command of ['analyze', 'audit']) {
      const r = await cli([command, ...INPUTS, '--format', 'table']);
      expect(r.out).toContain('<script>alert(2)</script>');
      expect(r.out).toContain('<b>host</b>');
      expect(r.out).not.toMatch(TERMINAL_UNSAFE);
      // The damaged capture's name is an escape sequence: stderr names it without it.
      expect(r.err).toContain('cut');
      expect(r.err).not.toMatch(TERMINAL_UNSAFE);
    }
    const flows = await cli(['flows', files.capture, files.iptables, files.checkpoint, files.damaged, '--format', 'table']);
    expect(flows.out).not.toMatch(TERMINAL_UNSAFE);
    expect(flows.err).not.toMatch(TERMINAL_UNSAFE);
  });

  it('Markdown: no raw HTML, no escape sequence', async () => {
    const r = await cli(['analyze', ...INPUTS, '--format', 'markdown']);
    expect(r.out).not.toMatch(/<script|<img|<b>/i);
    expect(r.out).not.toMatch(/\u001b/);
  });

  it('the announcement kept in a flow record has its control characters removed', async () => {
    const flows: Flow[] = [];
    await readFlows([files.capture], {}, (f) => flows.push(f));
    const data = flows.find((f) => f.app?.kind === 'ftp-data');
    expect(data?.app?.kind === 'ftp-data' ? data.app.announcement : '').toContain(SCRIPT_227);
    expect(JSON.stringify(flows)).not.toMatch(/\\u001b|\\u0007|\\u009b/);
  });
});

describe('damaged structure', () => {
  it('a pcapng block whose length points past the end of the file: an anomaly at its offset, earlier packets kept', async () => {
    const pkts = tcpSession({ client: '10.0.0.1:40000', server: '10.0.0.2:22' });
    const buf = writePcapng({ interfaces: [{ linkType: 1 }], blocks: packetBlocks(toFrames(pkts)) });
    // Walk to the fourth block (SHB, IDB, EPB, EPB, ...) and make its length reach past the end.
    let p = 0;
    for (let i = 0; i < 4; i++) p += buf.readUInt32LE(p + 4);
    const bad = Buffer.from(buf);
    bad.writeUInt32LE(((bad.length - p + 4096) & ~3) >>> 0, p + 4);
    const log = new AnomalyLog();
    let packets = 0;
    const stats = readCaptureBuffer(bad, 'past-end.pcapng', () => packets++, log);
    expect(packets).toBe(2);
    expect(stats.damaged).toBe(true);
    const messages = log.summary().flatMap((s) => s.examples.map((e) => e.message));
    expect(messages.join('\n')).toContain(`past-end.pcapng@0x${p.toString(16)}`);
    expect(log.summary().map((s) => s.code)).toEqual(expect.arrayContaining([expect.stringMatching(/truncated-record|bad-record-length/)]));

    const path = join(files.dir, 'past-end.pcapng');
    writeFileSync(path, bad);
    const flows: Flow[] = [];
    const result = await readFlows([path], {}, (f) => flows.push(f));
    expect(flows).toHaveLength(1);
    expect(flows[0]!.packets.client + flows[0]!.packets.server).toBe(2);
    expect(result.anomalies.count()).toBeGreaterThan(0);
  });
});

describe('nested JSON bombs', () => {
  const bomb = (depth: number): string => nestedJson(depth);

  it('in a JSON-lines log (Suricata EVE): the line is read or rejected, the next line still gives its flow', async () => {
    const good =
      '{"timestamp":"2024-05-01T12:04:20.399556+0000","event_type":"flow","src_ip":"10.1.22.212","src_port":56984,"dest_ip":"10.1.46.5","dest_port":5005,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":60,"bytes_toclient":60,"start":"2024-05-01T12:00:20.399198+0000","end":"2024-05-01T12:04:20.399556+0000","state":"closed"}}';
    // 30 000 deep fits the 64 KiB line limit; 1 000 000 deep does not.
    const text = [good.replace('"proto"', `"x":${bomb(30_000)},"proto"`), `{"event_type":"flow","x":${bomb(1_000_000)}}`, good].join('\n') + '\n';
    const flows: Flow[] = [];
    const result = await readFlows(['-'], { stdin: Readable.from([Buffer.from(text)]), inputFormat: 'suricata-eve' }, (f) => flows.push(f));
    expect(result.fatal).toBe(false);
    expect(flows.length).toBeGreaterThanOrEqual(1);
    expect(result.anomalies.count('line-too-long')).toBe(1);
  });

  it('in an Azure NSG document: stopped at the depth limit, records before it kept', async () => {
    const head =
      '{"records":[{"time":"2024-05-01T12:01:00.0000000Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[{"rule":"R","flows":[{"mac":"000D3AF87856","flowTuples":["1714564800,203.0.113.7,10.1.0.4,50122,3389,T,I,D,B,,,,"]}]}]}},';
    const doc = `${head}{"properties":${bomb(2_000_000)}}]}`;
    const flows: Flow[] = [];
    const result = await readFlows(['-'], { stdin: Readable.from([Buffer.from(doc)]) }, (f) => flows.push(f));
    expect(flows).toHaveLength(1);
    const log = result.inputs[0]!.log!;
    expect(log.format).toBe('azure-nsg');
    expect(log.badReasons.map((r) => r.code)).toEqual(['limit-json-depth']);
    const message = result.anomalies.summary().find((s) => s.code === 'bad-log-line')!.examples[0]!.message;
    expect(message).toContain(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('in a GCP document: the same, as a report line of `analyze`', async () => {
    const entry =
      '{"insertId":"a1","jsonPayload":{"connection":{"src_ip":"203.0.113.50","src_port":51234,"dest_ip":"10.128.0.5","dest_port":22,"protocol":6},"disposition":"DENIED","rule_details":{"reference":"network:x/firewall:deny"}},"logName":"projects/p/logs/compute.googleapis.com%2Ffirewall","timestamp":"2024-05-01T12:03:05.221345678Z"}';
    const path = join(files.dir, 'gcp-bomb.json');
    writeFileSync(path, `[${entry},{"jsonPayload":${bomb(500_000)}}]`);
    const r = await cli(['analyze', path, '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    expect(report.totals.flows).toBe(1);
    expect(report.limits.map((l) => l.limit)).toContain('json-depth');
  });

  it('in a report given to drift: a clear error and exit 2, never a stack overflow', async () => {
    const old = join(files.dir, 'old.json');
    const evil = join(files.dir, 'bomb-report.json');
    writeFileSync(old, (await cli(['analyze', files.capture, '--format', 'json'])).out);
    writeFileSync(evil, `{"schemaVersion":1,"services":${bomb(1_000_000)}}`);
    const r = await cli(['drift', old, evil]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bomb-report\.json: .*(deep|nest)/i);
    expect(r.err).not.toMatch(/\n\s+at /);
    await expect(readReportChunks('bomb.json', chunksOf([Buffer.from(bomb(5_000_000))]))).rejects.toBeInstanceOf(InputError);
  });
});

describe('inputs too large to hold', () => {
  /** Peak of heap plus buffers while `fn` runs, sampled by the stream as it produces. */
  async function peakGrowth(make: (sample: () => void) => Readable, fn: (stdin: Readable) => Promise<void>): Promise<number> {
    const base = process.memoryUsage();
    const baseline = base.heapUsed + base.arrayBuffers;
    let peak = 0;
    const sample = (): void => {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - baseline);
    };
    await fn(make(sample));
    return peak;
  }

  function sampled(stream: Readable, sample: () => void): Readable {
    stream.on('data', () => {
      sample();
    });
    return stream;
  }

  it('a 100 MB log line without a newline is skipped as it streams; the line after it is read', async () => {
    const tail = '\nMar  4 09:15:01 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.23 DST=192.0.2.10 LEN=60 TTL=52 ID=1 PROTO=TCP SPT=51514 DPT=3001 WINDOW=64240 RES=0x00 SYN URGP=0\n';
    const flows: Flow[] = [];
    let anomalies = new AnomalyLog();
    const growth = await peakGrowth(
      (sample) => sampled(longLineStream(100 * 1024 * 1024, tail), sample),
      async (stdin) => {
        const r = await readFlows(['-'], { stdin, inputFormat: 'iptables' }, (f) => flows.push(f));
        anomalies = r.anomalies;
      },
    );
    expect(anomalies.count('line-too-long')).toBe(1);
    expect(anomalies.summary().find((s) => s.code === 'line-too-long')!.examples[0]!.message).toMatch(/<stdin>:1: line longer than 65536 bytes/);
    expect(flows).toHaveLength(1);
    // The line was never held: far less than its 100 MB was in memory at once.
    expect(growth).toBeLessThan(48 * 1024 * 1024);
  });

  it('a 100 MB string inside an Azure document stops at the string limit, without holding it', async () => {
    const head =
      '{"records":[{"time":"2024-05-01T12:01:00.0000000Z","category":"NetworkSecurityGroupFlowEvent","properties":{"Version":2,"flows":[{"rule":"R","flows":[{"mac":"000D3AF87856","flowTuples":["1714564800,203.0.113.7,10.1.0.4,50122,3389,T,I,D,B,,,,"]}]}]}},{"properties":{"x":"';
    const flows: Flow[] = [];
    let badCodes: string[] = [];
    const growth = await peakGrowth(
      (sample) => {
        const body = longLineStream(100 * 1024 * 1024, '"}}]}');
        return sampled(Readable.from((async function* () {
          yield Buffer.from(head);
          yield* body;
        })()), sample);
      },
      async (stdin) => {
        const r = await readFlows(['-'], { stdin }, (f) => flows.push(f));
        badCodes = r.inputs[0]!.log!.badReasons.map((b) => b.code);
      },
    );
    expect(flows).toHaveLength(1);
    expect(badCodes).toEqual(['limit-json-string']);
    expect(growth).toBeLessThan(64 * 1024 * 1024);
  });

  it('a capture opening a million flows: the table stays at --max-flows, every flow is still emitted, the cap is reported, memory stays flat', async () => {
    let flows = 0;
    const base = process.memoryUsage().heapUsed;
    let growth = 0;
    const result = await readFlows(['-'], { stdin: manyFlowsStream(1_000_000), flowTable: { maxFlows: 1000 } }, () => {
      if (++flows % 50_000 === 0) growth = Math.max(growth, process.memoryUsage().heapUsed - base);
    });
    expect(flows).toBe(1_000_000);
    const table = result.inputs[0]!.table!;
    expect(table.peakActive).toBe(1000);
    expect(table.evicted).toBe(999_000);
    expect(result.anomalies.count('flow-table-cap')).toBe(999_000);
    // A thousand live flows and the garbage between collections; a million held would be ~500 MB.
    expect(growth).toBeLessThan(160 * 1024 * 1024);
    // Examples are capped per code: a damaged input of any size costs bounded memory.
    expect(result.anomalies.summary().find((s) => s.code === 'flow-table-cap')!.examples.length).toBeLessThanOrEqual(5);
  });

  it('analyze --max-flows says in the report that the cap was reached', async () => {
    const path = join(files.dir, 'many.pcap');
    const chunks: Buffer[] = [];
    for await (const c of manyFlowsStream(3000)) chunks.push(c as Buffer);
    writeFileSync(path, Buffer.concat(chunks));
    const r = await cli(['analyze', path, '--max-flows', '100', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as Report;
    expect(report.totals.flows).toBe(3000);
    expect(report.limits).toEqual([expect.objectContaining({ limit: 'max-flows', value: 100 })]);
    const table = await cli(['analyze', path, '--max-flows', '100']);
    expect(table.out).toMatch(/limit reached: 2900 flows were emitted before their timeout to keep at most 100 live flows \(--max-flows\)/);
    expect((await cli(['analyze', path, '--max-flows', '0'])).code).toBe(2);
  });
});
