/**
 * The weekly drift fixture: three weeks of a small site, each a capture and a UFW (iptables) log,
 * made with the project's capture writer. The weeks differ in known ways:
 *
 * | service | 2026-11-07 | 2026-11-14 | 2026-11-21 |
 * |---|---|---|---|
 * | pts-1 → hcu-a FTP (tcp/21) | ok | ok | ok |
 * | mn-1 → compute ssh (tcp/22) | ok | gone | back |
 * | compute → mn-1 xcatd (tcp/3001) | 2 sessions | 25 sessions (volume ×12.5) | 2 sessions |
 * | workstation → backup-1 tcp/7000 | undocumented | documented by the user catalog acme-backup.json (`--catalog`) | documented |
 * | hcu-a → pts-1 boot events (tcp/5808, UFW log) | allowed | blocked: broken requirement | allowed again |
 * | workstation → vos-a telnet (tcp/85, UFW log) | — | allowed: new exposure | blocked |
 * | workstation → pts-1 tcp/8080 (UFW log) | — | allowed: new undocumented | allowed |
 *
 * Week 1 runs without the user catalog, weeks 2 and 3 with it (the catalog change drift reports).
 */
import {
  at,
  mergeByTime,
  tcpSession,
  toFrames,
  writePcap,
} from '../../src/testing/capture-writer.js';
import type { TimedPacket } from '../../src/testing/capture-writer.js';

export const WEEKS = ['2026-11-07', '2026-11-14', '2026-11-21'] as const;
export type Week = (typeof WEEKS)[number];

export const DIR = 'fixtures/drift/weekly';
export const INPUTS = `${DIR}/inputs`;
export const REPORTS = `${DIR}/reports`;
export const EXPECTED = `${DIR}/expected`;

const PTS = '10.0.0.5';
const HCU_A = '10.1.0.7';
const MN = '10.2.0.1';
const NODE1 = '10.2.1.11';
const VOS_A = '10.3.0.1';
const BACKUP = '10.4.0.9';
const WORKSTATION = '192.168.10.50';

/** Seconds since the epoch of 10:00:00 UTC on a week's day. */
function dayStart(week: Week): number {
  return Date.parse(`${week}T10:00:00Z`) / 1000;
}

export function inventoryJson(): string {
  const hosts = [
    { address: PTS, name: 'pts-1', product: 'pathtrak', role: 'pathtrak-server', os: 'linux', release: '5.10' },
    { address: HCU_A, name: 'hcu-a', product: 'pathtrak', role: 'hcu', model: 'HCU200', os: 'linux', release: '2.6.32' },
    { address: MN, name: 'mn-1', product: 'xcat', role: 'management-node', os: 'linux' },
    { address: '10.2.1.0/24', name: 'compute', product: 'xcat', role: 'managed-node', os: 'linux' },
    { address: VOS_A, name: 'vos-a', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0' },
    { address: BACKUP, name: 'backup-1' },
    { address: WORKSTATION, name: 'workstation' },
  ];
  return JSON.stringify({ description: 'The drift fixture network (fixtures/drift/weekly).', hosts }, null, 2) + '\n';
}

/** A user product file documenting the backup agent's control port (added with `--catalog` from week 2). */
export function userCatalogJson(): string {
  return (
    JSON.stringify(
      {
        id: 'acme-backup',
        name: 'ACME Backup 7',
        description: 'A user product file for the drift fixture: the backup agent listens on 7000.',
        documents: [{ document: 'acme-backup-7-firewall.pdf', title: 'ACME Backup 7 firewall guide' }],
        roles: [
          { id: 'backup-console', name: 'Backup console' },
          { id: 'backup-agent', name: 'Backup agent' },
        ],
        rules: [
          {
            id: 'agent-control',
            service: 'ACME agent control',
            from: '*',
            to: '*',
            proto: ['tcp'],
            protoStated: true,
            ports: { kind: 'port', port: 7000 },
            level: 'required',
            source: { document: 'acme-backup-7-firewall.pdf', section: 'Table 2 - Agent ports', text: '7000 | TCP | console to agent | control channel' },
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

function session(client: string, server: string, startSec: number, request: string, response: string): TimedPacket[] {
  return tcpSession({ client, server, start: at(Math.floor(startSec), Math.round((startSec % 1) * 1e9)), request, response, rtt: 0.002 });
}

/** The week's capture (classic pcap, Ethernet, microseconds). */
export function capture(week: Week): Buffer {
  const t0 = dayStart(week);
  const w = WEEKS.indexOf(week);
  const lists: TimedPacket[][] = [];
  lists.push(session(`${PTS}:40112`, `${HCU_A}:21`, t0 + 1, 'USER pathtrak\r\n', '331 Password required\r\n'));
  if (w !== 1) lists.push(session(`${MN}:51000`, `${NODE1}:22`, t0 + 2, 'SSH-2.0-OpenSSH_9.2\r\n', 'SSH-2.0-OpenSSH_9.2\r\n'));
  const xcatd = w === 1 ? 25 : 2;
  for (let i = 0; i < xcatd; i++) {
    lists.push(session(`${NODE1}:${41000 + i}`, `${MN}:3001`, t0 + 10 + i * 10, '<xcatrequest><command>getcredentials</command></xcatrequest>', '<xcatresponse/>'));
  }
  lists.push(session(`${WORKSTATION}:52000`, `${BACKUP}:7000`, t0 + 400, 'HELLO agent\r\n', 'OK\r\n'));
  return writePcap(toFrames(mergeByTime(...lists)));
}

function ufwLine(stamp: number, action: 'ALLOW' | 'BLOCK', src: string, spt: number, dst: string, dpt: number, id: number): string {
  const time = new Date(stamp * 1000).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
  return (
    `${time} fw kernel: [UFW ${action}] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 ` +
    `SRC=${src} DST=${dst} LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=${id} DF PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=64240 RES=0x00 SYN URGP=0`
  );
}

/** The week's firewall log (UFW prefixes, rsyslog RFC 3339 stamps). */
export function firewallLog(week: Week): string {
  const t0 = dayStart(week) + 600;
  const w = WEEKS.indexOf(week);
  const lines: string[] = [];
  for (let i = 0; i < 3; i++) lines.push(ufwLine(t0 + i * 60, w === 1 ? 'BLOCK' : 'ALLOW', HCU_A, 43000 + i, PTS, 5808, 100 + i));
  if (w >= 1) lines.push(ufwLine(t0 + 300, w === 1 ? 'ALLOW' : 'BLOCK', WORKSTATION, 53000, VOS_A, 85, 200));
  if (w >= 1) lines.push(ufwLine(t0 + 360, 'ALLOW', WORKSTATION, 53100, PTS, 8080, 300));
  return lines.join('\n') + '\n';
}

/** Every input file of the fixture, by path. */
export function weeklyInputs(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  files.set(`${INPUTS}/inventory.json`, Buffer.from(inventoryJson()));
  files.set(`${INPUTS}/acme-backup.json`, Buffer.from(userCatalogJson()));
  for (const week of WEEKS) {
    files.set(`${INPUTS}/${week}.pcap`, capture(week));
    files.set(`${INPUTS}/${week}.log`, Buffer.from(firewallLog(week)));
  }
  return files;
}

/** The `analyze` command line of a week (week 1 without the user catalog). */
export function analyzeArgs(week: Week): string[] {
  const args = ['analyze', `${INPUTS}/${week}.pcap`, `${INPUTS}/${week}.log`, '--inventory', `${INPUTS}/inventory.json`, '--format', 'json'];
  if (week !== WEEKS[0]) args.push('--catalog', `${INPUTS}/acme-backup.json`);
  return args;
}
