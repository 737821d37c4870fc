/**
 * Golden classification tests: every capture and log in fixtures/classify/ (made by
 * scripts/make-classify-fixtures.mjs) is classified with fixtures/classify/inventory.json through
 * the CLI, and each flow's verdict is compared with `<case>.expected.ndjson` (regenerate with
 * `npx vitest run test/classify/golden.test.ts -u` and review the diff). The findings per flow are
 * also asserted here explicitly, so a regenerated golden file cannot hide a changed verdict.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../report/memory-io.js';

const DIR = 'fixtures/classify';
const INVENTORY = join(DIR, 'inventory.json');

interface Line {
  id: string;
  proto: string;
  client: { ip: string; port: number };
  server: { ip: string; port: number };
  outcome: string;
  status: string;
  reachability: string;
  finding: string;
  severity: string;
  rules: string[];
  key: string;
  reason: string;
  wrongDirection?: string;
}

async function classify(file: string, command = 'analyze'): Promise<Line[]> {
  const io = memoryIo();
  const code = await run([command, join(DIR, file), '--inventory', INVENTORY, '--format', 'ndjson'], io);
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  return io
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line)
    .sort((a, b) => Number(a.id.split('.')[1]) - Number(b.id.split('.')[1]));
}

function ep(proto: string, e: { ip: string; port: number }): string {
  const ip = e.ip.includes(':') ? `[${e.ip}]` : e.ip;
  return proto === 'tcp' || proto === 'udp' || proto === 'sctp' ? `${ip}:${e.port}` : ip;
}

function golden(lines: Line[]): string {
  return (
    lines
      .map((l) =>
        JSON.stringify({
          id: l.id,
          flow: `${l.proto} ${ep(l.proto, l.client)} → ${ep(l.proto, l.server)}`,
          outcome: l.outcome,
          status: l.status,
          reachability: l.reachability,
          finding: l.finding,
          severity: l.severity,
          rules: l.rules,
          key: l.key,
          reason: l.reason,
          ...(l.wrongDirection !== undefined ? { wrongDirection: l.wrongDirection } : {}),
        }),
      )
      .join('\n') + '\n'
  );
}

/** The finding of every flow, in flow order: the heart of each golden case. */
const EXPECTED: Record<string, string[]> = {
  'ok.pcap': ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  'ftp-pasv.pcap': ['ok', 'ok', 'broken-requirement', 'undocumented'],
  'broken.pcap': ['broken-requirement', 'broken-requirement', 'broken-requirement', 'info'],
  'exposure.pcap': ['exposure', 'ok', 'ok'],
  'deprecated.pcap': ['deprecated-in-use', 'deprecated-in-use', 'ok'],
  'undocumented.pcap': ['undocumented', 'info', 'undocumented', 'undocumented', 'info', 'info', 'undocumented'],
  'iptables-deny.log': ['broken-requirement', 'ok', 'ok', 'exposure', 'info', 'broken-requirement'],
  'nftables-deny.log': ['broken-requirement', 'broken-requirement', 'deprecated-in-use', 'info'],
};

describe('golden classification (fixtures/classify)', () => {
  it('has a golden case for every fixture and a fixture for every golden case', () => {
    const inputs = readdirSync(DIR).filter((f) => f.endsWith('.pcap') || f.endsWith('.log'));
    expect(inputs.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, findings] of Object.entries(EXPECTED)) {
    it(`${file}: every flow gets its expected finding`, async () => {
      const lines = await classify(file, file.endsWith('.log') ? 'audit' : 'analyze');
      expect(lines.map((l) => l.finding)).toEqual(findings);
      await expect(golden(lines)).toMatchFileSnapshot(`../../${DIR}/${file.replace(/\.(pcap|log)$/, '')}.expected.ndjson`);
    });
  }

  it('says which rule a wrong-direction flow reverses', async () => {
    const lines = await classify('undocumented.pcap');
    const ftp = lines.find((l) => l.server.port === 21)!;
    expect(ftp.wrongDirection).toBe('pathtrak/ftp');
    expect(ftp.reason).toBe(
      'wrong direction: PathTrak 4.x rule ftp (HCU inbound from PathTrak Server) documents PathTrak Server → HCU on tcp/21, but hcu-a (hcu) opened the connection to pts-1 (pathtrak-server)',
    );
    const active = (await classify('ftp-pasv.pcap')).find((l) => l.client.port === 20)!;
    expect(active.wrongDirection).toBe('pathtrak/ftp-data');
    expect(active.key).toBe('hcu → pathtrak-server tcp ftp-data');
  });

  it('names the 227 reply and control flow of FTP data, word for word', async () => {
    const lines = await classify('ftp-pasv.pcap');
    expect(lines[1]!.reason).toBe(
      'PathTrak 4.x rule ftp-data (HCU inbound from PathTrak Server): FTP PASV data announced by "227 Entering Passive Mode (10,1,0,7,128,12)" on control flow 10.0.0.5:40112 → 10.1.0.7:21 at 12:03:30.110',
    );
    expect(lines[2]!.reason).toContain('blocked: unanswered (SYN with no reply)');
  });

  it('names the formula, its parameter and where the value came from, word for word', async () => {
    const lines = await classify('ok.pcap');
    expect(lines[4]!.reason).toBe(
      'Stratus VOS STCP rule osl (VOS module inbound from VOS module): 3017 in 3000..3050 (max_open_server=25 from inventory host vos-a), required',
    );
  });

  it('names the firewall rule that denied a documented flow, and ignores late-packet denials', async () => {
    const lines = await classify('iptables-deny.log', 'audit');
    expect(lines[0]!.reason).toBe(
      'PathTrak 4.x rule boot-event-listener (PathTrak Server inbound from HCU): tcp/5808, required; blocked: denied by iptables rule "IPT-INPUT-DROP" (2 times)',
    );
    expect(lines[1]!.reachability).toBe('allowed');
    expect(lines[1]!.reason).toContain('the firewall denied only late packets');
  });
});
