/**
 * Real captures of the shared corpus (read in place, never copied): every data and service
 * connection they contain carries its mark. Skipped, visibly, only when there is no corpus.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/pipeline.js';
import type { Flow } from '../../src/model.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = resolve(process.env.PORTOLAN_CORPUS ?? join(repo, '..', 'shared', 'corpus'));

async function marks(rel: string): Promise<Flow[]> {
  const flows: Flow[] = [];
  await readFlows([join(corpus, 'pcap', rel)], {}, (f) => flows.push(f));
  return flows;
}

function summary(flows: readonly Flow[], kind: string): string[] {
  return flows
    .filter((f) => f.app?.kind === kind)
    .map((f) => `${f.client.ip} ${f.client.port} > ${f.server.ip} ${f.server.port}${f.app !== undefined && 'mode' in f.app ? ` ${f.app.mode}` : ''}`)
    .sort();
}

describe.skipIf(!existsSync(corpus))('dynamic ports on the corpus captures', () => {
  it('ftp/ipv4.pcap: two PASV and two PORT data connections (PORT from ephemeral ports)', async () => {
    const flows = await marks('zeek/Traces/ftp/ipv4.pcap');
    expect(summary(flows, 'ftp-data')).toEqual([
      '141.142.220.235 37604 > 199.233.217.249 56666 pasv',
      '141.142.220.235 59378 > 199.233.217.249 56667 pasv',
      '199.233.217.249 61918 > 141.142.220.235 37835 port',
      '199.233.217.249 61920 > 141.142.220.235 33582 port',
    ]);
    expect(summary(flows, 'ftp-control')).toEqual(['141.142.220.235 50003 > 199.233.217.249 21']);
  });

  it('ftp/ipv6.pcap: three EPSV and two EPRT data connections', async () => {
    const flows = await marks('zeek/Traces/ftp/ipv6.pcap');
    const data = summary(flows, 'ftp-data');
    expect(data).toHaveLength(5);
    expect(data.filter((d) => d.endsWith('epsv'))).toHaveLength(3);
    expect(data.filter((d) => d.endsWith('eprt'))).toHaveLength(2);
  });

  it('ftp/cwd-navigation.pcap: 688 NATed PASV announcements, none used, all expired or left', async () => {
    const flows = await marks('zeek/Traces/ftp/cwd-navigation.pcap');
    expect(summary(flows, 'ftp-data')).toEqual([]);
    expect(summary(flows, 'ftp-control')).toHaveLength(1);
  });

  it('tftp.pcap: the transfer from the new server port', async () => {
    const flows = await marks('tcpdump/tftp.pcap');
    expect(summary(flows, 'tftp-data')).toEqual(['192.168.1.2 44935 > 192.168.1.1 59557']);
    expect(summary(flows, 'tftp-request')).toEqual(['192.168.1.2 44935 > 192.168.1.1 69']);
  });

  it('rpc-portmap-sadmind.pcap: every conversation with a port learned from GETPORT', async () => {
    const flows = await marks('zeek/Traces/rpc-portmap-sadmind.pcap');
    const rpc = flows.filter((f) => f.app?.kind === 'rpc');
    expect(rpc.map((f) => `${f.server.ip}:${f.server.port}`).sort()).toEqual([
      '172.16.112.10:32774',
      '172.16.112.50:32773',
      '172.16.115.20:32773',
      '172.16.115.20:32773',
      '172.16.115.20:32773',
    ]);
    expect(rpc.every((f) => f.app?.kind === 'rpc' && f.app.program === 100232 && f.app.programName === 'sadmind')).toBe(true);
  });

  it('nfs/nfs_write.pcap: NFS over TCP and MOUNT over UDP found through TCP and UDP portmapper calls', async () => {
    const flows = await marks('zeek/Traces/nfs/nfs_write.pcap');
    const names = flows.flatMap((f) => (f.app?.kind === 'rpc' ? [`${f.proto}/${f.server.port} ${f.app.programName ?? f.app.program}`] : [])).sort();
    expect(names).toEqual(['tcp/2049 nfs', 'tcp/2049 nfs', 'udp/20048 mountd', 'udp/20048 mountd', 'udp/20048 mountd', 'udp/20048 mountd']);
  });
});
