import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addressWords, parseIpv4Words, parseIpv6Words } from '../../src/flow/address-words.js';

/** The reference: the 16 bytes of an IPv6 address from a plain, obviously correct expansion. */
function v6Words(text: string): number[] {
  let head = text;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4 !== null) {
    const p = v4[1]!.split('.').map(Number);
    tail = [(p[0]! << 8) | p[1]!, (p[2]! << 8) | p[3]!];
    head = text.slice(0, -v4[1]!.length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [l, r] = head.includes('::') ? head.split('::') : [head, undefined];
  const left = l === '' || l === undefined ? [] : l.split(':').map((h) => parseInt(h, 16));
  const right = r === undefined || r === '' ? [] : r.split(':').map((h) => parseInt(h, 16));
  const zeros = 8 - left.length - right.length - tail.length;
  const g = [...left, ...(r !== undefined ? new Array<number>(zeros).fill(0) : []), ...right, ...tail];
  return [0, 1, 2, 3].map((k) => ((g[2 * k]! << 16) | g[2 * k + 1]!) | 0);
}

describe('parseIpv4Words', () => {
  it('reads dotted quads as one 32-bit word', () => {
    expect(parseIpv4Words('10.1.18.152')).toBe(true);
    expect(addressWords[0]).toBe(((10 << 24) | (1 << 16) | (18 << 8) | 152) | 0);
    expect(parseIpv4Words('255.255.255.255')).toBe(true);
    expect(addressWords[0]).toBe(-1);
    expect(parseIpv4Words('0.0.0.0')).toBe(true);
    expect(addressWords[0]).toBe(0);
  });

  it('refuses what is not a canonical dotted quad', () => {
    for (const s of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.', '.1.2.3', 'a.b.c.d', '1.2.3.4 ', '::1', 'host.example']) {
      expect(parseIpv4Words(s), s).toBe(false);
    }
  });
});

describe('parseIpv6Words', () => {
  it('reads every textual form to the same words as a plain expansion', () => {
    for (const s of [
      '::',
      '::1',
      'fe80::',
      '2001:db8::1',
      '2001:0db8:0000:0000:0000:0000:0045:4511',
      'fd00:9::83d',
      '1:2:3:4:5:6:7:8',
      '1::8',
      '1:2:3:4:5:6::8',
      '::2:3:4:5:6:7:8',
      '::ffff:10.0.0.1',
      '64:ff9b::192.0.2.33',
      'FD00::ABCD',
      '1:2:3:4:5:6:1.2.3.4',
    ]) {
      expect(isIP(s), s).toBe(6);
      expect(parseIpv6Words(s), s).toBe(true);
      expect([...addressWords], s).toEqual(v6Words(s));
    }
  });

  it('refuses what is not IPv6 text', () => {
    for (const s of ['', ':', ':::', '1:2', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':1::', '1:', 'fe80::1%eth0', 'g::1', '1.2.3.4', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '1::2:3:4:5:6:7:8']) {
      expect(parseIpv6Words(s), s).toBe(false);
    }
  });
});
