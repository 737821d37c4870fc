/**
 * Every structure an input can grow has a limit, and reaching it leaves a report line (an anomaly
 * code, a bad-record reason, a `limits` entry in the analyze report). The table in
 * docs/security.md lists each one; a guard here fails when a limit code is missing from it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyLog, DEFAULT_EXAMPLES_PER_CODE } from '../../src/anomalies.js';
import { limitsReached } from '../../src/cli/commands/analyze.js';
import { MAX_ASSEMBLED_VALUES } from '../../src/ingest/logs/json-stream.js';
import type { Flow } from '../../src/model.js';
import { readFlows } from '../../src/pipeline.js';
import { mergeByTime, tcpSession, toFrames, writeCapture } from '../../src/testing/capture-writer.js';
import { manyFlowsStream } from './hostile-inputs.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function stdinOf(buf: Buffer): Readable {
  return Readable.from([buf]);
}

describe('limits and their report lines', () => {
  it('anomaly examples are kept per code up to a fixed number; the count goes on', () => {
    const log = new AnomalyLog();
    for (let i = 0; i < 10_000; i++) log.add({ code: 'bad-log-line', severity: 'warning', message: `x:${i}: bad` });
    const s = log.summary()[0]!;
    expect(s.count).toBe(10_000);
    expect(s.examples).toHaveLength(DEFAULT_EXAMPLES_PER_CODE);
  });

  it('FTP expectations: a full table drops the oldest (`expectation-cap`), and analyze lists the limit', async () => {
    // Three PASV announcements before any data connection, with room for one.
    const sessions = [0, 1, 2].map((i) =>
      tcpSession({
        client: `10.0.0.5:${40000 + i}`,
        server: '10.1.0.7:21',
        start: 1_700_000_000n * 1_000_000_000n + BigInt(i) * 1_000_000n,
        exchanges: [
          { from: 'client', data: 'PASV\r\n' },
          { from: 'server', data: `227 Entering Passive Mode (10,1,0,7,128,${10 + i})\r\n` },
        ],
      }),
    );
    const cap = writeCapture(toFrames(mergeByTime(...sessions)), 'pcap');
    const result = await readFlows(['-'], { stdin: stdinOf(cap), observers: { expectationCap: 1 } }, () => undefined);
    expect(result.anomalies.count('expectation-cap')).toBe(2);
    expect(limitsReached(result, 1000).map((l) => l.limit)).toEqual(['expectations']);
  });

  it('control channels followed at once (`limit-observer-sessions`)', async () => {
    const result = await readFlows(['-'], { stdin: manyFlowsStream(16_500, 21) }, () => undefined);
    expect(result.anomalies.count('limit-observer-sessions')).toBe(16_500 - 16_384);
    expect(limitsReached(result, 1_000_000).map((l) => l.limit)).toEqual(['observer-sessions']);
  });

  it('bytes all control channels may hold (`limit-observer-buffer`)', async () => {
    // Twenty FTP sessions at once, each in the middle of a 1000-byte command line.
    const sessions = Array.from({ length: 20 }, (_, i) =>
      tcpSession({
        client: `10.0.0.5:${41000 + i}`,
        server: '10.1.0.7:21',
        start: 1_700_000_000n * 1_000_000_000n + BigInt(i) * 1000n,
        exchanges: [{ from: 'client', data: `USER ${'x'.repeat(1000)}` }],
        close: 'none',
      }),
    );
    const cap = writeCapture(toFrames(mergeByTime(...sessions)), 'pcap');
    const flows: Flow[] = [];
    const result = await readFlows(['-'], { stdin: stdinOf(cap), observers: { bufferBudgetBytes: 4096 } }, (f) => flows.push(f));
    expect(flows).toHaveLength(20);
    expect(result.anomalies.count('limit-observer-buffer')).toBeGreaterThan(0);
  });

  it('values in one assembled JSON record (`limit-json-record`)', async () => {
    const entry =
      '{"insertId":"a1","jsonPayload":{"connection":{"src_ip":"203.0.113.50","src_port":51234,"dest_ip":"10.128.0.5","dest_port":22,"protocol":6},"disposition":"DENIED"},"logName":"projects/p/logs/compute.googleapis.com%2Ffirewall","timestamp":"2024-05-01T12:03:05.221345678Z"}';
    const huge = `{"jsonPayload":{"connection":{}},"x":[${new Array(MAX_ASSEMBLED_VALUES + 10).fill('0').join(',')}]}`;
    const flows: Flow[] = [];
    const result = await readFlows(['-'], { stdin: stdinOf(Buffer.from(`[${entry},${huge},${entry}]`)) }, (f) => flows.push(f));
    expect(flows).toHaveLength(1);
    expect(result.inputs[0]!.log!.badReasons.map((r) => r.code)).toEqual(['limit-json-record']);
    expect(limitsReached(result, 1000)[0]!.message).toMatch(/went past the record limit \(100000\); the rest of it was not read/);
  });

  it('docs/security.md lists every limit code', () => {
    const doc = readFileSync(join(repo, 'docs', 'security.md'), 'utf8');
    for (const code of [
      'flow-table-cap',
      'fragment-without-first',
      'expectation-cap',
      'limit-observer-sessions',
      'limit-observer-buffer',
      'ftp-line-too-long',
      'rpc-record-too-long',
      'rpc-pending-calls-full',
      'line-too-long',
      'gcp-line-too-long',
      'limit-json-depth',
      'limit-json-string',
      'limit-json-record',
      'bad-record-length',
      'max-services',
      '--max-flows',
    ]) {
      expect(doc, code).toContain(`\`${code}\``);
    }
  });
});
