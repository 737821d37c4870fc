import { describe, expect, it } from 'vitest';
import { ExpectationTable } from '../../src/flow/expectations.js';
import type { Expectation } from '../../src/flow/expectations.js';

const A = { ip: '10.0.0.1', port: 40000 };
const S = { ip: '10.0.0.2', port: 50000 };

function table(cap = 10, lifetime = 300, refreshOnUse = false): { t: ExpectationTable<string>; evicted: string[] } {
  const evicted: string[] = [];
  const t = new ExpectationTable<string>({ name: 'test', cap, lifetimeSeconds: lifetime, refreshOnUse, onEvict: (e: Expectation<string>) => evicted.push(e.payload) });
  return { t, evicted };
}

describe('ExpectationTable', () => {
  it('matches a flow to the announced listener and consumes the entry', () => {
    const { t } = table();
    t.add({ proto: 6, ip: S.ip, port: S.port, fromIp: A.ip }, 'pasv', 100);
    const m = t.matchFlow(6, A, S, 101);
    expect(m?.expectation.payload).toBe('pasv');
    expect(m?.reversed).toBe(false);
    expect(m?.originator).toEqual(A);
    expect(t.matchFlow(6, { ...A, port: 40001 }, S, 102)).toBeUndefined();
    expect(t.stats()).toMatchObject({ added: 1, matched: 1, live: 0 });
  });

  it('checks protocol, originator address and originator port', () => {
    const { t } = table();
    t.add({ proto: 6, ip: S.ip, port: S.port, fromIp: A.ip, fromPort: 20 }, 'x', 0);
    expect(t.matchFlow(17, { ip: A.ip, port: 20 }, S, 1)).toBeUndefined();
    expect(t.matchFlow(6, { ip: '10.9.9.9', port: 20 }, S, 1)).toBeUndefined();
    expect(t.matchFlow(6, { ip: A.ip, port: 21 }, S, 1)).toBeUndefined();
    expect(t.matchFlow(6, { ip: A.ip, port: 20 }, S, 1)?.expectation.payload).toBe('x');
  });

  it('matches a flow first seen from the listener side (reversed) unless the entry forbids it', () => {
    const { t } = table();
    t.add({ proto: 6, ip: S.ip, port: S.port }, 'rev', 0);
    t.add({ proto: 17, ip: S.ip, port: S.port }, 'fwd-only', 0, { reversible: false });
    const m = t.matchFlow(6, S, A, 1);
    expect(m?.reversed).toBe(true);
    expect(m?.originator).toEqual(A);
    expect(m?.listener).toEqual(S);
    expect(t.matchFlow(17, S, A, 1)).toBeUndefined();
    expect(t.matchFlow(17, A, S, 1)?.expectation.payload).toBe('fwd-only');
  });

  it('prefers the most specific entry', () => {
    const { t } = table();
    t.add({ proto: 6, ip: S.ip, port: S.port }, 'any', 0);
    t.add({ proto: 6, ip: S.ip, port: S.port, fromIp: A.ip }, 'from-A', 0);
    expect(t.matchFlow(6, A, S, 1)?.expectation.payload).toBe('from-A');
    expect(t.matchFlow(6, A, S, 1)?.expectation.payload).toBe('any');
  });

  it('expires entries after their lifetime and counts them as unused', () => {
    const { t } = table(10, 300);
    t.add({ proto: 6, ip: S.ip, port: S.port }, 'late', 100);
    t.expire(399.9);
    expect(t.size).toBe(1);
    expect(t.matchFlow(6, A, S, 400)).toBeUndefined(); // due, even before the sweep
    t.expire(400);
    expect(t.size).toBe(0);
    expect(t.stats()).toMatchObject({ expiredUnused: 1, matched: 0 });
  });

  it('refreshes an identical announcement instead of adding a second entry', () => {
    const { t } = table(10, 300);
    t.add({ proto: 6, ip: S.ip, port: S.port }, 'first', 0);
    t.add({ proto: 6, ip: S.ip, port: S.port }, 'second', 200);
    expect(t.size).toBe(1);
    t.expire(350);
    expect(t.size).toBe(1);
    expect(t.matchFlow(6, A, S, 360)?.expectation.payload).toBe('second');
    expect(t.stats()).toMatchObject({ added: 1, refreshed: 1 });
  });

  it('keeps reusable entries for many flows and refreshes them on use when asked', () => {
    const { t } = table(10, 100, true);
    t.add({ proto: 17, ip: S.ip, port: 2049 }, 'nfs', 0, { reusable: true });
    for (let i = 0; i < 5; i++) expect(t.matchFlow(17, { ip: `10.0.1.${i}`, port: 700 + i }, { ip: S.ip, port: 2049 }, 90 * (i + 1))?.expectation.payload).toBe('nfs');
    t.expire(540);
    expect(t.size).toBe(1);
    t.expire(551);
    expect(t.size).toBe(0);
    expect(t.stats()).toMatchObject({ matched: 5, expiredUsed: 1, expiredUnused: 0 });
  });

  it('drops the oldest entry when the cap is reached and reports it', () => {
    const { t, evicted } = table(3);
    for (let i = 0; i < 5; i++) t.add({ proto: 6, ip: S.ip, port: 1000 + i }, `e${i}`, i);
    expect(t.size).toBe(3);
    expect(evicted).toEqual(['e0', 'e1']);
    expect(t.stats()).toMatchObject({ evicted: 2, peak: 3, live: 3 });
    expect(t.matchFlow(6, A, { ip: S.ip, port: 1000 }, 10)).toBeUndefined();
    expect(t.matchFlow(6, A, { ip: S.ip, port: 1004 }, 10)?.expectation.payload).toBe('e4');
  });

  it('consumes linked entries together', () => {
    const { t } = table();
    const a = t.add({ proto: 6, ip: '203.0.113.5', port: 5000 }, 'nat', 0);
    const b = t.add({ proto: 6, ip: S.ip, port: 5000 }, 'nat', 0);
    t.link([a, b]);
    expect(t.matchFlow(6, A, { ip: S.ip, port: 5000 }, 1)?.expectation.payload).toBe('nat');
    expect(t.size).toBe(0);
    expect(t.matchFlow(6, A, { ip: '203.0.113.5', port: 5000 }, 1)).toBeUndefined();
  });

  it('stays bounded under a flood of announcements', () => {
    const { t } = table(100, 300);
    for (let i = 0; i < 100_000; i++) t.add({ proto: 6, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1 + (i % 65535) }, 'x', i / 1000);
    expect(t.size).toBe(100);
    expect(t.stats().evicted).toBe(99_900);
  });
});
