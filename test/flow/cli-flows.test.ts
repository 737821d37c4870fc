import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Flow } from '../../src/model.js';
import { tcpSession, toFrames, udpExchange, writePcap, DEFAULT_START } from '../../src/testing/capture-writer.js';
import { memoryIo } from './io.js';

const dir = mkdtempSync(join(tmpdir(), 'portolan-flows-'));
const sec = (s: number): bigint => DEFAULT_START + BigInt(Math.round(s * 1e9));

/** Two flows: a TCP session, then a DNS exchange 10 s later. */
function twoFlows(): Buffer {
  return writePcap(
    toFrames([
      ...tcpSession({ client: '10.0.0.5:40112', server: '10.1.0.7:22', start: sec(0), request: 'a', response: 'b' }),
      ...udpExchange({ client: '10.0.0.5:53001', server: '10.1.0.53:53', start: sec(10), request: 'q', response: 'a' }),
    ]),
  );
}

function parseLines(text: string): Flow[] {
  return text
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Flow);
}

describe('portolan flows: damaged and unreadable inputs', () => {
  it('a capture cut mid-record keeps every flow before the cut and warns with the offset', async () => {
    const full = twoFlows();
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, full.subarray(0, full.length - 20));
    const io = memoryIo();
    const code = await run(['flows', '--format', 'ndjson', path], io);
    const flows = parseLines(io.out());
    expect(flows.map((f) => `${f.proto} ${f.outcome}`)).toEqual(['tcp established', 'udp unanswered']);
    expect(io.err()).toMatch(/cut\.pcap.*(0x[0-9a-f]+|byte \d+)/);
    expect(io.err()).not.toMatch(/\bat .*\.ts:\d+/);
    expect(code).toBe(0);
  });

  it('an absurd record length is an error: flows before it are printed, then exit 2', async () => {
    const full = twoFlows();
    const damaged = Buffer.from(full);
    // The last record's captured length (record header at its start): far beyond the snaplen.
    const records: number[] = [];
    for (let off = 24; off < damaged.length; off += 16 + damaged.readUInt32LE(off + 8)) records.push(off);
    const last = records[records.length - 1] ?? 24;
    damaged.writeUInt32LE(0x7fffffff, last + 8);
    const path = join(dir, 'absurd.pcap');
    writeFileSync(path, damaged);
    const io = memoryIo();
    const code = await run(['flows', '--format', 'ndjson', path], io);
    expect(code).toBe(2);
    const flows = parseLines(io.out());
    expect(flows.map((f) => f.proto)).toEqual(['tcp', 'udp']);
    expect(flows[1]!.packets).toEqual({ client: 1, server: 0 });
    expect(io.err()).toContain(`absurd.pcap`);
    expect(io.err()).toMatch(/error: /);
  });

  it('a file that is not a capture or a log: exit 2, named, no stack trace; other inputs still read', async () => {
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0, 0, 0, 0]));
    const good = join(dir, 'good.pcap');
    writeFileSync(good, twoFlows());
    const io = memoryIo();
    const code = await run(['flows', '--format', 'ndjson', junk, join(dir, 'missing.pcap'), good], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('junk.bin: not a pcap or pcapng file (magic 0xdeadbeef)');
    expect(io.err()).toContain('missing.pcap: no such file');
    expect(io.err()).not.toMatch(/\bat .*\.ts:\d+/);
    // The good input is the third: its flows are 3.x.
    expect(parseLines(io.out()).map((f) => f.id)).toEqual(['3.1', '3.2']);
  });
});

describe('portolan flows: options and inputs', () => {
  it('reads standard input with -', async () => {
    const io = memoryIo(twoFlows());
    expect(await run(['flows', '--format', 'ndjson', '-'], io)).toBe(0);
    const flows = parseLines(io.out());
    expect(flows).toHaveLength(2);
    expect(flows[0]!.evidence.file).toBe('<stdin>');
  });

  it('writes --output FILE and keeps stdout empty', async () => {
    const input = join(dir, 'in.pcap');
    writeFileSync(input, twoFlows());
    const out = join(dir, 'flows.csv');
    const io = memoryIo();
    expect(await run(['flows', '-f', 'csv', '-o', out, input], io)).toBe(0);
    expect(io.out()).toBe('');
    const csv = readFileSync(out, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^id,proto,client_ip,client_port,server_ip,server_port,direction_inferred,first,last,/);
    expect(csv).toHaveLength(4);
  });

  it('rejects bad option values with exit 2', async () => {
    for (const args of [
      ['flows', '--max-flows', '0', 'x.pcap'],
      ['flows', '--timeout-tcp', '-5', 'x.pcap'],
      ['flows', '--format', 'xml', 'x.pcap'],
      ['flows', '--input-format', 'no-such-format', 'x.pcap'],
    ]) {
      const io = memoryIo();
      expect(await run(args, io)).toBe(2);
      expect(io.err()).not.toMatch(/internal error/);
    }
  });

  it('prints one summary line per input on stderr', async () => {
    const input = join(dir, 'summary.pcap');
    writeFileSync(input, twoFlows());
    const io = memoryIo();
    await run(['flows', '-f', 'ndjson', input], io);
    expect(io.err()).toBe(`portolan: ${input}: pcap, 12 packets, 2 flows\n`);
  });
});

describe('portolan flows on a firewall log', () => {
  it('merges repeated denies, marks late denials, and joins a quoted ICMP error to its flow', async () => {
    const io = memoryIo();
    const code = await run(['flows', '--format', 'ndjson', 'fixtures/flow/iptables.log'], io);
    expect(code).toBe(0);
    await expect(io.out()).toMatchFileSnapshot('../../fixtures/flow/iptables.expected.ndjson');
    const flows = parseLines(io.out());
    const syn = flows.find((f) => f.server.port === 3001);
    expect(syn).toMatchObject({ outcome: 'denied', packets: { client: 3, server: 0 }, firewall: { action: 'denied', count: 3 } });
    const late = flows.find((f) => f.client.port === 40211);
    expect(late).toMatchObject({ outcome: 'partial', firewall: { lateOnly: true } });
    const quoted = flows.find((f) => f.server.port === 1960);
    expect(quoted).toMatchObject({ outcome: 'icmp-prohibited', icmpError: { type: 3, code: 13, from: '198.51.100.1' } });
    expect(io.err()).toMatch(/iptables\.log: iptables log, 8 lines/);
  });
});
