/**
 * A small inline catalog and flow builders for classifier tests: independent of the shipped
 * catalog files, so these tests pin the classifier's logic, not the catalog's content.
 */
import type { Catalog, Product, Rule } from '../../src/catalog/types.js';
import { EPHEMERAL_PROFILES } from '../../src/catalog/ephemeral.js';
import type { Flow, ProtoName } from '../../src/model.js';
import { parseInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/inventory.js';

const src = (section: string, text = ''): Rule['source'] => ({ document: 'test.txt', section, text });

function rule(r: Partial<Rule> & Pick<Rule, 'id' | 'from' | 'to' | 'ports' | 'level'>): Rule {
  return { service: r.id, proto: ['tcp'], protoStated: true, source: src('Test section'), ...r };
}

export const PATHTRAK: Product = {
  id: 'pathtrak',
  name: 'PathTrak',
  documents: [{ document: 'test.txt', title: 'PathTrak test' }],
  roles: [
    { id: 'pathtrak-server', name: 'PathTrak Server' },
    { id: 'hcu', name: 'HCU' },
    { id: 'client', name: 'Client' },
  ],
  rules: [
    rule({ id: 'hcu-ftp', from: 'pathtrak-server', to: 'hcu', ports: { kind: 'port', port: 21 }, level: 'required' }),
    rule({
      id: 'hcu-ftp-data',
      from: 'pathtrak-server',
      to: 'hcu',
      ports: {
        kind: 'ftp-data',
        control: 'hcu-ftp',
        fallback: [
          { from: 32768, to: 61000, when: { models: ['HCU200'] }, note: 'Data port range 32768-61000 on HCU200s' },
          { from: 1024, to: 5000, when: { models: ['HCU400', 'HCU1500'] }, note: 'Data port range 1024-5000 on HCU 400/1500s' },
        ],
      },
      level: 'required',
    }),
    rule({ id: 'hcu-portmapper', from: 'pathtrak-server', to: 'hcu', proto: ['tcp', 'udp'], ports: { kind: 'port', port: 111 }, level: 'required' }),
    rule({ id: 'hcu-rpc', from: 'pathtrak-server', to: 'hcu', proto: ['tcp', 'udp'], ports: { kind: 'range', from: 600, to: 1023 }, level: 'required' }),
    rule({ id: 'boot-event', from: 'hcu', to: 'pathtrak-server', ports: { kind: 'port', port: 5808 }, level: 'required' }),
    rule({ id: 'rpc-links', from: 'hcu', to: 'pathtrak-server', ports: { kind: 'range', from: 49152, to: 65535 }, level: 'required' }),
    rule({ id: 'https', from: 'client', to: 'pathtrak-server', ports: { kind: 'port', port: 443 }, level: 'required' }),
    rule({ id: 'snmp', from: '*', to: 'pathtrak-server', proto: ['udp'], ports: { kind: 'port', port: 161 }, level: 'conditional', condition: 'if utilizing OSS access' }),
  ],
};

export const XCAT: Product = {
  id: 'xcat',
  name: 'xCAT',
  documents: [{ document: 'test.txt', title: 'xCAT test' }],
  roles: [
    { id: 'mgmt-node', name: 'xCAT management node' },
    { id: 'service-node', name: 'xCAT service node', actsAs: ['mgmt-node'] },
    { id: 'node', name: 'xCAT managed node' },
  ],
  rules: [
    rule({ id: 'xcatdport-tcp', from: 'node', to: 'mgmt-node', ports: { kind: 'port', port: 3001 }, level: 'required' }),
    rule({ id: 'rsync', from: 'node', to: 'mgmt-node', ports: { kind: 'port', port: 873 }, level: 'required' }),
    rule({ id: 'ssh', from: 'mgmt-node', to: 'node', ports: { kind: 'port', port: 22 }, level: 'required' }),
    rule({ id: 'shell', from: 'mgmt-node', to: 'node', ports: { kind: 'port', port: 514 }, sourcePorts: { kind: 'range', from: 1, to: 1023 }, level: 'optional' }),
    rule({ id: 'rsyslogd', from: 'node', to: 'mgmt-node', proto: ['tcp', 'udp'], ports: { kind: 'port', port: 514 }, level: 'conditional', condition: 'required on linux', conditions: { os: ['linux'] } }),
    rule({ id: 'kerberos', from: 'node', to: 'mgmt-node', proto: ['tcp', 'udp'], ports: { kind: 'port', port: 88 }, level: 'not-used' }),
    rule({ id: 'tftp-udp', from: 'node', to: 'mgmt-node', proto: ['udp'], ports: { kind: 'port', port: 69 }, level: 'required' }),
  ],
};

export const VOS: Product = {
  id: 'stratus-vos',
  name: 'Stratus VOS STCP',
  documents: [{ document: 'test.txt', title: 'VOS test' }],
  roles: [{ id: 'vos-module', name: 'VOS module' }],
  params: { max_open_server: { description: 'max_open_server' } },
  rules: [
    rule({
      id: 'osl',
      from: 'vos-module',
      to: 'vos-module',
      ports: {
        kind: 'formula',
        text: '3000 .. 3000 + 2*max_open_server',
        from: { base: 3000, terms: [] },
        to: { base: 3000, terms: [{ param: 'max_open_server', coeff: 2 }] },
        envelope: { from: 3000, to: 3999 },
      },
      level: 'required',
    }),
    rule({ id: 'telnet-rsn', from: '*', to: 'vos-module', ports: { kind: 'port', port: 85 }, level: 'should-block' }),
    rule({ id: 'sync-cfgd', from: '*', to: 'vos-module', proto: ['udp'], ports: { kind: 'port', port: 29000 }, level: 'should-block' }),
    rule({ id: 'ftp', from: '*', to: 'vos-module', ports: { kind: 'port', port: 21 }, level: 'required' }),
  ],
};

export const PROGNOSIS: Product = {
  id: 'prognosis',
  name: 'Prognosis',
  documents: [{ document: 'test.txt', title: 'Prognosis test' }],
  roles: [{ id: 'server', name: 'Prognosis Server' }, { id: 'client', name: 'Windows Client' }],
  params: { 'TCPIP-PORT': { description: 'base port', default: 1960 } },
  rules: [
    rule({
      id: 'base-router',
      from: 'client',
      to: 'server',
      ports: { kind: 'formula', text: 'TCPIP-PORT+0', from: { base: 0, terms: [{ param: 'TCPIP-PORT', coeff: 1 }] }, to: { base: 0, terms: [{ param: 'TCPIP-PORT', coeff: 1 }] } },
      level: 'required',
    }),
  ],
};

export function testCatalog(products: Product[] = [PATHTRAK, XCAT, VOS, PROGNOSIS]): Catalog {
  return { products, ephemeralProfiles: [...EPHEMERAL_PROFILES], hash: 'test-hash', files: {} };
}

export const INVENTORY_JSON = {
  hosts: [
    { address: '10.0.0.5', name: 'pts-1', product: 'pathtrak', role: 'pathtrak-server', os: 'linux' },
    { address: '10.1.0.7', name: 'hcu-a', product: 'pathtrak', role: 'hcu', model: 'HCU200', os: 'linux', release: '3.10' },
    { address: '10.1.0.8', name: 'hcu-b', product: 'pathtrak', role: 'hcu', model: 'HCU400', os: 'vxworks' },
    { address: '10.2.0.1', name: 'mn-1', product: 'xcat', role: 'mgmt-node', os: 'linux' },
    { address: '10.2.1.0/24', name: 'nodes', product: 'xcat', role: 'node', os: 'linux' },
    { address: '10.2.2.1', name: 'sn-1', product: 'xcat', role: 'service-node', os: 'linux' },
    { address: '10.3.0.1', name: 'vos-a', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0', params: { max_open_server: 25 } },
    { address: '10.3.0.2', name: 'vos-b', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0' },
    { address: '2001:db8::/64', name: 'v6-nodes', product: 'xcat', role: 'node', os: 'linux' },
  ],
};

export function testInventory(catalog = testCatalog(), doc: unknown = INVENTORY_JSON): Inventory {
  return parseInventory(JSON.stringify(doc), 'inventory.json', catalog);
}

let seq = 0;

export function flow(
  proto: ProtoName,
  client: string,
  server: string,
  extra: Partial<Flow> = {},
): Flow {
  const split = (s: string): { ip: string; port: number } => {
    const m = /^\[(.+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
    return m === null ? { ip: s, port: 0 } : { ip: m[1]!, port: Number(m[2]) };
  };
  seq++;
  return {
    id: `1.${seq}`,
    proto,
    client: split(client),
    server: split(server),
    directionInferred: false,
    first: '2024-05-01T12:03:05.221000000Z',
    last: '2024-05-01T12:03:06.000000000Z',
    packets: { client: 3, server: 2 },
    bytes: { client: 200, server: 120 },
    history: 'ShAD',
    outcome: 'established',
    evidence: { file: 'test.pcap', offset: 24 },
    ...extra,
  };
}
