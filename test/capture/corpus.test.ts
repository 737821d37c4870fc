/**
 * The shared capture corpus, read in place: every capture (pcap, pcapng, gzip) reads without an
 * exception, its packet count equals the count the corpus MANIFEST records, and the deliberately
 * invalid libpcap files each give an anomaly. Set PORTOLAN_CORPUS to point elsewhere.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { openInput } from '../../src/ingest/open.js';
import { readCapture } from '../../src/ingest/pcap/read.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = process.env['PORTOLAN_CORPUS'] ?? join(repo, '..', 'shared', 'corpus');
const pcapDir = join(corpus, 'pcap');
const present = existsSync(pcapDir);

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...captures(path));
    else if (/\.(pcap|pcapng)(\.gz)?$/.test(name)) out.push(path);
  }
  return out;
}

/** `pcap/...` path → packet count, from the MANIFEST table (`-` rows are files tshark cannot read). */
function manifestCounts(): Map<string, number | undefined> {
  const counts = new Map<string, number | undefined>();
  const manifest = join(corpus, 'MANIFEST.md');
  if (!existsSync(manifest)) return counts;
  for (const line of readFileSync(manifest, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const path = /^`(pcap\/[^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (path === undefined) continue;
    const n = cells[5] ?? '';
    counts.set(path, /^\d+$/.test(n) ? Number(n) : undefined);
  }
  return counts;
}

describe.skipIf(!present)(`corpus captures (${pcapDir})`, () => {
  const files = present ? captures(pcapDir) : [];
  const counts = present ? manifestCounts() : new Map<string, number | undefined>();

  it('finds the corpus captures', () => {
    expect(files.length).toBeGreaterThan(100);
  });

  for (const file of files) {
    const rel = relative(corpus, file);
    it(rel, async () => {
      const anomalies = new AnomalyLog();
      let packets = 0;
      let timeGoesBackwardsFar = 0;
      let last = 0;
      const stats = await readCapture(
        await openInput(file, { chunkBytes: 4096 }),
        (p) => {
          packets++;
          const t = p.tsSec + p.tsNsec / 1e9;
          if (last - t > 86_400) timeGoesBackwardsFar++;
          last = t;
        },
        anomalies,
      );
      expect(stats.packets).toBe(packets);
      expect(anomalies.count('decoder-error')).toBe(0);
      expect(timeGoesBackwardsFar).toBe(0);
      const expected = counts.get(rel.split('\\').join('/'));
      if (expected !== undefined) expect(packets, `${rel}: MANIFEST says ${expected} packets`).toBe(expected);
      if (rel.includes('libpcap/') && /invalid|reserved|too-long/.test(rel)) {
        expect(anomalies.count(), `${rel} must give an anomaly`).toBeGreaterThan(0);
      }
      if (expected === undefined && counts.has(rel)) {
        // tshark cannot read these; portolan must say why (an error, or a link type it does not decode).
        expect(anomalies.hasErrors() || anomalies.count('unknown-link-type') > 0, `${rel}: no error or anomaly`).toBe(true);
      }
    });
  }
});
