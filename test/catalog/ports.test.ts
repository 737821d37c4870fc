import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { describePortSpec, portSpecContains, resolvePortSpec } from '../../src/catalog/ports.js';
import type { PortSpec, Product, Rule } from '../../src/catalog/types.js';

const catalog = loadCatalog();
function product(id: string): Product {
  const p = catalog.products.find((x) => x.id === id);
  if (p === undefined) throw new Error(`no product ${id}`);
  return p;
}
function rule(productId: string, ruleId: string): Rule {
  const r = product(productId).rules.find((x) => x.id === ruleId);
  if (r === undefined) throw new Error(`no rule ${productId}/${ruleId}`);
  return r;
}

describe('formula port specs', () => {
  const vos = product('stratus-vos');
  const defs = vos.params ?? {};
  it('OSL with max_open_server=25 is 3000..3050', () => {
    const r = resolvePortSpec(rule('stratus-vos', 'osl').ports, { max_open_server: 25 }, defs);
    expect(r.ranges).toEqual([[3000, 3050]]);
    expect(r.text).toBe('3000..3050 (max_open_server=25)');
    expect(r.usedParams).toEqual({ max_open_server: 25 });
    expect(r.missingParams).toEqual([]);
    expect(r.envelope).toBe(false);
  });
  it('OSN with max_open_server=25 is 4000..4025', () => {
    const r = resolvePortSpec(rule('stratus-vos', 'osn').ports, { max_open_server: 25 }, defs);
    expect(r.ranges).toEqual([[4000, 4025]]);
    expect(r.text).toBe('4000..4025 (max_open_server=25)');
  });
  it('without max_open_server the documented envelope matches, and says so', () => {
    const osl = resolvePortSpec(rule('stratus-vos', 'osl').ports, {}, defs);
    expect(osl.ranges).toEqual([[3000, 3999]]);
    expect(osl.envelope).toBe(true);
    expect(osl.missingParams).toEqual(['max_open_server']);
    expect(osl.text).toBe('3000-3999 (max_open_server not given: the documented envelope)');
    expect(osl.notes).toEqual(['max_open_server not given: matched the documented envelope']);
    const osn = resolvePortSpec(rule('stratus-vos', 'osn').ports, {}, defs);
    expect(osn.ranges).toEqual([[4000, 4999]]);
  });
  it('notes a value that leaves the documented envelope, and clips past 65535', () => {
    const big = resolvePortSpec(rule('stratus-vos', 'osl').ports, { max_open_server: 600 }, defs);
    expect(big.ranges).toEqual([[3000, 4200]]);
    expect(big.notes).toEqual(['3000..4200 lies outside the documented 3000-3999']);
    const huge = resolvePortSpec(rule('stratus-vos', 'osl').ports, { max_open_server: 40000 }, defs);
    expect(huge.ranges).toEqual([[3000, 65535]]);
    expect(huge.notes[0]).toBe('3000..83000 clipped to the port range 0-65535');
  });
  it('Prognosis base ports: TCPIP-PORT + 0..6, default 1960', () => {
    const defsP = product('prognosis').params ?? {};
    const base = (n: number, params: Record<string, number>) => resolvePortSpec(rule('prognosis', `base-${n}`).ports, params, defsP);
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => base(n, { 'TCPIP-PORT': 2000 }).ranges[0])).toEqual([
      [2000, 2000], [2001, 2001], [2002, 2002], [2003, 2003], [2004, 2004], [2005, 2005], [2006, 2006],
    ]);
    expect(base(6, {}).text).toBe('1966 (TCPIP-PORT=1960, the default)');
    expect(base(6, {}).usedParams).toEqual({ 'TCPIP-PORT': 1960 });
    expect(base(0, { 'TCPIP-PORT': 2000 }).text).toBe('2000 (TCPIP-PORT=2000)');
  });
  it('a formula without value, default or envelope matches nothing and says why', () => {
    const spec: PortSpec = { kind: 'formula', text: 'p + 1', from: { base: 1, terms: [{ param: 'p', coeff: 1 }] }, to: { base: 1, terms: [{ param: 'p', coeff: 1 }] } };
    const r = resolvePortSpec(spec, {}, { p: { description: 'x' } });
    expect(r.ranges).toEqual([]);
    expect(r.missingParams).toEqual(['p']);
    expect(r.notes).toEqual(['p not given: no documented envelope, so no port matches']);
  });
});

describe('dynamic port specs', () => {
  it('PathTrak FTP data falls back per HCU model', () => {
    const spec = rule('pathtrak', 'ftp-data').ports;
    expect(resolvePortSpec(spec, {}).ranges).toEqual([[1024, 5000], [32768, 61000]]);
    expect(resolvePortSpec(spec, {}, {}, { model: 'HCU200' }).ranges).toEqual([[32768, 61000]]);
    expect(resolvePortSpec(spec, {}, {}, { model: 'HCU 400' }).ranges).toEqual([[1024, 5000]]);
    expect(resolvePortSpec(spec, {}, {}, { model: 'hcu1500' }).ranges).toEqual([[1024, 5000]]);
    expect(portSpecContains(spec, 32800, {}, {}, { model: 'HCU200' })).toBe(true);
    expect(portSpecContains(spec, 32800, {}, {}, { model: 'HCU400' })).toBe(false);
    expect(resolvePortSpec(spec, {}).dynamic).toBe(true);
  });
  it('RPC links fall back to the documented range; mountd has none', () => {
    expect(resolvePortSpec(rule('pathtrak', 'rpc-links').ports, {}).ranges).toEqual([[49152, 65535]]);
    expect(resolvePortSpec(rule('pathtrak', 'hcu-services').ports, {}).ranges).toEqual([[600, 1023]]);
    const mount = resolvePortSpec(rule('xcat', 'mount-tcp').ports, {});
    expect(mount.ranges).toEqual([]);
    expect(mount.text).toBe('dynamic (announced by the portmapper; no fallback range)');
  });
  it('ephemeral follows the listener OS, IANA when unknown', () => {
    const spec: PortSpec = { kind: 'ephemeral' };
    expect(resolvePortSpec(spec, {}, {}, { os: 'windows', release: 'xp' }).ranges).toEqual([[1025, 5000]]);
    expect(resolvePortSpec(spec, {}, {}, { os: 'vos', release: '15.0', proto: 'udp' }).ranges).toEqual([[1024, 65535]]);
    const unknown = resolvePortSpec(spec, {});
    expect(unknown.ranges).toEqual([[49152, 65535]]);
    expect(unknown.notes).toEqual(["listener's OS not given: the IANA range"]);
  });
  it('describes specs in words', () => {
    expect(describePortSpec(rule('stratus-vos', 'osl').ports)).toBe('3000 .. 3000 + 2*max_open_server (envelope 3000-3999)');
    expect(describePortSpec(rule('prognosis', 'base-6').ports)).toBe('TCPIP-PORT + 6');
    expect(describePortSpec(rule('pathtrak', 'ftp-data').ports)).toBe(
      'FTP data port announced on control "ftp" (fallback 32768-61000 (HCU200); 1024-5000 (HCU400, HCU1500))',
    );
    expect(describePortSpec(rule('xcat', 'rpc-mount').ports)).toBe('ONC RPC program 100005 port announced by the portmapper (no fallback range)');
    expect(describePortSpec(rule('prognosis', 'cisco-cube-radius').ports)).toBe('1812, 1645, 1813, 1646');
    expect(describePortSpec(rule('prognosis', 'mi-nice-bsf-62201-https').ports)).toBe('62201-62220');
  });
});
