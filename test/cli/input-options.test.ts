/**
 * The input options on the command line, end to end: `--ftp-port` (and the FTP control ports a
 * `--catalog` product states) reaches the FTP observer, `--prefix-action` and `--aws-vpc-fields`
 * reach the log parsers, on `flows`, `analyze` and `audit` alike (and through `--jobs` workers).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import type { Flow } from '../../src/model.js';
import type { Report } from '../../src/report/types.js';
import { at, mergeByTime, tcpSession, toFrames, writePcap } from '../support/capture-writer.js';
import { memoryIo } from '../report/memory-io.js';

const tmp = mkdtempSync(join(tmpdir(), 'portolan-cli-input-'));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo();
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

/**
 * FTP control on port 443 (a port the observer never probes by content: its own protocol is
 * known), a PASV reply announcing 10.1.0.7:50000, and the data connection to it.
 */
function ftpOn443(): string {
  const control = tcpSession({
    client: '10.0.0.5:40112',
    server: '10.1.0.7:443',
    start: at(1_714_564_800),
    exchanges: [
      { from: 'server', data: '220 Service ready\r\n' },
      { from: 'client', data: 'USER anonymous\r\n' },
      { from: 'server', data: '331 Password required\r\n' },
      { from: 'client', data: 'PASV\r\n' },
      { from: 'server', data: '227 Entering Passive Mode (10,1,0,7,195,80).\r\n' },
      { from: 'client', data: 'RETR firmware.bin\r\n' },
    ],
    close: 'none',
  });
  const data = tcpSession({ client: '10.0.0.5:40113', server: '10.1.0.7:50000', start: at(1_714_564_801), response: 'firmware' });
  const path = join(tmp, 'ftp-443.pcap');
  writeFileSync(path, writePcap(toFrames(mergeByTime(control, data))));
  return path;
}

function ndjson(text: string): Flow[] {
  return text.trim().split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Flow);
}

describe('--ftp-port', () => {
  const capture = ftpOn443();

  it('flows: the data connection is marked only when the control port is named', async () => {
    const without = ndjson((await cli(['flows', capture, '-f', 'ndjson'])).out);
    expect(without.find((f) => f.server.port === 50000)?.app).toBeUndefined();
    const r = await cli(['flows', capture, '-f', 'ndjson', '--ftp-port', '443']);
    expect(r.code).toBe(0);
    const data = ndjson(r.out).find((f) => f.server.port === 50000);
    expect(data?.app).toMatchObject({ kind: 'ftp-data', mode: 'pasv', controlText: '10.0.0.5:40112 → 10.1.0.7:443' });
  });

  it('analyze and audit, on this thread and on worker threads', async () => {
    for (const args of [['analyze'], ['audit'], ['analyze', '--jobs', '2']]) {
      const r = await cli([...args, capture, capture, '-f', 'ndjson', '--ftp-port', '443']);
      expect(r.code, args.join(' ')).toBe(0);
      const data = ndjson(r.out).filter((f) => f.server.port === 50000);
      expect(data, args.join(' ')).toHaveLength(2);
      for (const f of data) expect(f.app?.kind, args.join(' ')).toBe('ftp-data');
    }
  });

  it('a --catalog product whose FTP rule is on another port needs no option', async () => {
    const product = {
      id: 'acme-ftp',
      name: 'Acme FTP appliance',
      documents: [{ document: 'acme.txt', title: 'Acme ports' }],
      roles: [
        { id: 'acme-client', name: 'Acme client' },
        { id: 'acme-server', name: 'Acme server' },
      ],
      rules: [
        {
          id: 'ftp',
          service: 'FTP control',
          from: 'acme-client',
          to: 'acme-server',
          proto: ['tcp'],
          protoStated: true,
          ports: { kind: 'port', port: 443 },
          level: 'required',
          source: { document: 'acme.txt', section: 'Ports', text: 'FTP control on 443' },
        },
        {
          id: 'ftp-data',
          service: 'FTP data',
          from: 'acme-client',
          to: 'acme-server',
          proto: ['tcp'],
          protoStated: true,
          ports: { kind: 'ftp-data', control: 'ftp', fallback: [] },
          level: 'required',
          source: { document: 'acme.txt', section: 'Ports', text: 'FTP data, passive' },
        },
      ],
    };
    const file = join(tmp, 'acme-ftp.json');
    writeFileSync(file, JSON.stringify(product));
    const check = await cli(['catalog', 'validate', file]);
    expect(check.err).toBe('');
    for (const command of ['flows', 'analyze']) {
      const r = await cli([command, capture, '-f', 'ndjson', '--catalog', file]);
      expect(r.code, command).toBe(0);
      expect(ndjson(r.out).find((f) => f.server.port === 50000)?.app?.kind, command).toBe('ftp-data');
    }
  });
});

describe('log options', () => {
  const kern = join(tmp, 'kern.log');
  writeFileSync(
    kern,
    'Mar  4 09:15:04 gw1 kernel: FW-IN-X IN=eth0 OUT= SRC=192.0.2.10 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=5808 WINDOW=64240 RES=0x00 SYN URGP=0\n',
  );
  const vpc = join(tmp, 'vpc.log');
  writeFileSync(vpc, '10.1.0.7 10.0.0.5 40000 5808 6 REJECT 1700000200 2\n');
  const fields = '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${start} ${tcp-flags}';

  it('--prefix-action turns a prefix the built-in words do not know into denials', async () => {
    const plain = JSON.parse((await cli(['audit', kern, '-f', 'json'])).out) as Report;
    expect(plain.counts.flows.byFinding['broken-requirement']).toBe(0);
    for (const jobs of ['1', '2']) {
      const r = await cli(['audit', kern, kern, '-f', 'json', '--prefix-action', 'fw-in-x=denied', '--jobs', jobs]);
      const report = JSON.parse(r.out) as Report;
      expect(report.counts.flows.byFinding['broken-requirement'], `jobs ${jobs}`).toBe(2);
      expect(report.findings[0]?.key).toBe('192.0.2.10 → 10.0.0.5 tcp/5808');
    }
    const flows = ndjson((await cli(['flows', kern, '-f', 'ndjson', '--prefix-action', 'FW-IN-X=deny'])).out);
    expect(flows[0]?.outcome).toBe('denied');
  });

  it('--year and --utc-offset date syslog lines that print neither', async () => {
    for (const command of ['flows', 'analyze']) {
      const r = await cli([command, kern, '-f', 'ndjson', '--year', '2021', '--utc-offset', '+01:00']);
      expect(r.code, command).toBe(0);
      expect(ndjson(r.out)[0]?.first, command).toBe('2021-03-04T08:15:04.000000000Z');
    }
  });

  it('--aws-vpc-fields reads AWS VPC Flow Logs without a header', async () => {
    const without = await cli(['flows', vpc, '--input-format', 'aws-vpc', '-f', 'ndjson']);
    expect(without.out).toBe('');
    for (const command of ['flows', 'analyze', 'audit']) {
      const r = await cli([command, vpc, '--input-format', 'aws-vpc', '-f', 'ndjson', '--aws-vpc-fields', fields]);
      expect(r.code, command).toBe(0);
      expect(ndjson(r.out)[0]?.outcome, command).toBe('denied');
    }
  });
});
