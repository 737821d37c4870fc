import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fortigateFormat } from '../../src/ingest/logs/fortigate.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

function parse(line: string): LineResult {
  return fortigateFormat.createParser({ file: 'fgt.log', options: BASE_OPTIONS })(line, { file: 'fgt.log', line: 1, options: BASE_OPTIONS });
}

const BASE = 'date=2024-03-04 time=10:20:00 devname="fgt-1" logid="0000000013" type="traffic" subtype="forward" srcip=10.1.1.5 srcport=49400 srcintf="port2" dstip=198.51.100.80 dstport=443 sessionid=2001 proto=6 policyid=5 policyname="LAN to WAN" duration=30 sentbyte=1500 rcvdbyte=9100 sentpkt=12 rcvdpkt=11';

describe('FortiGate traffic', () => {
  it('reads the ICMP type and code of ICMP sessions (hex or decimal)', () => {
    const icmp = BASE.replace('proto=6', 'proto=1').replace('srcport=49400', 'srcport=2048').replace('dstport=443', 'dstport=0');
    expect(parse(`${icmp} action="accept" icmpid=0x0e01 icmptype=0x08 icmpcode=0x00`)).toMatchObject({ proto: 1, icmpType: 8, icmpCode: 0 });
    expect(parse(`${icmp} action="deny" icmptype=3 icmpcode=13`)).toMatchObject({ icmpType: 3, icmpCode: 13 });
    const r = parse(`${icmp} action="deny" icmptype=0x1ff`);
    expect(r).not.toHaveProperty('icmpType');
    expect(parse(`${BASE} action="accept" icmptype=0x08`)).not.toHaveProperty('icmpType');
  });
  it('maps each action', () => {
    const expected: Record<string, [string, string]> = {
      deny: ['denied', 'attempt'],
      accept: ['allowed', 'session'],
      close: ['allowed', 'session'],
      timeout: ['allowed', 'session'],
      'ip-conn': ['allowed', 'session'],
      'server-rst': ['allowed', 'session'],
      'client-rst': ['allowed', 'session'],
    };
    for (const [action, [verdict, kind]] of Object.entries(expected)) {
      expect(parse(`${BASE} action="${action}"`)).toMatchObject({ action: verdict, kind });
      expect(parse(`${BASE} action=${action}`)).toMatchObject({ action: verdict });
    }
  });
  it('reads quoted values with spaces, counts and the session span', () => {
    const r = parse(`${BASE} action="close"`);
    expect(r).toMatchObject({ rule: 'LAN to WAN', packets: { out: 12, back: 11 }, bytes: { out: 1500, back: 9100 }, connId: '2001', interface: 'port2', endReason: 'close' });
    expect(r).toMatchObject({ endSec: Date.UTC(2024, 2, 4, 10, 20, 0) / 1000, tsSec: Date.UTC(2024, 2, 4, 10, 19, 30) / 1000 });
  });
  it('prefers eventtime in nanoseconds, and honours tz', () => {
    expect(parse(`${BASE} action="close" eventtime=1709547600123456789`)).toMatchObject({ endSec: 1709547600, endNsec: 123456789 });
    expect(parse(`${BASE.replace('time=10:20:00', 'time=11:20:00')} tz="+0100" action="close"`)).toMatchObject({ endSec: 1709547600 });
  });
  it('skips event logs', () => {
    expect(parse('date=2024-03-04 time=10:20:09 logid="0100032001" type="event" subtype="system" action="login"')).toHaveProperty('skip');
  });
});

describe.runIf(haveCorpus)('FortiGate over the corpus', () => {
  it('reads the traffic lines and skips the event lines', async () => {
    const r = await readLogFile(join(corpusLogs, 'fortinet_fortigate/test-fortinet-7-4.input-sample.log'));
    expect(r.stats.format).toBe('fortigate');
    expect(r.stats.badLines).toBe(0);
    expect(r.observations.map((o) => o.evidence.line)).toEqual([1, 2, 3, 4, 5]);
    expect(r.observations[1]).toMatchObject({ src: '172.16.200.254', dst: '172.16.200.2', dstPort: 443, endReason: 'server-rst' });
  });
});
