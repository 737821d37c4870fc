/**
 * The portmapper observer says which transport the portmapper was asked over (`controlProto` of
 * an `rpc` mark); the classifier matches the control flow on that transport instead of guessing.
 */
import { describe, expect, it } from 'vitest';
import { Classifier } from '../../src/classify/classify.js';
import { loadCatalog } from '../../src/catalog/load.js';
import { loadInventory } from '../../src/inventory/load.js';
import { flow } from './support.js';

const catalog = loadCatalog();
const classifier = new Classifier(catalog, { inventory: loadInventory('fixtures/demo/inventory.json', catalog) });

function rpcTo(port: number, controlProto?: 'tcp' | 'udp') {
  const app = {
    kind: 'rpc' as const,
    program: 100232,
    version: 10,
    control: '1.7',
    controlText: '10.0.0.5:700 → 10.1.0.7:111',
    announcedAt: '2024-05-01T12:03:05.000000000Z',
    ...(controlProto !== undefined ? { controlProto } : {}),
  };
  return classifier.classify(flow('udp', '10.0.0.5:701', `10.1.0.7:${port}`, { app }));
}

describe('rpc marks with the portmapper transport', () => {
  it('a portmapper asked over TCP (PathTrak: required) documents the service', () => {
    const v = rpcTo(50000, 'tcp');
    expect(v.flow.status).toBe('dynamic');
    expect(v.flow.rules).toEqual(['pathtrak/hcu-services']);
  });

  it('a portmapper asked over UDP (PathTrak: documented as not used) is not guessed away', () => {
    const v = rpcTo(50000, 'udp');
    expect(v.flow.status).toBe('not-used');
    expect(v.flow.finding).toBe('deprecated-in-use');
    expect(v.flow.reason).toContain('the control flow is PathTrak 4.x rule portmapper-udp');
  });

  it('without the transport the classifier still prefers the documented one', () => {
    expect(rpcTo(50000).flow.rules).toEqual(['pathtrak/hcu-services']);
  });
});
