/**
 * Regressions: each input here was found by the fuzzer (docs/security.md) and broke a property
 * before the fix named beside it — a NaN time, a protocol or port out of range, an absurd time or
 * count, unbounded output buffering.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { checkpointFormat } from '../../src/ingest/logs/checkpoint.js';
import { ciscoAsaFormat } from '../../src/ingest/logs/cisco-asa.js';
import { digitsAt } from '../../src/ingest/logs/fields.js';
import type { LineFormat, LineResult, LogOptions } from '../../src/ingest/logs/format.js';
import { iptablesFormat } from '../../src/ingest/logs/iptables.js';
import { juniperSrxFormat } from '../../src/ingest/logs/juniper-srx.js';
import type { Observation } from '../../src/model.js';
import { durationText } from '../../src/report/flows/table.js';
import { memoryIo } from '../report/memory-io.js';
import { manyFlowsStream } from './hostile-inputs.js';

const OPTIONS: LogOptions = { prefixActions: [], assumeYear: 2024, utcOffsetMinutes: 0 };

function parseOne(f: LineFormat, line: string): LineResult {
  return f.createParser({ file: 'x.log', options: OPTIONS })(line, { file: 'x.log', line: 1, options: OPTIONS });
}

function observations(r: LineResult): Observation[] {
  if (Array.isArray(r)) return r;
  return 'proto' in r ? [r] : [];
}

function errorCode(r: LineResult): string | undefined {
  return !Array.isArray(r) && 'error' in r ? r.code : undefined;
}

describe('log parsers', () => {
  it('digitsAt past the end of the text is not a number (fields.ts; was NaN, giving NaN times)', () => {
    expect(digitsAt('14:53:3', 5, 2)).toBe(-1);
    expect(digitsAt('14:53:30', 6, 2)).toBe(30);
  });

  it('a ScreenOS start_time cut short keeps the syslog time (juniper-srx; was NaN)', () => {
    const r = parseOne(
      juniperSrxFormat,
      'Jun  2 14:53:31 fire00 aka1: NetScreen device_id=aka1  [Root]system-notification-00257(traffic): start_time="2006-06-02 14:53:3" duration=0 policy_id=120 service=udp/port:17210 proto=17 src zone=Trust dst zone=DMZ action=Deny sent=0 rcvd=0 src=192.168.2.2 dst=1.2.3.4 src_port=53 dst_port=17210 session_id=0 reason=Traffic Denied',
    );
    const o = observations(r);
    expect(o).toHaveLength(1);
    expect(Number.isFinite(o[0]!.tsSec)).toBe(true);
  });

  it('a Check Point optimized-drop packet with a 23-digit port is a bad line (checkpoint; was port 1e23)', () => {
    const r = parseOne(
      checkpointFormat,
      '<134>1 2025-01-21T09:36:10Z H CheckPoint 16953 - [action:"Drop"; time:"1737452170"; packets:" <81.2.69.142,43010,89.160.20.128,99999999999999999999999,6;eth0>"]',
    );
    expect(errorCode(r)).toBe('bad-port');
  });

  it('an ASA 106001 whose protocol word is not a protocol is a bad line (cisco-asa; was protocol -1)', () => {
    const r = parseOne(ciscoAsaFormat, 'ASA-2-106001: Inbound T\u00ffP connection denied from 192.168.2.2/43803 to 10.10.10.10/14322 flags SYN on interface out111');
    expect(errorCode(r)).toBe('bad-protocol');
  });

  it('an ASA teardown lasting 10^23 hours is a bad line (cisco-asa; was a start time before year -10^19)', () => {
    const r = parseOne(
      ciscoAsaFormat,
      'Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-302016: Teardown UDP connection 11778 for outside:100.66.157.232/53 to inside:172.31.98.44/56132 duration 99999999999999999999999:00:00 bytes 104',
    );
    expect(errorCode(r)).toBe('bad-field');
  });

  it('a dmesg stamp of 23 digits is not a time (syslog; was 10^23 seconds)', () => {
    const r = parseOne(
      iptablesFormat,
      '[ 99999999999999999999999.440017] FW-IN-X IN=eth0 OUT= SRC=198.51.100.23 DST=192.0.2.11 LEN=60 TTL=52 ID=9 DF PROTO=TCP SPT=51606 DPT=3002 WINDOW=64240 RES=0x00 SYN URGP=0',
    );
    for (const o of observations(r)) expect(o.tsSec).toBeLessThan(1e11);
  });

  it('an SRX DENY with protocol 256 is a bad line, and CLOSE counters of 400 digits are dropped (juniper-srx; were 256 and Infinity)', () => {
    const deny = parseOne(
      juniperSrxFormat,
      'Sep 29 23:49:20 SRX-1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 10.0.0.1/54924->192.168.1.1/53 junos-dns-udp 256(0) default-deny(global) trust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 UNKNOWN policy deny',
    );
    expect(errorCode(deny)).toBe('bad-protocol');
    const close = parseOne(
      juniperSrxFormat,
      `Dec 17 08:05:30 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.10.10.2/53836->10.10.10.1/22 junos-ssh 10.10.10.2/53836->10.10.10.1/22 None None 6 log-host-traffic untrust junos-host 5 78(6${'9'.repeat(400)}) 122(13305) 45 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 No`,
    );
    const o = observations(close);
    expect(o).toHaveLength(1);
    expect(JSON.stringify(o[0]!.bytes ?? {})).not.toMatch(/null|e\+/);
  });
});

describe('log parsers stay linear in the line (a quadratic pattern on these 1 MiB lines would run for minutes and hit the test timeout)', () => {
  const MiB = 1024 * 1024;
  it('an SRX CREATE whose tuple is a run of non-space characters (juniper-srx TUPLE_RX; was an unbounded \\S+ tried from every start)', () => {
    const r = parseOne(juniperSrxFormat, `Dec 17 08:04:45 RT_FLOW: RT_FLOW_SESSION_CREATE: session creat${'{'.repeat(MiB)}`);
    expect(errorCode(r)).toBe('missing-field');
    const slashes = parseOne(juniperSrxFormat, `Dec 17 08:04:45 RT_FLOW: RT_FLOW_SESSION_CREATE: session created ${'1/1'.repeat(MiB / 3)}`);
    expect(errorCode(slashes)).toBeDefined();
  });
  it("an SRX CLOSE repeating 'session closed' with no colon (juniper-srx; was [^:]* read to the end from each)", () => {
    const r = parseOne(juniperSrxFormat, `Dec 17 08:05:30 RT_FLOW: RT_FLOW_SESSION_CLOSE: ${'session closed '.repeat(MiB / 15)}`);
    expect(errorCode(r)).toBe('missing-field');
  });
  it('an SRX structured-data line with a run of name characters and no = (juniper-srx readSdParams; was an unbounded name)', () => {
    const r = parseOne(juniperSrxFormat, `<14>1 2024-03-04T10:31:00.100Z srx-1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.129 ${'-'.repeat(MiB)}]`);
    expect(errorCode(r)).toBe('missing-field');
  });
  it('ASA messages with a run of ( where an address or its (user) goes, or spaces before the end reason (cisco-asa; were [^)]* and .*?\\s*$ tried from every start)', () => {
    for (const line of [
      `%ASA-4-106023: Deny tcp src ${'('.repeat(MiB)}`,
      `%ASA-6-302014: Teardown TCP connection 1 for ${'('.repeat(MiB)}`,
      `%ASA-6-302020: Built inbound ICMP connection for faddr ${'('.repeat(MiB)}`,
      `%ASA-6-302021: Teardown ICMP connection for faddr a gaddr b laddr ${'('.repeat(MiB)}`,
      `%ASA-6-302013: Built inbound TCP connection 1 for outside:1.2.3.4/1 (1.2.3.4/1)${' ('.repeat(MiB / 2)}`,
    ]) {
      expect(errorCode(parseOne(ciscoAsaFormat, line))).toBeDefined();
    }
    const teardown = '%ASA-6-302014: Teardown TCP connection 1 for outside:1.2.3.4/1 to inside:5.6.7.8/2 duration 0:00:01 bytes 1 ';
    expect(observations(parseOne(ciscoAsaFormat, `${teardown}TCP FINs${' '.repeat(MiB)}x`))[0]!.endReason).toMatch(/^TCP FINs {100}/);
    expect(observations(parseOne(ciscoAsaFormat, `${teardown}${'('.repeat(MiB)}`))).toHaveLength(1);
    expect(observations(parseOne(ciscoAsaFormat, `${teardown}TCP FINs (jdoe)  `))[0]!.endReason).toBe('TCP FINs');
  });
  it('a Check Point optimized drop whose packets field is a run of < (checkpoint; was [^,>]+ read to the end from each <)', () => {
    const r = parseOne(checkpointFormat, `<134>1 2025-01-21T09:36:10Z H CheckPoint 16953 - [action:"Drop"; time:"1737452170"; packets:"${'<'.repeat(MiB)}"]`);
    expect(observations(r)).toHaveLength(0);
  });
});

describe('flows output', () => {
  it('a duration between times past year 9999 is printed, not NaN (report/flows/table.ts)', () => {
    expect(durationText('2023-11-14T22:13:20.001000000Z', '+055840-11-08T22:13:20.000000000Z')).toMatch(/^\d+h\d\dm$/);
    // Past what a JavaScript date can hold (year 275760): unknown, not NaN.
    expect(durationText('2023-11-14T22:13:20.001000000Z', '+586515-06-26T13:47:52.593407000Z')).toBe('?');
    expect(durationText('bad', 'worse')).toBe('?');
  });

  it('NDJSON to a slow reader waits for it instead of buffering the whole output (flows.ts backpressure)', async () => {
    let written = 0;
    let peak = 0;
    // A reader that takes one turn of the event loop per 16 KiB.
    const stdout = Object.assign(
      new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _enc, cb): void {
          written += chunk.length;
          setImmediate(cb);
        },
      }),
      { isTTY: false, columns: 120 },
    );
    const sampler = stdout.write.bind(stdout);
    stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const ok = sampler(chunk, ...rest);
      peak = Math.max(peak, stdout.writableLength);
      return ok;
    }) as typeof stdout.write;
    // Standard input, in chunks of 8192 packets (about 570 KB): reading can wait between them.
    const io = { ...memoryIo(), stdout, stdin: manyFlowsStream(100_000) };
    // Flows leave the table while the input is read (the cap); without a cap these SYNs would all
    // be live until the end, and be written at once after the input.
    const code = await run(['flows', '-', '--format', 'ndjson', '--max-flows', '1000'], io);
    await new Promise<void>((r) => stdout.end(() => r()));
    expect(code).toBe(0);
    expect(written).toBeGreaterThan(20 * 1024 * 1024);
    // At most about one input chunk's flows wait in the buffer (about 3 MB), not the whole output.
    expect(peak).toBeLessThan(written / 4);
  });
});
