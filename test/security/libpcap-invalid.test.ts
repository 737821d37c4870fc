/**
 * The deliberately invalid captures of the libpcap test suite (corpus pcap/libpcap, read in place;
 * EXPECTED-ERRORS.txt beside them gives libpcap's own messages). Each must give a clear error or
 * anomaly that means what libpcap's message means (the same version, the same reserved bits, the
 * same block), at a byte offset, through the reader and through the CLI — never an exception.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { run } from '../../src/cli/main.js';
import type { Anomaly } from '../../src/model.js';
import { readCaptureBuffer } from '../../src/ingest/pcap/read.js';
import { memoryIo } from '../report/memory-io.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = process.env['PORTOLAN_CORPUS'] ?? join(repo, '..', 'shared', 'corpus');
const dir = join(corpus, 'pcap', 'libpcap');
const present = existsSync(join(dir, 'EXPECTED-ERRORS.txt'));

/** `file  message` lines of EXPECTED-ERRORS.txt. */
function expectedMessages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'EXPECTED-ERRORS.txt'), 'utf8').split('\n')) {
    const m = /^(\S+\.pcap(?:ng)?)\s+(.+)$/.exec(line);
    // The shb-option-too-long line says there is no libpcap message (a parenthesis, continued below).
    if (m !== null && !m[2]!.startsWith('(')) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

interface Case {
  file: string;
  /** What libpcap's message means, checked against ours. */
  same(libpcap: string, ours: Anomaly): void;
  /** Reading stops (no packet) or goes on with a warning (readers disagree on 2.5). */
  packets: number;
}

const version = (text: string): string | undefined => /version (\d+\.\d+)/.exec(text)?.[1];

const CASES: Case[] = [
  {
    file: 'pcap-invalid-version-1.pcap',
    packets: 0,
    // libpcap: "archaic pcap savefile format" (a major version before 2).
    same: (libpcap, ours) => {
      expect(libpcap).toMatch(/archaic/);
      expect(ours.severity).toBe('error');
      expect(ours.message).toMatch(/pcap version 1\.\d+ is not readable/);
    },
  },
  {
    file: 'pcap-invalid-version-2.pcap',
    packets: 1,
    // libpcap rejects 2.5; Wireshark reads it. portolan reads it too, and says the version is not 2.4.
    same: (libpcap, ours) => {
      expect(version(ours.message)).toBe(version(libpcap));
      expect(ours.message).toMatch(/newer than 2\.4/);
    },
  },
  {
    file: 'pcapng-invalid-vers-1.pcapng',
    packets: 0,
    same: (libpcap, ours) => {
      expect(version(ours.message)).toBe(version(libpcap));
      expect(ours.message).toMatch(/not readable/);
    },
  },
  {
    file: 'pcapng-invalid-vers-2.pcapng',
    packets: 0,
    same: (libpcap, ours) => {
      expect(version(ours.message)).toBe(version(libpcap));
      expect(ours.message).toMatch(/not readable/);
    },
  },
  {
    file: 'linktype-reserved-field-not-zero.pcap',
    packets: 0,
    // libpcap: "savefile linktype reserved field not zero (0x00300000)": the same bits.
    same: (libpcap, ours) => {
      const want = Number(/\((0x[0-9a-f]+)\)/i.exec(libpcap)?.[1]);
      const got = Number(/field (0x[0-9a-f]+)/i.exec(ours.message)?.[1]);
      expect(got).toBe(want);
      expect(ours.message).toMatch(/reserved/);
      expect(ours.severity).toBe('error');
    },
  },
  {
    file: 'shb-option-too-long.pcapng',
    packets: 0,
    // No libpcap message; Wireshark: "Not enough data to handle option of length 12336". The SHB's
    // option (length 0x3030) overruns its 52-byte block; portolan finds the same damage as the
    // block's trailing length (0x30303030) disagreeing with its leading one.
    same: (_libpcap, ours) => {
      expect(ours.severity).toBe('error');
      expect(ours.offset).toBe(0);
      expect(ours.message).toMatch(/section header block length 52 does not match its trailing length/);
    },
  },
];

describe.skipIf(!present)(`libpcap's invalid captures (${dir})`, () => {
  const expected = present ? expectedMessages() : new Map<string, string>();

  it('EXPECTED-ERRORS.txt names every case', () => {
    for (const c of CASES) if (c.file !== 'shb-option-too-long.pcapng') expect(expected.has(c.file), c.file).toBe(true);
    expect(expected.size).toBe(CASES.length - 1);
  });

  for (const c of CASES) {
    it(`${c.file}: ${expected.get(c.file) ?? 'damaged option length'}`, async () => {
      const buf = readFileSync(join(dir, c.file));
      const log = new AnomalyLog();
      let packets = 0;
      const stats = readCaptureBuffer(buf, c.file, () => packets++, log);
      expect(packets).toBe(c.packets);
      const all = log.summary().flatMap((s) => s.examples);
      expect(all.length, 'an anomaly').toBeGreaterThan(0);
      const first = all[0]!;
      expect(first.message.startsWith(`${c.file}@0x`)).toBe(true);
      c.same(expected.get(c.file) ?? '', first);
      if (c.packets === 0) expect(stats.damaged).toBe(true);

      // Through the CLI: a clear message, no stack trace; exit 2 when nothing could be read.
      const io = memoryIo();
      const code = await run(['flows', join(dir, c.file)], io);
      expect(io.err()).not.toMatch(/\n\s+at /);
      expect(io.err()).toContain(first.message.slice(c.file.length));
      expect(code).toBe(stats.fatal ? 2 : 0);
    });
  }
});
