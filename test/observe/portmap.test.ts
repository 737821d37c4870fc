import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { createObservers } from '../../src/ingest/observe/index.js';
import type { DecodedPacket } from '../../src/ingest/decode/packet.js';
import { Conversation, flowTo, packet, runFlows } from './packets.js';
import { DUMP, GETPORT, PROG_PORTMAP, recordMark, rpcCall, rpcReply } from './rpc.js';
import type { Xdr } from './rpc.js';

const CLIENT = '192.168.1.20';
const SERVER = '192.168.1.10';

function udp(t: number, src: string, dst: string, payload: Buffer): DecodedPacket {
  return packet({ t, src, dst, proto: 'udp', payload });
}

function getport(prog: number, vers: number, prot: number) {
  return (x: Xdr): void => {
    x.u32(prog).u32(vers).u32(prot).u32(0);
  };
}

function dumpList(entries: Array<[number, number, number, number]>) {
  return (x: Xdr): void => {
    for (const [prog, vers, prot, port] of entries) x.u32(1).u32(prog).u32(vers).u32(prot).u32(port);
    x.u32(0);
  };
}

describe('portmapper observer', () => {
  it('GETPORT over UDP: later flows to the learned port are RPC', () => {
    const packets = [
      udp(0, `${CLIENT}:54790`, `${SERVER}:111`, rpcCall(0x39ce2c09, PROG_PORTMAP, 2, GETPORT, getport(100232, 10, 17))),
      udp(0.001, `${SERVER}:111`, `${CLIENT}:54790`, rpcReply(0x39ce2c09, (x) => x.u32(32773))),
      udp(0.005, `${CLIENT}:54792`, `${SERVER}:32773`, Buffer.from('call')),
      udp(0.1, `${SERVER}:32773`, `${CLIENT}:54792`, Buffer.from('reply')),
      udp(90, `${CLIENT}:54800`, `${SERVER}:32773`, Buffer.from('call again')),
    ];
    const flows = runFlows(packets, createObservers());
    const pm = flowTo(flows, 111);
    expect(pm.app).toEqual({ kind: 'portmapper' });
    const first = flowTo(flows, 32773, 54792);
    expect(first.app).toEqual({
      kind: 'rpc',
      program: 100232,
      version: 10,
      programName: 'sadmind',
      control: pm.id,
      controlText: '192.168.1.20:54790 → 192.168.1.10:111',
      announcedAt: '1970-01-01T00:00:00.001000000Z',
      controlProto: 'udp',
    });
    expect(first.client).toEqual({ ip: CLIENT, port: 54792 });
    expect(flowTo(flows, 32773, 54800).app).toMatchObject({ kind: 'rpc', program: 100232 });
  });

  it('GETPORT over TCP with record marking, split across segments and fragments', () => {
    const conv = new Conversation(`${CLIENT}:900`, `${SERVER}:111`);
    const packets = conv.handshake(0);
    const call = recordMark(rpcCall(7, PROG_PORTMAP, 2, GETPORT, getport(100005, 3, 6)), 2);
    packets.push(conv.send(true, 0.1, call.subarray(0, 10)), conv.send(true, 0.11, call.subarray(10)));
    const reply = recordMark(rpcReply(7, (x) => x.u32(20048)));
    const r1 = conv.send(false, 0.2, reply.subarray(0, 3));
    const r2 = conv.send(false, 0.21, reply.subarray(3));
    packets.push(r2, r1); // out of order
    const mount = new Conversation(`${CLIENT}:901`, `${SERVER}:20048`);
    packets.push(...mount.handshake(1), mount.send(true, 1.1, 'mount call'));
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 111).app).toEqual({ kind: 'portmapper' });
    // The portmapper was asked over TCP: the mark says so (the classifier matches the control rule on it).
    expect(flowTo(flows, 20048).app).toMatchObject({ kind: 'rpc', program: 100005, version: 3, programName: 'mountd', controlProto: 'tcp' });
  });

  it('a DUMP reply listing several programs, on TCP and UDP', () => {
    const conv = new Conversation(`${CLIENT}:902`, `${SERVER}:111`);
    const packets = conv.handshake(0);
    packets.push(conv.send(true, 0.1, recordMark(rpcCall(9, PROG_PORTMAP, 2, DUMP))));
    packets.push(
      conv.send(
        false,
        0.2,
        recordMark(
          rpcReply(
            9,
            dumpList([
              [100000, 2, 6, 111],
              [100003, 3, 6, 2049],
              [100227, 3, 6, 2049],
              [100003, 4, 6, 2049],
              [100005, 1, 17, 20048],
              [100005, 3, 17, 20048],
              [100021, 4, 6, 38467],
              [100024, 1, 17, 47000],
              [555555, 1, 6, 40404],
            ]),
          ),
        ),
      ),
    );
    const t = (port: number, cport: number): DecodedPacket[] => new Conversation(`${CLIENT}:${cport}`, `${SERVER}:${port}`).handshake(1);
    packets.push(...t(2049, 700), ...t(38467, 701), ...t(40404, 702), ...t(111, 703));
    packets.push(udp(1, `${CLIENT}:704`, `${SERVER}:20048`, Buffer.from('m')), udp(1, `${CLIENT}:705`, `${SERVER}:47000`, Buffer.from('s')));
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 2049).app).toMatchObject({ kind: 'rpc', program: 100003, version: 4, programName: 'nfs' });
    expect(flowTo(flows, 38467).app).toMatchObject({ kind: 'rpc', program: 100021, version: 4, programName: 'nlockmgr' });
    expect(flowTo(flows, 20048).app).toMatchObject({ kind: 'rpc', program: 100005, version: 3, programName: 'mountd' });
    expect(flowTo(flows, 47000).app).toMatchObject({ kind: 'rpc', program: 100024, programName: 'status' });
    const unknown = flowTo(flows, 40404).app;
    expect(unknown).toMatchObject({ kind: 'rpc', program: 555555, version: 1 });
    expect(unknown !== undefined && 'programName' in unknown).toBe(false);
    // The portmapper's own entry never turns a later portmapper flow into an "rpc" one.
    expect(flowTo(flows, 111, 703).app).toBeUndefined();
  });

  it('rpcbind v3 GETADDR and v4 DUMP replies with universal addresses (IPv4 and IPv6)', () => {
    const s6 = '2001:db8::10';
    const c6 = '2001:db8::20';
    const packets = [
      udp(0, `${CLIENT}:800`, `${SERVER}:111`, rpcCall(1, PROG_PORTMAP, 3, 3, (x) => x.u32(100021).u32(4).string('udp').string('').string(''))),
      udp(0.01, `${SERVER}:111`, `${CLIENT}:800`, rpcReply(1, (x) => x.string('192.168.1.10.150.67'))),
      udp(0.1, `[${c6}]:801`, `[${s6}]:111`, rpcCall(2, PROG_PORTMAP, 4, 4)),
      udp(
        0.11,
        `[${s6}]:111`,
        `[${c6}]:801`,
        rpcReply(2, (x) => {
          for (const [prog, vers, netid, addr] of [
            [100005, 3, 'tcp6', '::.78.80'],
            [100005, 3, 'udp', '0.0.0.0.78.80'],
            [100024, 1, 'local', '/run/rpcbind.sock'],
            [100011, 2, 'udp6', '2001:db8::10.3.107'],
          ] as const) {
            x.u32(1).u32(prog).u32(vers).string(netid).string(addr).string('superuser');
          }
          x.u32(0);
        }),
      ),
      udp(1, `${CLIENT}:802`, `${SERVER}:38467`, Buffer.from('nlm')),
      ...new Conversation(`[${c6}]:803`, `[${s6}]:20048`).handshake(1),
      udp(1, `[${c6}]:804`, `[${s6}]:875`, Buffer.from('rquota')),
    ];
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 38467).app).toMatchObject({ kind: 'rpc', program: 100021, version: 4, programName: 'nlockmgr' });
    expect(flowTo(flows, 20048).app).toMatchObject({ kind: 'rpc', program: 100005, programName: 'mountd' });
    expect(flowTo(flows, 875).app).toMatchObject({ kind: 'rpc', program: 100011, programName: 'rquotad' });
  });

  it('bounds pending calls under an XID flood and survives bogus records', () => {
    const anomalies = new AnomalyLog();
    const conv = new Conversation(`${CLIENT}:903`, `${SERVER}:111`);
    const packets = conv.handshake(0);
    for (let i = 0; i < 500; i++) packets.push(conv.send(true, 0.001 * i, recordMark(rpcCall(i, PROG_PORTMAP, 2, GETPORT, getport(100003, 3, 6)))));
    // A bogus 2 GiB record length, then nothing usable.
    const bogus = Buffer.alloc(12);
    bogus.writeUInt32BE(0xfffffff0, 0);
    packets.push(conv.send(false, 1, bogus), conv.send(false, 1.1, Buffer.alloc(3000, 0x41)));
    const obs = createObservers({ anomalies, maxPendingRpcCalls: 16 });
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 111).app).toEqual({ kind: 'portmapper' });
    const stats = obs.stats();
    expect(stats['rpc.calls']).toBe(500);
    expect(stats['rpc.pendingDropped']).toBe(484);
    expect(anomalies.count('rpc-pending-calls-full')).toBe(484);
    expect(anomalies.count('rpc-record-too-long')).toBe(1);
    expect(stats['rpc.mappingsLearned']).toBe(0);
  });

  it('a reply without its call teaches nothing; a denied or failed reply neither', () => {
    const packets = [
      udp(0, `${SERVER}:111`, `${CLIENT}:810`, rpcReply(5, (x) => x.u32(2049))),
      udp(0.1, `${CLIENT}:811`, `${SERVER}:111`, rpcCall(6, PROG_PORTMAP, 2, GETPORT, getport(100003, 3, 6))),
      udp(0.2, `${SERVER}:111`, `${CLIENT}:811`, rpcReply(6, () => {}, 1)),
      ...new Conversation(`${CLIENT}:812`, `${SERVER}:2049`).handshake(1),
    ];
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 2049).app).toBeUndefined();
    expect(obs.stats()['rpc.repliesWithoutCall']).toBe(1);
  });

  it('never throws on random portmapper bytes, UDP or TCP', () => {
    let x = 99;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x;
    };
    const bytes = (n: number): Buffer => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = rnd() & 0xff;
      return b;
    };
    const conv = new Conversation(`${CLIENT}:904`, `${SERVER}:111`);
    const packets = conv.handshake(0);
    for (let i = 0; i < 1500; i++) {
      const kind = rnd() % 4;
      let payload = bytes(rnd() % 200);
      if (kind === 1) payload = rpcReply(rnd() % 8, (w) => w.u32(1).u32(rnd()).u32(rnd()).u32(rnd() % 20).u32(rnd()));
      if (kind === 2) payload = rpcCall(rnd() % 8, PROG_PORTMAP, 2 + (rnd() % 3), rnd() % 12, (w) => w.u32(rnd()).u32(rnd()).string(bytes(rnd() % 8).toString('latin1')));
      const fromClient = (rnd() & 1) === 0;
      packets.push(udp(i * 0.01, fromClient ? `${CLIENT}:905` : `${SERVER}:111`, fromClient ? `${SERVER}:111` : `${CLIENT}:905`, payload));
      packets.push(conv.send(fromClient, i * 0.01, rnd() % 3 === 0 ? recordMark(payload, 1 + (rnd() % 3)) : payload, rnd() % 9 === 0));
    }
    const obs = createObservers({ expectationCap: 64 });
    expect(() => runFlows(packets, obs)).not.toThrow();
    expect(obs.portmap?.table.size ?? 0).toBeLessThanOrEqual(64);
  });
});

describe('portmapper observer on traffic that is not RPC', () => {
  it('drops a port-111 conversation that never carries a valid RPC message', () => {
    const anomalies = new AnomalyLog();
    const conv = new Conversation(`${CLIENT}:906`, `${SERVER}:111`);
    const packets = conv.handshake(0);
    for (let i = 0; i < 20; i++) packets.push(conv.send(i % 2 === 0, i * 0.01, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    for (let i = 0; i < 20; i++) packets.push(udp(i * 0.01, `${CLIENT}:907`, `${SERVER}:111`, Buffer.from('hello there, not rpc')));
    const obs = createObservers({ anomalies });
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 111, 906).app).toBeUndefined();
    expect(flowTo(flows, 111, 907).app).toBeUndefined();
    expect(obs.stats()['rpc.notRpc']).toBe(2);
    // Other traffic on port 111 is not a damaged portmapper: one quiet info note per conversation.
    expect(anomalies.count('rpc-record-too-long')).toBe(0);
    expect(anomalies.count('rpc-bad-message')).toBe(0);
    expect(anomalies.count('not-rpc')).toBe(2);
    expect(anomalies.summary().find((a) => a.code === 'not-rpc')?.severity).toBe('info');
    expect(anomalies.notable()).toEqual([]);
    expect(obs.activeFlows).toBe(0);
  });

  it('a single datagram that is not RPC is one info note when its flow ends, not a warning', () => {
    const anomalies = new AnomalyLog();
    const packets = [udp(0, `${CLIENT}:908`, `${SERVER}:111`, Buffer.from([0, 0, 0, 1, 0, 0, 0, 9]))];
    const obs = createObservers({ anomalies });
    runFlows(packets, obs);
    expect(anomalies.summary().map((a) => [a.code, a.severity, a.count])).toEqual([['not-rpc', 'info', 1]]);
    expect(anomalies.summary()[0]?.examples[0]?.message).toBe(`port 111 udp ${CLIENT}:908 → ${SERVER}:111: not ONC RPC (a malformed message type 9); conversation not followed`);
    expect(obs.stats()['rpc.notRpc']).toBe(1);
  });
});
