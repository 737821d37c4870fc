import { describe, expect, it } from 'vitest';
import { SyslogHeaderParser, newSyslogHeader } from '../../src/ingest/logs/syslog.js';
import { BASE_OPTIONS } from './log-helpers.js';

function header(line: string, options = BASE_OPTIONS) {
  const h = newSyslogHeader();
  new SyslogHeaderParser(options).parse(line, h);
  return {
    time: h.time,
    sec: h.sec,
    nsec: h.nsec,
    pri: h.pri,
    host: SyslogHeaderParser.host(line, h),
    tag: SyslogHeaderParser.tag(line, h),
    msgid: h.msgidStart >= 0 ? line.slice(h.msgidStart, h.msgidEnd) : undefined,
    sd: h.sdStart >= 0 ? line.slice(h.sdStart, h.sdEnd) : undefined,
    body: line.slice(h.bodyOffset),
  };
}

const T = Date.UTC(2024, 2, 4, 9, 15, 1) / 1000;

describe('syslog headers', () => {
  it('RFC 3164 with PRI, host and tag[pid] (no year: assumeYear; local: utcOffsetMinutes)', () => {
    expect(header('<134>Mar  4 09:15:01 gw1 sshd[811]: hello world')).toEqual({ time: 'absolute', sec: T, nsec: 0, pri: 134, host: 'gw1', tag: 'sshd', msgid: undefined, sd: undefined, body: 'hello world' });
    expect(header('Mar  4 10:15:01 gw1 kernel: x', { ...BASE_OPTIONS, utcOffsetMinutes: 60 }).sec).toBe(T);
    expect(header('Mar 04 09:15:01 gw1 kernel: x', { ...BASE_OPTIONS, assumeYear: 2023 }).sec).toBe(Date.UTC(2023, 2, 4, 9, 15, 1) / 1000);
  });
  it('RFC 3164 without a host (pfSense, relays)', () => {
    expect(header('<134>Jul  3 19:10:30 filterlog[72237]: 146,,,x')).toMatchObject({ host: undefined, tag: 'filterlog', body: '146,,,x' });
    expect(header('Jan  8 03:37:09 DENY: IN=eth0 OUT=')).toMatchObject({ host: undefined, tag: 'DENY', body: 'IN=eth0 OUT=' });
  });
  it('Cisco stamps: year, fraction, colon, empty tag', () => {
    expect(header('Mar 04 2024 09:15:01 asa1 : %ASA-4-106023: Deny')).toMatchObject({ sec: T, host: 'asa1', body: '%ASA-4-106023: Deny' });
    expect(header('<191>Jan 24 11:28:30.407: %LINEPROTO-5-UPDOWN: x')).toMatchObject({ nsec: 407_000_000, body: '%LINEPROTO-5-UPDOWN: x' });
    expect(header('Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-6-302013: Built')).toMatchObject({ sec: Date.UTC(2018, 9, 10, 12, 34, 56) / 1000, host: 'localhost', tag: 'CiscoASA', body: '%ASA-6-302013: Built' });
  });
  it('RFC 5424 with structured data, msgid and nil values', () => {
    const h = header('<14>1 2019-11-14T09:37:51.184+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636 a="1" b="x\\"]y"] tail');
    expect(h).toMatchObject({ time: 'absolute', sec: Date.UTC(2019, 10, 14, 8, 37, 51) / 1000, nsec: 184_000_000, pri: 14, host: 'SRX-GW1', tag: 'RT_FLOW', msgid: 'RT_FLOW_SESSION_CREATE', sd: '[junos@2636 a="1" b="x\\"]y"]', body: 'tail' });
    expect(header('<4>1 2024-03-04T09:15:01.5Z gw2 kernel - - - [UFW BLOCK] IN=eth0')).toMatchObject({ sec: T, nsec: 500_000_000, msgid: undefined, sd: undefined, body: '[UFW BLOCK] IN=eth0' });
  });
  it('RFC 3339 stamps (rsyslog high precision, journald short-iso, no zone = local)', () => {
    expect(header('2024-03-04T09:15:01.123456+00:00 gw1 kernel: x')).toMatchObject({ sec: T, nsec: 123_456_000, host: 'gw1', tag: 'kernel', body: 'x' });
    expect(header('2024-03-04T10:15:01+0100 gw1 kernel: x')).toMatchObject({ sec: T });
    expect(header('<6>2024-03-04T09:15:01Z Hostname kernel: [wan]IN=')).toMatchObject({ sec: T, pri: 6, body: '[wan]IN=' });
    expect(header('2024-03-04T11:15:01 gw1 kernel: x', { ...BASE_OPTIONS, utcOffsetMinutes: 120 })).toMatchObject({ sec: T });
  });
  it('dmesg: seconds since boot, and dmesg -T', () => {
    expect(header('[12345.678901] IN=eth0')).toMatchObject({ time: 'uptime', sec: 12345, nsec: 678_901_000, body: 'IN=eth0' });
    expect(header('[  307.757925] x')).toMatchObject({ time: 'uptime', sec: 307 });
    expect(header('[Mon Mar  4 09:15:01 2024] IN=eth0')).toMatchObject({ time: 'absolute', sec: T, body: 'IN=eth0' });
  });
  it('no header at all', () => {
    expect(header('date=2024-03-04 time=10:20:00 type="traffic"')).toMatchObject({ time: 'none', sec: 0, body: 'date=2024-03-04 time=10:20:00 type="traffic"' });
    expect(header('<134>  id=firewall sn=1')).toMatchObject({ time: 'none', pri: 134, body: 'id=firewall sn=1' });
  });
  it('moves to the next year when a file crosses December → January, and reuses a repeated stamp', () => {
    const p = new SyslogHeaderParser({ ...BASE_OPTIONS, assumeYear: 2023 });
    const h = newSyslogHeader();
    p.parse('Dec 31 23:59:59 a b: x', h);
    expect(h.sec).toBe(Date.UTC(2023, 11, 31, 23, 59, 59) / 1000);
    p.parse('Jan  1 00:00:01 a b: x', h);
    expect(h.sec).toBe(Date.UTC(2024, 0, 1, 0, 0, 1) / 1000);
    p.parse('Jan  1 00:00:01.250 a b: x', h);
    expect([h.sec, h.nsec]).toEqual([Date.UTC(2024, 0, 1, 0, 0, 1) / 1000, 250_000_000]);
    p.parse('2024-01-01T00:00:02.5+01:00 a b: x', h);
    p.parse('2024-01-01T00:00:02.75-01:00 a b: x', h);
    expect([h.sec, h.nsec]).toEqual([Date.UTC(2024, 0, 1, 1, 0, 2) / 1000, 750_000_000]);
  });
});
