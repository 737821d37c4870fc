import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Flow } from '../../src/model.js';
import { readFlows } from '../../src/pipeline.js';
import { DEFAULT_START, tcpSession, toFrames, udpExchange, writePcap } from '../../src/testing/capture-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'portolan-pipeline-'));
const capture = writePcap(
  toFrames([
    ...tcpSession({ client: '10.0.0.5:40112', server: '10.1.0.7:22', start: DEFAULT_START, request: 'a', response: 'b' }),
    ...udpExchange({ client: '10.0.0.5:53001', server: '10.1.0.53:53', start: DEFAULT_START + 1_000_000_000n, request: 'q' }),
  ]),
);

describe('readFlows', () => {
  it('one table per input: the same traffic in two inputs stays two sets of flows, ids by input', async () => {
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcap.gz');
    writeFileSync(a, capture);
    writeFileSync(b, gzipSync(capture));
    const flows: Flow[] = [];
    const result = await readFlows([a, b], {}, (f) => flows.push(f));
    expect(flows.map((f) => f.id).sort()).toEqual(['1.1', '1.2', '2.1', '2.2']);
    expect(flows.filter((f) => f.id.startsWith('2.')).every((f) => f.evidence.file === b)).toBe(true);
    expect(result.flows).toBe(4);
    expect(result.fatal).toBe(false);
    expect(result.inputs.map((s) => [s.index, s.kind, s.format, s.packets, s.flows, s.damaged])).toEqual([
      [1, 'capture', 'pcap', 11, 2, false],
      [2, 'capture', 'pcap', 11, 2, false],
    ]);
    expect(result.inputs[0]!.table).toMatchObject({ active: 0, emitted: 2, peakActive: 2, evicted: 0 });
  });

  it('reads logs into flows and captures into flows in one run', async () => {
    const flows: Flow[] = [];
    const result = await readFlows(['fixtures/flow/iptables.log', join(dir, 'a.pcap')], {}, (f) => flows.push(f));
    expect(result.inputs.map((s) => [s.kind, s.format, s.lines, s.observations])).toEqual([
      ['log', 'iptables', 8, 8],
      ['capture', 'pcap', 0, 0],
    ]);
    expect(flows.filter((f) => f.id.startsWith('1.'))).toHaveLength(6);
  });

  it('reports progress with the bytes read, the size and the name', async () => {
    const calls: Array<[number, number | undefined, string]> = [];
    await readFlows([join(dir, 'a.pcap')], { onProgress: (r, t, n) => calls.push([r, t, n]), progressIntervalMs: 0 }, () => {});
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[calls.length - 1]).toEqual([capture.length, capture.length, join(dir, 'a.pcap')]);
  });

  it('records an unreadable input and goes on; failFast throws it instead', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([1, 2, 3, 4, 0, 0, 0, 0]));
    const result = await readFlows([junk, join(dir, 'a.pcap')], {}, () => {});
    expect(result.fatal).toBe(true);
    expect(result.inputs[0]).toMatchObject({ kind: 'unreadable', fatal: true, error: `${junk}: not a pcap or pcapng file (magic 0x01020304)` });
    expect(result.inputs[1]!.flows).toBe(2);
    expect(result.anomalies.count('not-a-capture')).toBe(1);
    await expect(readFlows([junk], { failFast: true }, () => {})).rejects.toBeInstanceOf(InputError);
  });

  it('passes flow-table options through (timeouts, cap, server ports)', async () => {
    const flows: Flow[] = [];
    const result = await readFlows([join(dir, 'a.pcap')], { flowTable: { maxFlows: 1 } }, (f) => flows.push(f));
    expect(result.inputs[0]!.table?.evicted).toBe(1);
    expect(result.anomalies.count('flow-table-cap')).toBe(1);
  });
});
