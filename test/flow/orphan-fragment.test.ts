/** A later IP fragment whose first never comes is reported with the capture's name and offset. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFlows } from '../../src/pipeline.js';
import { at, ethernet, fragmentIpv4, ipv4, udp, writePcap } from '../support/capture-writer.js';

describe('fragment-without-first', () => {
  it('names the capture and the byte offset of the held fragment', async () => {
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
});
