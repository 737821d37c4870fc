import { describe, expect, it } from 'vitest';
import { AnomalyLog } from '../../src/anomalies.js';
import { createObservers } from '../../src/ingest/observe/index.js';
import type { DecodedPacket } from '../../src/ingest/decode/packet.js';
import { Conversation, flowTo, packet, runFlows } from './packets.js';

const C = '10.0.0.5';
const S = '10.1.0.7';

/** A control session: handshake, greeting, login, then the given exchanges. */
function control(t0: number, exchanges: Array<[boolean, string]>, opts: { client?: string; server?: string; handshake?: boolean } = {}): { conv: Conversation; packets: DecodedPacket[] } {
  const conv = new Conversation(opts.client ?? `${C}:40112`, opts.server ?? `${S}:21`, 3_000_000_000, 4_294_967_000);
  const packets: DecodedPacket[] = opts.handshake === false ? [] : conv.handshake(t0);
  let t = t0 + 0.01;
  for (const [fromClient, text] of exchanges) {
    packets.push(conv.send(fromClient, t, text));
    t += 0.01;
  }
  return { conv, packets };
}

function dataConnection(t: number, client: string, server: string): DecodedPacket[] {
  const conv = new Conversation(client, server, 77, 88);
  return [...conv.handshake(t), conv.send(false, t + 0.01, 'file contents\n'), ...conv.fin(t + 0.02)];
}

describe('FTP observer', () => {
  it('PASV: marks the data connection and the control connection', () => {
    const { packets } = control(100, [
      [false, '220 Service ready\r\n'],
      [true, 'USER anonymous\r\n'],
      [false, '331 Password required\r\n'],
      [true, 'PASV\r\n'],
      [false, '227 Entering Passive Mode (10,1,0,7,195,80).\r\n'],
      [true, 'RETR file\r\n'],
    ]);
    packets.push(...dataConnection(100.5, `${C}:40113`, `${S}:50000`));
    const flows = runFlows(packets, createObservers());
    const ctl = flowTo(flows, 21);
    const data = flowTo(flows, 50000);
    expect(ctl.app).toEqual({ kind: 'ftp-control' });
    expect(data.app).toEqual({
      kind: 'ftp-data',
      mode: 'pasv',
      control: ctl.id,
      controlText: '10.0.0.5:40112 → 10.1.0.7:21',
      announcement: '227 Entering Passive Mode (10,1,0,7,195,80).',
      announcedAt: '1970-01-01T00:01:40.050000000Z',
    });
    expect(data.client).toEqual({ ip: C, port: 40113 });
    expect(data.directionInferred).toBe(false);
  });

  it('EPSV: the port is on the control server', () => {
    const { packets } = control(0, [
      [true, 'EPSV\r\n'],
      [false, '229 Entering Extended Passive Mode (|||6446|)\r\n'],
    ]);
    packets.push(...dataConnection(1, `${C}:40200`, `${S}:6446`));
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 6446).app).toMatchObject({ kind: 'ftp-data', mode: 'epsv' });
  });

  it('PORT: the server connects from 20, or from any other port', () => {
    const { packets } = control(0, [
      [true, 'PORT 10,0,0,5,156,64\r\n'],
      [false, '200 PORT command successful\r\n'],
      [true, 'PORT 10,0,0,5,156,65\r\n'],
      [false, '200 PORT command successful\r\n'],
    ]);
    packets.push(...dataConnection(1, `${S}:20`, `${C}:40000`));
    packets.push(...dataConnection(2, `${S}:61920`, `${C}:40001`));
    const flows = runFlows(packets, createObservers());
    const a = flowTo(flows, 40000);
    const b = flowTo(flows, 40001);
    expect(a.app).toMatchObject({ kind: 'ftp-data', mode: 'port', announcement: 'PORT 10,0,0,5,156,64' });
    expect(b.app).toMatchObject({ kind: 'ftp-data', mode: 'port', announcement: 'PORT 10,0,0,5,156,65' });
    expect(a.client).toEqual({ ip: S, port: 20 });
    expect(b.client).toEqual({ ip: S, port: 61920 });
  });

  it('EPRT over IPv6', () => {
    const c6 = '2001:db8::5';
    const s6 = '2001:db8:1::7';
    const { packets } = control(
      0,
      [
        [true, 'EPRT |2|2001:DB8:0:0::5|49189|\r\n'],
        [false, '200 EPRT command successful\r\n'],
      ],
      { client: `[${c6}]:49185`, server: `[${s6}]:21` },
    );
    packets.push(...dataConnection(1, `[${s6}]:55785`, `[${c6}]:49189`));
    const flows = runFlows(packets, createObservers());
    const data = flowTo(flows, 49189);
    expect(data.app).toMatchObject({ kind: 'ftp-data', mode: 'eprt', controlText: '[2001:db8::5]:49185 → [2001:db8:1::7]:21' });
    expect(data.client).toEqual({ ip: s6, port: 55785 });
  });

  it('a 227 reply split across two TCP segments, the second arriving first', () => {
    const conv = new Conversation(`${C}:40112`, `${S}:21`);
    const packets = conv.handshake(0);
    packets.push(conv.send(true, 0.1, 'PASV\r\n'));
    const first = '227 Entering Passive Mode (10,1,';
    const second = '0,7,195,80)\r\n';
    const p1 = conv.send(false, 0.2, first);
    const p2 = conv.send(false, 0.21, second);
    packets.push(p2, p1, conv.send(false, 0.22, first, true)); // out of order, then a retransmission
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:50000`));
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 50000).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv', announcement: '227 Entering Passive Mode (10,1,0,7,195,80)' });
  });

  it('a multi-line 227 reply with the numbers on a continuation line', () => {
    const { packets } = control(0, [
      [true, 'PASV\r\n'],
      [false, '227-Entering passive mode\r\n 10,1,0,7,195,81\r\n227 End\r\n'],
    ]);
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:50001`));
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 50001).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv', announcement: '10,1,0,7,195,81' });
  });

  it('NAT: a 227 naming another address matches the control server address too, marked nat', () => {
    const { packets } = control(0, [
      [true, 'PASV\r\n'],
      [false, '227 Entering Passive Mode (192,168,7,7,195,82)\r\n'],
      [true, 'PASV\r\n'],
      [false, '227 Entering Passive Mode (192,168,7,7,195,83)\r\n'],
    ]);
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:50002`));
    packets.push(...dataConnection(2, `${C}:40114`, '192.168.7.7:50003'));
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 50002).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv', nat: true });
    expect(flowTo(flows, 50003).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv', nat: true });
    // The linked entries went with the flows that used them.
    expect(obs.stats()['ftp.expectations.live']).toBe(0);
    expect(obs.stats()['ftp.natAnnouncements']).toBe(2);
  });

  it('a capture that starts in the middle of the control session', () => {
    const { packets } = control(
      0,
      [
        [true, 'PASV\r\n'],
        [false, '227 Entering Passive Mode (10,1,0,7,195,84)\r\n'],
      ],
      { handshake: false },
    );
    // The data connection too is seen from its second packet (the SYN-ACK), server first.
    const d = dataConnection(1, `${C}:40113`, `${S}:50004`).slice(1);
    packets.push(...d);
    const flows = runFlows(packets, createObservers());
    expect(flowTo(flows, 21).app).toEqual({ kind: 'ftp-control' });
    expect(flowTo(flows, 50004).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv' });
    expect(flowTo(flows, 50004).client).toEqual({ ip: C, port: 40113 });
  });

  it('an expectation that is never used expires after five minutes', () => {
    const { packets } = control(0, [
      [true, 'PASV\r\n'],
      [false, '227 Entering Passive Mode (10,1,0,7,195,85)\r\n'],
    ]);
    // Keep the clock moving with unrelated traffic past the lifetime, then connect too late.
    for (let t = 10; t <= 310; t += 10) packets.push(packet({ t, src: '10.9.9.9:5353', dst: '10.9.9.10:53', proto: 'udp', payload: 'x' }));
    packets.push(...dataConnection(311, `${C}:40113`, `${S}:50005`));
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 50005).app).toBeUndefined();
    expect(obs.stats()['ftp.expectations.expiredUnused']).toBe(1);
  });

  it('the expectation cap: the oldest is dropped and reported', () => {
    const anomalies = new AnomalyLog();
    const exchanges: Array<[boolean, string]> = [];
    for (let i = 0; i < 5; i++) exchanges.push([true, `PORT 10,0,0,5,100,${i}\r\n`]);
    const { packets } = control(0, exchanges);
    packets.push(...dataConnection(1, `${S}:20`, `${C}:${100 * 256}`));
    packets.push(...dataConnection(2, `${S}:20`, `${C}:${100 * 256 + 4}`));
    const obs = createObservers({ expectationCap: 3, anomalies });
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 100 * 256).app).toBeUndefined();
    expect(flowTo(flows, 100 * 256 + 4).app).toMatchObject({ kind: 'ftp-data', mode: 'port' });
    expect(obs.stats()['ftp.expectations.evicted']).toBe(2);
    expect(anomalies.count('expectation-cap')).toBe(2);
  });

  it('ignores 227 replies without numbers and PORT commands with too few, reporting them', () => {
    const anomalies = new AnomalyLog();
    const { packets } = control(0, [
      [true, 'PASV\r\n'],
      [false, '227 Response to PASV command\r\n'],
      [true, 'PORT 114,115\r\n'],
      [false, '99 PASV invalid\r\n'],
    ]);
    const obs = createObservers({ anomalies });
    runFlows(packets, obs);
    expect(obs.stats()['ftp.announcements']).toBe(0);
    expect(anomalies.count('ftp-bad-announcement')).toBe(2);
  });

  it('skips over-long lines and still reads the next one', () => {
    const anomalies = new AnomalyLog();
    const { packets } = control(0, [
      [true, `SITE ${'A'.repeat(3000)}\r\n`],
      [true, 'PORT 10,0,0,5,156,70\r\n'],
    ]);
    packets.push(...dataConnection(1, `${S}:20`, `${C}:40006`));
    const obs = createObservers({ anomalies });
    const flows = runFlows(packets, obs);
    expect(anomalies.count('ftp-line-too-long')).toBe(1);
    expect(flowTo(flows, 40006).app).toMatchObject({ kind: 'ftp-data', mode: 'port' });
  });

  it('stops reading after AUTH TLS is accepted', () => {
    const { packets } = control(0, [
      [false, '220 ready\r\n'],
      [true, 'AUTH TLS\r\n'],
      [false, '234 AUTH TLS successful\r\n'],
      [true, Buffer.from([0x16, 0x03, 0x01, 0x00, 0x10, 0x0a, 0xff, 0x0a])],
      [false, '227 Entering Passive Mode (10,1,0,7,195,90)\r\n'], // would be inside TLS: not read
    ] as Array<[boolean, string]>);
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 21).app).toEqual({ kind: 'ftp-control' });
    expect(obs.stats()['ftp.announcements']).toBe(0);
    expect(obs.stats()['ftp.tlsControl']).toBe(1);
  });

  it('follows a control channel on a port given in the options', () => {
    const { packets } = control(
      0,
      [
        [true, 'EPSV\r\n'],
        [false, '229 Entering Extended Passive Mode (|||6447|)\r\n'],
      ],
      { server: `${S}:2100` },
    );
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:6447`));
    const flows = runFlows(packets, createObservers({ ftpPorts: [2100], detectFtpByContent: false }));
    expect(flowTo(flows, 2100).app).toEqual({ kind: 'ftp-control' });
    expect(flowTo(flows, 6447).app).toMatchObject({ kind: 'ftp-data', mode: 'epsv' });
    const without = runFlows(packets, createObservers({ detectFtpByContent: false }));
    expect(flowTo(without, 6447).app).toBeUndefined();
  });

  it('recognises a control channel on another port by its content', () => {
    const { packets } = control(
      0,
      [
        [false, '220 pyftpdlib 1.5.7 ready.\r\n'],
        [true, 'USER user\r\n'],
        [false, '331 Username ok, send password.\r\n'],
        [true, 'PASV\r\n'],
        [false, '227 Entering passive mode (10,1,0,7,195,86).\r\n'],
      ],
      { server: `${S}:2121` },
    );
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:50006`));
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 2121).app).toEqual({ kind: 'ftp-control' });
    expect(flowTo(flows, 50006).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv' });
    expect(obs.stats()['ftp.detectedByContent']).toBe(1);
  });

  it('does not take SMTP or binary traffic for FTP', () => {
    const smtp = control(
      0,
      [
        [false, '220 mail.example.com ESMTP\r\n'],
        [true, 'EHLO client\r\n'],
        [false, '250 ok\r\n'],
        [true, 'PORT 10,0,0,5,156,71\r\n'],
      ],
      { server: `${S}:2525` },
    ).packets;
    const tls = control(0, [[true, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]).toString('latin1')]], { server: `${S}:8443`, client: `${C}:40300` }).packets;
    smtp.push(...tls, ...dataConnection(1, `${S}:20`, `${C}:40007`));
    const obs = createObservers();
    const flows = runFlows(smtp, obs);
    expect(flowTo(flows, 2525).app).toBeUndefined();
    expect(flowTo(flows, 8443).app).toBeUndefined();
    expect(flowTo(flows, 40007).app).toBeUndefined();
    expect(obs.activeFlows).toBe(0);
  });

  it('never throws on random control-channel bytes', () => {
    let x = 7;
    const rnd = (): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x;
    };
    const conv = new Conversation(`${C}:40112`, `${S}:21`);
    const packets = conv.handshake(0);
    for (let i = 0; i < 2000; i++) {
      const len = rnd() % 300;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd() & 0xff;
      if (rnd() % 4 === 0) b.write('227 (1,2,3,4,5,6)\n229 (|||9|)\nPORT 1,2,3,4,5,6\nEPRT |2|::1|7|\n', rnd() % (len + 1), 'latin1');
      packets.push(conv.send((rnd() & 1) === 0, i * 0.01, b, rnd() % 7 === 0));
    }
    const obs = createObservers({ expectationCap: 50 });
    expect(() => runFlows(packets, obs)).not.toThrow();
    expect(obs.ftp?.table.size ?? 0).toBeLessThanOrEqual(50);
  });
});

describe('FTP observer after capture loss', () => {
  it('a dropped control segment does not hide the 227 that follows it', () => {
    const conv = new Conversation(`${C}:40112`, `${S}:21`);
    const packets = conv.handshake(0);
    packets.push(conv.send(true, 0.1, 'PASV\r\n'));
    conv.send(false, 0.2, '150 Here comes the listing\r\n'); // never captured
    packets.push(conv.send(false, 0.3, '227 Entering Passive Mode (10,1,0,7,195,179)\r\n'));
    // The client acknowledges both replies: the first was lost by the capture, not on the wire.
    packets.push(packet({ t: 0.31, src: `${C}:40112`, dst: `${S}:21`, flags: 'A', seq: conv.nextSeq(true), ack: conv.nextSeq(false) }));
    packets.push(...dataConnection(1, `${C}:40113`, `${S}:50099`));
    const obs = createObservers();
    const flows = runFlows(packets, obs);
    expect(flowTo(flows, 50099).app).toMatchObject({ kind: 'ftp-data', mode: 'pasv' });
  });
});

describe('FTP observer memory', () => {
  it('keeps what all control channels hold within the byte budget, and frees it when flows end', () => {
    const packets: DecodedPacket[] = [];
    for (let i = 0; i < 200; i++) {
      const conv = new Conversation(`${C}:${20000 + i}`, `${S}:21`);
      packets.push(...conv.handshake(i * 0.001));
      conv.advance(false, 10); // a hole of 10 bytes the capture never fills
      packets.push(conv.send(false, i * 0.001 + 0.0005, `227 Entering Passive Mode (10,1,0,7,10,${i % 250})\r\n${'x'.repeat(1000)}`));
    }
    const obs = createObservers({ bufferBudgetBytes: 8192 });
    const budget = obs.ftp?.budget;
    let peak = 0;
    const flows = runFlows(packets, {
      matchNewFlow: (p, a, b, now) => obs.matchNewFlow(p, a, b, now),
      wantsFlow: (f) => obs.wantsFlow(f),
      onPacket: (f, c, p) => {
        const r = obs.onPacket(f, c, p);
        peak = Math.max(peak, budget?.used ?? 0);
        return r;
      },
      onFlowEnd: (f) => obs.onFlowEnd(f),
      expire: (now) => obs.expire(now),
    });
    expect(flows).toHaveLength(200);
    expect(peak).toBeLessThanOrEqual(8192);
    expect(budget?.refused ?? 0).toBeGreaterThan(0);
    expect(budget?.used).toBe(0);
  });
});
