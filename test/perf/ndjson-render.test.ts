import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/model.js';
import { renderFlowLine } from '../../src/report/flows/ndjson.js';
import { orderedFlow } from '../../src/report/flows/record.js';

/** The reference: the generic rendering the direct writer must equal byte for byte. */
function reference(f: Flow): string {
  return `${JSON.stringify(orderedFlow(f))}\n`;
}

function base(): Flow {
  return {
    id: '1.7',
    proto: 'tcp',
    client: { ip: '10.0.0.5', port: 40112 },
    server: { ip: '10.1.0.7', port: 21 },
    directionInferred: false,
    first: '2024-03-01T00:00:00.016677000Z',
    last: '2024-03-01T00:00:01.000000000Z',
    packets: { client: 6, server: 5 },
    bytes: { client: 552, server: 1037 },
    history: 'ShADadFf',
    outcome: 'established',
    evidence: { file: 'capture.pcap', offset: 12154 },
  };
}

describe('renderFlowLine', () => {
  it('equals JSON.stringify of the ordered record for a plain flow', () => {
    expect(renderFlowLine(base())).toBe(reference(base()));
  });

  it('equals it with every optional part, in any insertion order', () => {
    const f: Flow = {
      ...base(),
      app: { kind: 'ftp-data', mode: 'pasv', control: '1.2', controlText: '10.0.0.5:40112 → 10.1.0.7:21', announcement: '227 Entering Passive Mode (10,1,0,7,195,80)', announcedAt: '2024-03-01T00:00:00.5Z', nat: true },
      firewall: { lateOnly: true, count: 3, source: 'iptables', interface: 'eth0', direction: 'in', rule: 'IPT "DENY"\\x', action: 'denied' },
      icmpError: { packets: 2, from: '2001:db8::1', code: 13, type: 3 },
      icmp: { code: 0, type: 8 },
      vlan: 42,
      evidence: { line: 17, file: 'fw\u0001"odd".log' },
    };
    expect(renderFlowLine(f)).toBe(reference(f));
  });

  it('escapes what JSON escapes: quotes, backslashes, controls, non-ASCII and lone surrogates', () => {
    for (const s of ['a"b', 'back\\slash', 'tab\there', 'nl\n', '\u007f', 'é', '→', '\ud800', '\udfff x', '😀', '']) {
      const f: Flow = { ...base(), evidence: { file: s, offset: 0 }, history: s, client: { ip: s, port: 0 } };
      expect(renderFlowLine(f)).toBe(reference(f));
    }
  });

  it('prints non-finite numbers as JSON does (null)', () => {
    const f: Flow = { ...base(), packets: { client: Number.NaN, server: Number.POSITIVE_INFINITY }, bytes: { client: -0, server: 1e21 } };
    expect(renderFlowLine(f)).toBe(reference(f));
  });

  it('equals it over many generated flows', () => {
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const outcomes: Flow['outcome'][] = ['established', 'rejected', 'unanswered', 'icmp-prohibited', 'icmp-unreachable', 'denied', 'allowed', 'partial'];
    for (let i = 0; i < 500; i++) {
      const f: Flow = { ...base(), id: `${rand(9)}.${rand(100000)}`, outcome: outcomes[rand(outcomes.length)]!, directionInferred: rand(2) === 0 };
      if (rand(2) === 0) f.vlan = rand(4096);
      if (rand(3) === 0) f.evidence = rand(2) === 0 ? { file: 'x.log', line: rand(1e6) } : { file: 'y.pcap', offset: rand(1e9) };
      if (rand(4) === 0) f.firewall = { action: rand(2) === 0 ? 'allowed' : 'denied', source: 'cisco-asa', count: rand(10), ...(rand(2) === 0 ? { rule: `acl-${rand(50)}` } : {}) };
      if (rand(5) === 0) f.icmpError = { type: 3, code: rand(16), from: '192.0.2.1' };
      expect(renderFlowLine(f)).toBe(reference(f));
    }
  });
});
