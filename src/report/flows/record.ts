/**
 * The flow record as the flow renderers print it: one fixed key order for every output (so two
 * runs over the same input are byte-identical), and one deterministic sort for the outputs that
 * sort (JSON, table, CSV): by first-packet time, then by id (input index, then sequence).
 */
import type { Flow } from '../../model.js';

/**
 * A copy of the flow with keys in print order: id, proto, client, server, directionInferred, first,
 * last, packets, bytes, history, outcome, evidence, then vlan, icmp, icmpError, firewall, app when present.
 */
export function orderedFlow(f: Flow): Flow {
  const evidence: Flow['evidence'] = { file: f.evidence.file };
  if (f.evidence.offset !== undefined) evidence.offset = f.evidence.offset;
  if (f.evidence.line !== undefined) evidence.line = f.evidence.line;
  const out: Flow = {
    id: f.id,
    proto: f.proto,
    client: { ip: f.client.ip, port: f.client.port },
    server: { ip: f.server.ip, port: f.server.port },
    directionInferred: f.directionInferred,
    first: f.first,
    last: f.last,
    packets: { client: f.packets.client, server: f.packets.server },
    bytes: { client: f.bytes.client, server: f.bytes.server },
    history: f.history,
    outcome: f.outcome,
    evidence,
  };
  if (f.vlan !== undefined) out.vlan = f.vlan;
  if (f.icmp !== undefined) out.icmp = { type: f.icmp.type, code: f.icmp.code };
  if (f.icmpError !== undefined) {
    const e: NonNullable<Flow['icmpError']> = { type: f.icmpError.type, code: f.icmpError.code, from: f.icmpError.from };
    if (f.icmpError.packets !== undefined) e.packets = f.icmpError.packets;
    out.icmpError = e;
  }
  if (f.firewall !== undefined) {
    const w = f.firewall;
    out.firewall = {
      action: w.action,
      ...(w.rule !== undefined ? { rule: w.rule } : {}),
      ...(w.direction !== undefined ? { direction: w.direction } : {}),
      ...(w.interface !== undefined ? { interface: w.interface } : {}),
      source: w.source,
      count: w.count,
      ...(w.lateOnly !== undefined ? { lateOnly: w.lateOnly } : {}),
    };
  }
  if (f.app !== undefined) out.app = f.app;
  return out;
}

function idParts(id: string): [number, number] {
  const dot = id.indexOf('.');
  return dot < 0 ? [Number(id), 0] : [Number(id.slice(0, dot)), Number(id.slice(dot + 1))];
}

/** By first time (RFC 3339 text of one width sorts as time), then by id numerically. */
export function compareFlows(a: Flow, b: Flow): number {
  if (a.first !== b.first) return a.first < b.first ? -1 : 1;
  const [ai, as] = idParts(a.id);
  const [bi, bs] = idParts(b.id);
  return ai - bi || as - bs;
}

/** `10.0.0.5:40112`, `[2001:db8::5]:443`, or the address alone for protocols without ports. */
export function endpointText(ip: string, port: number, withPort: boolean): string {
  if (!withPort) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function hasPorts(proto: Flow['proto']): boolean {
  return proto === 'tcp' || proto === 'udp' || proto === 'sctp';
}
