/**
 * Anomalies name the capture they come from, also those of the flow table and the observers,
 * whose own messages name only a flow: with several inputs a user must know which file to open.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/pipeline.js';
import { at, ethernet, fragmentIpv4, ipv4, tcpSession, toFrames, udp, writePcap } from '../support/capture-writer.js';

describe('anomalies name their capture', () => {
  it('a later IP fragment whose first never comes: the capture and the byte offset of the held fragment', async () => {
    const big = ipv4({ src: '192.0.2.1', dst: '198.51.100.2' }, udp({ srcPort: 3333, dstPort: 4444 }, Buffer.alloc(3000, 0x61)));
    const later = fragmentIpv4(big, 1400).slice(1, 2);
    const path = join(mkdtempSync(join(tmpdir(), 'portolan-frag-')), 'orphan.pcap');
    writeFileSync(path, writePcap(later.map((p, i) => ({ ts: at(1_700_000_000, i), frame: ethernet(p) }))));
    const r = await readFlows([path], {}, () => {});
    const entry = r.anomalies.summary().find((a) => a.code === 'fragment-without-first');
    expect(entry?.count).toBe(1);
    expect(entry?.examples[0]?.message).toBe(`${path}@0x18: 1 IP fragment(s) whose first fragment never arrived (not counted in any flow)`);
    expect(entry?.examples[0]?.file).toBe(path);
  });

  it('an observer anomaly (an FTP 227 reply without an address) names the capture it is in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portolan-ftp-'));
    const session = tcpSession({
      client: '10.0.0.5:40112',
      server: '10.1.0.7:21',
      start: at(1_700_000_000),
      exchanges: [
        { from: 'server', data: '220 Service ready\r\n' },
        { from: 'client', data: 'PASV\r\n' },
        { from: 'server', data: '227 Response to PASV command\r\n' },
      ],
    });
    const clean = join(dir, 'clean.pcap');
    const odd = join(dir, 'odd.pcap');
    writeFileSync(clean, writePcap(toFrames(tcpSession({ client: '10.0.0.5:40000', server: '10.1.0.7:22', start: at(1_700_000_000) }))));
    writeFileSync(odd, writePcap(toFrames(session)));
    const r = await readFlows([clean, odd], {}, () => {});
    const entry = r.anomalies.summary().find((a) => a.code === 'ftp-bad-announcement');
    expect(entry?.examples[0]?.message).toBe(`${odd}: ftp 10.0.0.5:40112 → 10.1.0.7:21: 227 without a usable address and port: "227 Response to PASV command"`);
    expect(entry?.examples[0]?.file).toBe(odd);
  });
});
