/**
 * The schemaVersion 1 fixture (fixtures/drift/schema-v1.json): a complete v1 report built in
 * TypeScript, so the compiler checks it against the Report type while v1 is the current version.
 *
 * When schemaVersion 2 lands: keep fixtures/drift/schema-v1.json as it is (it must keep reading
 * through the v1 → v2 upgrade), delete this builder and its snapshot test, and add a v2 one.
 */
import type { Report } from '../../src/report/types.js';
import { report, serviceRow } from './support.js';

export function schemaV1Report(): Report {
  return report(
    [
      serviceRow('hcu → pathtrak-server tcp/5808', {
        finding: 'broken-requirement',
        severity: 'high',
        reachability: 'mixed',
        flows: 4,
        flowsByFinding: { 'broken-requirement': 1, ok: 3 },
        outcomes: { established: 3, denied: 1 },
        allowed: 3,
        blocked: 1,
        deniedBy: [{ source: 'iptables', rule: 'UFW BLOCK', flows: 1 }],
        examples: [
          {
            flow: '2.1',
            client: '10.1.0.7:43000',
            server: '10.0.0.5:5808',
            first: '2026-11-07T10:10:00.000000000Z',
            outcome: 'denied',
            finding: 'broken-requirement',
            evidence: { file: 'fw.log', line: 1 },
            reason: 'PathTrak rule boot-event-listener (PathTrak Server inbound from HCU): denied by iptables "UFW BLOCK"',
          },
        ],
      }),
      serviceRow('pathtrak-server → hcu tcp pathtrak/ftp-data', {
        client: { label: 'pathtrak-server', kind: 'role', product: 'pathtrak', role: 'pathtrak-server', addresses: ['10.0.0.5'], addressCount: 1 },
        server: { label: 'hcu', kind: 'role', product: 'pathtrak', role: 'hcu', addresses: ['10.1.0.7'], addressCount: 1 },
        port: null,
        keyRule: 'pathtrak/ftp-data',
        status: 'dynamic',
        rules: ['pathtrak/ftp-data'],
        confidence: 'announced',
        reason: 'PathTrak rule ftp-data: FTP PASV data announced by "227 Entering Passive Mode (10,1,0,7,128,12)"',
        serverPorts: { count: 1, ports: [32780] },
      }),
      serviceRow('[2001:db8::5] → [2001:db8::7] udp/161', {
        client: { label: '[2001:db8::5]', kind: 'address', product: null, role: null, addresses: ['2001:db8::5'], addressCount: 1 },
        server: { label: '[2001:db8::7]', kind: 'address', product: null, role: null, addresses: ['2001:db8::7'], addressCount: 1 },
        proto: 'udp',
        port: 161,
        finding: 'undocumented',
        severity: 'medium',
        status: 'undocumented',
        rules: [],
        confidence: null,
        reason: 'no catalog rule documents udp/161 between these hosts — «SNMP»',
        flowsByFinding: { undocumented: 3 },
      }),
    ],
    {
      inventory: { file: 'hosts.json', entries: 3, roles: [{ product: 'pathtrak', role: 'hcu', entries: 2 }] },
      params: { max_open_server: 25 },
      findings: [
        {
          key: 'hcu → pathtrak-server tcp/5808',
          finding: 'broken-requirement',
          severity: 'high',
          reachability: 'mixed',
          flows: 4,
          first: '2026-11-07T10:00:00.000000000Z',
          last: '2026-11-07T10:05:00.000000000Z',
          reason: 'PathTrak rule boot-event-listener',
        },
      ],
      timeline: { binSeconds: 60, bins: [{ start: '2026-11-07T10:00:00Z', flows: { ok: 6, undocumented: 3, 'broken-requirement': 1 } }] },
      anomalies: [{ code: 'bad-log-line', severity: 'warning', count: 2, examples: [{ code: 'bad-log-line', message: 'fw.log:7: no PROTO=', severity: 'warning', file: 'fw.log', line: 7 }] }],
      limits: [{ limit: 'max-services', value: 100000, message: 'example limit' }],
    },
  );
}
