import { describe, expect, it } from 'vitest';
import { canonicalIPv4, canonicalIPv6, formatFlowText } from '../../src/ingest/observe/address.js';
import { parseUniversalAddress } from '../../src/ingest/observe/portmap.js';

describe('address text', () => {
  it('canonicalises IPv6 as RFC 5952 says', () => {
    expect(canonicalIPv6('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIPv6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIPv6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIPv6('::')).toBe('::');
    expect(canonicalIPv6('::1')).toBe('::1');
    expect(canonicalIPv6('fe80::1%eth0')).toBe('fe80::1');
    expect(canonicalIPv6('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    expect(canonicalIPv6('2001:470:1f11:81f:c999:d94:aa7c:2e3e')).toBe('2001:470:1f11:81f:c999:d94:aa7c:2e3e');
  });

  it('rejects malformed addresses without throwing', () => {
    for (const bad of ['', ':', ':::', '1::2::3', '12345::1', 'g::1', '1:2:3:4:5:6:7:8:9', '1.2.3.4', '::1.2.3']) expect(canonicalIPv6(bad)).toBeUndefined();
    for (const bad of ['', '1.2.3', '1.2.3.256', '1..2.3', 'a.b.c.d', '1.2.3.4.5', '1234.1.1.1']) expect(canonicalIPv4(bad)).toBeUndefined();
    expect(canonicalIPv4('010.001.000.009')).toBe('10.1.0.9');
  });

  it('writes flow text with IPv6 in brackets', () => {
    expect(formatFlowText({ ip: '10.0.0.5', port: 40112 }, { ip: '10.1.0.7', port: 21 })).toBe('10.0.0.5:40112 → 10.1.0.7:21');
    expect(formatFlowText({ ip: '2001:db8::5', port: 40112 }, { ip: '2001:db8::7', port: 21 })).toBe('[2001:db8::5]:40112 → [2001:db8::7]:21');
  });

  it('reads RPC universal addresses', () => {
    expect(parseUniversalAddress('192.168.1.10.3.233')).toEqual({ ip: '192.168.1.10', port: 1001 });
    expect(parseUniversalAddress('0.0.0.0.0.111')).toEqual({ ip: '0.0.0.0', port: 111 });
    expect(parseUniversalAddress('2001:db8::10.8.1')).toEqual({ ip: '2001:db8::10', port: 2049 });
    expect(parseUniversalAddress('::.0.111')).toEqual({ ip: '::', port: 111 });
    for (const bad of ['', '1.2.3.4', '1.2.3.4.5', '1.2.3.4.256.1', '/run/rpcbind.sock', 'x.y.z.w.1.2', '1.2.3.4.5.6.7']) expect(parseUniversalAddress(bad)).toBeUndefined();
  });
});
