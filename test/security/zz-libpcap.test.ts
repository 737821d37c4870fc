import { readFileSync } from 'node:fs';
import { it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { readCaptureBuffer } from '../../src/ingest/pcap/read.js';
it('x', () => {
  for (const f of ['pcap-invalid-version-1.pcap','pcap-invalid-version-2.pcap','pcapng-invalid-vers-1.pcapng','pcapng-invalid-vers-2.pcapng','linktype-reserved-field-not-zero.pcap','shb-option-too-long.pcapng']) {
    const log = new AnomalyLog(); let n = 0;
    try { const st = readCaptureBuffer(readFileSync('/work/shared/corpus/pcap/libpcap/' + f), f, () => n++, log); console.log(f, n, JSON.stringify(st)); } catch (e) { console.log(f, 'THROW', (e as Error).message); }
    for (const s of log.summary()) console.log('   ', s.code, s.severity, s.count, s.examples.map((e) => e.message).join(' || '));
  }
});
