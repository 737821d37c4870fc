import { describe, expect, it } from 'vitest';
import { createObservers, parseTftpRequest } from '../../src/ingest/observe/index.js';
import { flowTo, packet, runFlows } from './packets.js';

const CLIENT = '192.168.1.2';
const SERVER = '192.168.1.1';

function request(opcode: number, file: string, mode: string): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(opcode, 0);
  return Buffer.concat([b, Buffer.from(`${file}\0${mode}\0`, 'latin1')]);
}

function data(block: number, bytes: number): Buffer {
  const b = Buffer.alloc(4 + bytes, 0x61);
  b.writeUInt16BE(3, 0);
  b.writeUInt16BE(block, 2);
  return b;
}

function ack(block: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(4, 0);
  b.writeUInt16BE(block, 2);
  return b;
}

describe('TFTP observer', () => {
  it('reads requests and nothing else', () => {
    const rrq = request(1, 'file1', 'octet');
    expect(parseTftpRequest(rrq, 0, rrq.length)).toEqual({ opcode: 1, filename: 'file1', mode: 'octet' });
    const wrq = Buffer.concat([request(2, 'pxelinux.0', 'NetASCII'), Buffer.from('blksize\x001428\x00', 'latin1')]);
    expect(parseTftpRequest(wrq, 0, wrq.length)).toEqual({ opcode: 2, filename: 'pxelinux.0', mode: 'netascii' });
    for (const bad of [request(1, 'f', 'binary'), request(3, 'f', 'octet'), Buffer.from([0, 1, 0, 0x6f]), Buffer.from([0, 1]), data(1, 20), Buffer.from('\x00\x01name-without-end', 'latin1')]) {
      expect(parseTftpRequest(bad, 0, bad.length)).toBeUndefined();
    }
  });

  it('a read request and its transfer from a new server port', () => {
    const packets = [
      packet({ t: 0, src: `${CLIENT}:44935`, dst: `${SERVER}:69`, proto: 'udp', payload: request(1, 'file1', 'octet') }),
      packet({ t: 0.014, src: `${SERVER}:59557`, dst: `${CLIENT}:44935`, proto: 'udp', payload: data(1, 512) }),
      packet({ t: 0.015, src: `${CLIENT}:44935`, dst: `${SERVER}:59557`, proto: 'udp', payload: ack(1) }),
      packet({ t: 0.016, src: `${SERVER}:59557`, dst: `${CLIENT}:44935`, proto: 'udp', payload: data(2, 100) }),
      packet({ t: 0.017, src: `${CLIENT}:44935`, dst: `${SERVER}:59557`, proto: 'udp', payload: ack(2) }),
    ];
    const flows = runFlows(packets, createObservers());
    expect(flows).toHaveLength(2);
    const req = flowTo(flows, 69);
    expect(req.app).toEqual({ kind: 'tftp-request' });
    expect(req.outcome).toBe('unanswered'); // the request gets no reply on its own 5-tuple
    const transfer = flowTo(flows, 59557);
    expect(transfer.app).toEqual({ kind: 'tftp-data', control: req.id, controlText: '192.168.1.2:44935 → 192.168.1.1:69', announcedAt: '1970-01-01T00:00:00.000000000Z' });
    expect(transfer.client).toEqual({ ip: CLIENT, port: 44935 });
    expect(transfer.server).toEqual({ ip: SERVER, port: 59557 });
    expect(transfer.directionInferred).toBe(false);
    expect(transfer.packets).toEqual({ client: 2, server: 2 });
  });

  it('a write request answered by ACK 0 from a new port', () => {
    const packets = [
      packet({ t: 0, src: `${CLIENT}:40000`, dst: `${SERVER}:69`, proto: 'udp', payload: request(2, 'up.bin', 'octet') }),
      packet({ t: 1, src: `${CLIENT}:40000`, dst: `${SERVER}:69`, proto: 'udp', payload: request(2, 'up.bin', 'octet') }),
      packet({ t: 1.01, src: `${SERVER}:50000`, dst: `${CLIENT}:40000`, proto: 'udp', payload: ack(0) }),
      packet({ t: 1.02, src: `${CLIENT}:40000`, dst: `${SERVER}:50000`, proto: 'udp', payload: data(1, 10) }),
    ];
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 50000).app).toMatchObject({ kind: 'tftp-data' });
    expect(obs.stats()['tftp.requests']).toBe(2);
    expect(obs.stats()['tftp.expectations.refreshed']).toBe(1);
  });

  it('does not claim a flow the requester opens itself, nor one from another host', () => {
    const packets = [
      packet({ t: 0, src: `${CLIENT}:40001`, dst: `${SERVER}:69`, proto: 'udp', payload: request(1, 'f', 'octet') }),
      packet({ t: 5, src: `${CLIENT}:40001`, dst: '192.168.1.53:53', proto: 'udp', payload: Buffer.from('dns') }),
      packet({ t: 6, src: '192.168.1.99:50001', dst: `${CLIENT}:40001`, proto: 'udp', payload: data(1, 10) }),
    ];
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 53).app).toBeUndefined();
    expect(flows.find((f) => f.client.ip === '192.168.1.99' || f.server.ip === '192.168.1.99')?.app).toBeUndefined();
  });

  it('ignores garbage sent to port 69', () => {
    const packets = [packet({ t: 0, src: `${CLIENT}:40002`, dst: `${SERVER}:69`, proto: 'udp', payload: Buffer.from([0, 9, 1, 2, 3]) })];
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 69).app).toBeUndefined();
    expect(obs.stats()['tftp.expectations.added']).toBe(0);
  });
});
