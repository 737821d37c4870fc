/**
 * The golden captures of the dynamic-port observers, built with the project's capture writer.
 * Each case is a list of frames; golden.test.ts writes it to `fixtures/observe/<name>.pcap` and
 * compares the flows read from it with `fixtures/observe/<name>.expected.json`.
 */
import {
  DEFAULT_START,
  ethernet,
  ip,
  mergeByTime,
  tcp,
  tcpSession,
  toFrames,
  udp,
  udpExchange,
} from '../support/capture-writer.js';
import type { CapturedFrame, TimedPacket } from '../support/capture-writer.js';
import { recordMark, rpcCall, rpcReply } from './rpc.js';
import type { Xdr } from './rpc.js';

export interface GoldenCase {
  name: string;
  /** What the case shows (kept in the expected file's header). */
  about: string;
  frames(): CapturedFrame[];
}

const T0 = DEFAULT_START;
const sec = (s: number): bigint => T0 + BigInt(Math.round(s * 1e9));

const C = '10.0.0.5';
const S = '10.1.0.7';

type Exchange = { from: 'client' | 'server'; data: string | Buffer };
const client = (data: string | Buffer): Exchange => ({ from: 'client', data });
const server = (data: string | Buffer): Exchange => ({ from: 'server', data });

/** An FTP control session on `server` (default S:21) with a login before `more`. */
function ftpControl(start: number, more: Exchange[], o: { client?: string; server?: string; handshake?: 'full' | 'mid-stream' } = {}): TimedPacket[] {
  const login: Exchange[] =
    o.handshake === 'mid-stream'
      ? []
      : [server('220 (vsFTPd 3.0.5)\r\n'), client('USER ftp\r\n'), server('331 Please specify the password.\r\n'), client('PASS ftp\r\n'), server('230 Login successful.\r\n')];
  return tcpSession({
    client: o.client ?? `${C}:40112`,
    server: o.server ?? `${S}:21`,
    start: sec(start),
    rtt: 0.01,
    handshake: o.handshake ?? 'full',
    exchanges: [...login, ...more, client('QUIT\r\n'), server('221 Goodbye.\r\n')],
    clientIsn: 3_000_000_000,
    serverIsn: 4_294_960_000, // wraps around 2^32 during the session
  });
}

/** A data connection carrying `bytes` from the sender side. */
function dataConnection(start: number, opener: string, listener: string, o: { fromListener?: boolean; handshake?: 'full' | 'mid-stream' } = {}): TimedPacket[] {
  const payload = '-rw-r--r--    1 0        0            1024 Jan 01 00:00 firmware.bin\r\n';
  return tcpSession({
    client: opener,
    server: listener,
    start: sec(start),
    rtt: 0.01,
    handshake: o.handshake ?? 'full',
    exchanges: [o.fromListener === false ? client(payload) : server(payload)],
  });
}

function frames(...lists: TimedPacket[][]): CapturedFrame[] {
  return toFrames(mergeByTime(...lists), (p) => ethernet(p));
}

// ---- ONC RPC messages -------------------------------------------------------------------------

const PMAP = 100000;

function getportArgs(prog: number, vers: number, prot: number) {
  return (x: Xdr): void => {
    x.u32(prog).u32(vers).u32(prot).u32(0);
  };
}

// ---- TFTP --------------------------------------------------------------------------------------

function tftpPacket(opcode: number, rest: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(opcode, 0);
  return Buffer.concat([h, rest]);
}

function tftpBlock(opcode: 3 | 4, block: number, data = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(block, 0);
  return tftpPacket(opcode, Buffer.concat([b, data]));
}

/** One UDP datagram at `t` seconds. */
function datagram(t: number, from: string, to: string, payload: Buffer): TimedPacket {
  const [fip, fport] = splitEndpoint(from);
  const [tip, tport] = splitEndpoint(to);
  return { ts: sec(t), ip: ip(fip, tip, udp({ srcPort: fport, dstPort: tport }, payload)) };
}

/** One TCP segment at `t` seconds. */
function segment(t: number, from: string, to: string, seq: number, ack: number, flags: string, payload?: Buffer | string): TimedPacket {
  const [fip, fport] = splitEndpoint(from);
  const [tip, tport] = splitEndpoint(to);
  return { ts: sec(t), ip: ip(fip, tip, tcp({ srcPort: fport, dstPort: tport, seq, ack, flags }, payload)) };
}

function splitEndpoint(e: string): [string, number] {
  const m = /^\[(.+)\]:(\d+)$/.exec(e) ?? /^([^:]+):(\d+)$/.exec(e);
  if (m === null) throw new Error(`bad endpoint ${e}`);
  return [m[1] ?? '', Number(m[2])];
}

// ---- the cases ---------------------------------------------------------------------------------

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'ftp-pasv',
    about: 'PASV answered by 227 in the three wordings servers use; each data connection is marked',
    frames: () =>
      frames(
        ftpControl(0, [
          client('PASV\r\n'),
          server('227 Entering Passive Mode (10,1,0,7,195,80).\r\n'),
          client('LIST\r\n'),
          server('150 Here comes the directory listing.\r\n226 Directory send OK.\r\n'),
          client('PASV\r\n'),
          server('227 Data transfer will passively listen to 10,1,0,7,195,81\r\n'),
          client('PASV\r\n'),
          server('227 Entering passive mode. 10,1,0,7,195,82\r\n'),
        ]),
        dataConnection(1, `${C}:40113`, `${S}:50000`),
        dataConnection(2, `${C}:40114`, `${S}:50001`),
        dataConnection(3, `${C}:40115`, `${S}:50002`),
      ),
  },
  {
    name: 'ftp-epsv',
    about: 'EPSV answered by 229 (|||port|): the data port is on the control server',
    frames: () =>
      frames(
        ftpControl(0, [client('EPSV\r\n'), server('229 Entering Extended Passive Mode (|||37150|)\r\n'), client('RETR firmware.bin\r\n')]),
        dataConnection(1, `${C}:40113`, `${S}:37150`),
      ),
  },
  {
    name: 'ftp-port-20',
    about: 'PORT: the server opens the data connection from port 20',
    frames: () =>
      frames(
        ftpControl(0, [client('PORT 10,0,0,5,156,64\r\n'), server('200 PORT command successful. Consider using PASV.\r\n'), client('RETR firmware.bin\r\n')]),
        dataConnection(1, `${S}:20`, `${C}:40000`, { fromListener: false }),
      ),
  },
  {
    name: 'ftp-port-other',
    about: 'PORT: the server opens the data connection from an ephemeral port, not 20',
    frames: () =>
      frames(
        ftpControl(0, [client('PORT 10,0,0,5,131,46\r\n'), server('200 PORT command successful\r\n'), client('STOR upload.bin\r\n')]),
        dataConnection(1, `${S}:61920`, `${C}:33582`, { fromListener: false }),
      ),
  },
  {
    name: 'ftp-eprt-ipv6',
    about: 'EPRT over IPv6 (address written uncompressed), data connection from the server',
    frames: () =>
      frames(
        ftpControl(0, [client('EPRT |2|2001:0db8:0000:0000:0000:0000:0000:0005|49189|\r\n'), server('200 EPRT command successful.\r\n'), client('LIST\r\n')], {
          client: '[2001:db8::5]:49185',
          server: '[2001:db8:1::7]:21',
        }),
        dataConnection(1, '[2001:db8:1::7]:55785', '[2001:db8::5]:49189', { fromListener: false }),
      ),
  },
  {
    name: 'ftp-pasv-split',
    about: 'a 227 reply split across two TCP segments, the second captured first, then retransmitted',
    frames: () => {
      const cl = `${C}:40200`;
      const sv = `${S}:21`;
      let c = 100;
      let s = 900;
      const out: TimedPacket[] = [segment(0, cl, sv, c, 0, 'S'), segment(0.01, sv, cl, s, c + 1, 'SA'), segment(0.02, cl, sv, c + 1, s + 1, 'A')];
      c++;
      s++;
      out.push(segment(0.03, cl, sv, c, s, 'PA', 'PASV\r\n'));
      c += 6;
      const first = '227 Entering Passive Mode (10,1,';
      const second = '0,7,195,90)\r\n';
      out.push(segment(0.04, sv, cl, s + first.length, c, 'PA', second));
      out.push(segment(0.05, sv, cl, s, c, 'PA', first));
      out.push(segment(0.06, sv, cl, s, c, 'PA', first)); // retransmission
      s += first.length + second.length;
      out.push(segment(0.07, cl, sv, c, s, 'A'));
      return frames(out, dataConnection(1, `${C}:40201`, `${S}:50010`));
    },
  },
  {
    name: 'ftp-pasv-nat',
    about: 'PASV behind NAT: the 227 names the private address, the client connects to the public one (nat: true)',
    frames: () =>
      frames(
        ftpControl(0, [client('PASV\r\n'), server('227 Entering Passive Mode (192,168,7,7,234,113).\r\n'), client('RETR firmware.bin\r\n')]),
        dataConnection(1, `${C}:40113`, `${S}:60017`),
      ),
  },
  {
    name: 'ftp-mid-stream',
    about: 'the capture starts after the control connection (and the data connection) opened',
    frames: () =>
      frames(
        ftpControl(0, [client('PASV\r\n'), server('227 Entering Passive Mode (10,1,0,7,195,84)\r\n'), client('RETR firmware.bin\r\n')], { handshake: 'mid-stream' }),
        dataConnection(1, `${C}:40113`, `${S}:50004`, { handshake: 'mid-stream' }),
      ),
  },
  {
    name: 'ftp-content-port',
    about: 'an FTP server on port 2121 (pyftpdlib\'s default) found by its content',
    frames: () =>
      frames(
        tcpSession({
          client: `${C}:40300`,
          server: `${S}:2121`,
          start: sec(0),
          rtt: 0.01,
          exchanges: [
            server('220 pyftpdlib 1.5.7 ready.\r\n'),
            client('USER user\r\n'),
            server('331 Username ok, send password.\r\n'),
            client('PASS 12345\r\n'),
            server('230 Login successful.\r\n'),
            client('EPSV\r\n'),
            server('229 Entering extended passive mode (|||42011|).\r\n'),
            client('RETR firmware.bin\r\n'),
          ],
        }),
        dataConnection(1, `${C}:40301`, `${S}:42011`),
      ),
  },
  {
    name: 'ftp-expired',
    about: 'an announced port nobody connects to in five minutes: the late connection is not marked',
    frames: () =>
      frames(
        ftpControl(0, [client('PASV\r\n'), server('227 Entering Passive Mode (10,1,0,7,195,85)\r\n')]),
        // Other traffic moves the capture clock on.
        ...[60, 120, 180, 240, 300].map((t) => udpExchange({ client: '10.0.0.9:5353', server: '10.0.0.53:53', start: sec(t), request: 'q', response: 'r' })),
        dataConnection(301, `${C}:40113`, `${S}:50005`),
      ),
  },
  {
    name: 'ftp-cap',
    about: 'three PORT announcements with a cap of two: the first is dropped (reported), the others are marked',
    frames: () =>
      frames(
        ftpControl(0, [client('PORT 10,0,0,5,100,0\r\n'), client('PORT 10,0,0,5,100,1\r\n'), client('PORT 10,0,0,5,100,2\r\n')]),
        dataConnection(1, `${S}:20`, `${C}:25600`, { fromListener: false }),
        dataConnection(2, `${S}:20`, `${C}:25601`, { fromListener: false }),
        dataConnection(3, `${S}:20`, `${C}:25602`, { fromListener: false }),
      ),
  },
  {
    name: 'rpc-getport-udp',
    about: 'portmapper GETPORT over UDP, then two conversations with the learned port',
    frames: () =>
      frames(
        udpExchange({
          client: '192.168.1.20:54790',
          server: '192.168.1.10:111',
          start: sec(0),
          request: rpcCall(0x39ce2c09, PMAP, 2, 3, getportArgs(100005, 3, 17)),
          response: rpcReply(0x39ce2c09, (x) => x.u32(20048)),
        }),
        udpExchange({ client: '192.168.1.20:54792', server: '192.168.1.10:20048', start: sec(0.1), request: 'mount call', response: 'mount reply' }),
        udpExchange({ client: '192.168.1.21:700', server: '192.168.1.10:20048', start: sec(30), request: 'mount call', response: 'mount reply' }),
      ),
  },
  {
    name: 'rpc-getport-tcp',
    about: 'portmapper GETPORT over TCP: record marking, the call in two fragments across two segments',
    frames: () => {
      const call = recordMark(rpcCall(7, PMAP, 2, 3, getportArgs(100003, 3, 6)), 2);
      const reply = recordMark(rpcReply(7, (x) => x.u32(2049)));
      return frames(
        tcpSession({
          client: '192.168.1.20:900',
          server: '192.168.1.10:111',
          start: sec(0),
          exchanges: [client(call.subarray(0, 10)), client(call.subarray(10)), server(reply)],
        }),
        tcpSession({ client: '192.168.1.20:901', server: '192.168.1.10:2049', start: sec(1), exchanges: [client('nfs call'), server('nfs reply')] }),
      );
    },
  },
  {
    name: 'rpc-dump',
    about: 'a portmapper DUMP reply listing several programs; later connections to their ports are marked',
    frames: () => {
      const list = (x: Xdr): void => {
        for (const [prog, vers, prot, port] of [
          [100000, 2, 6, 111],
          [100000, 2, 17, 111],
          [100003, 3, 6, 2049],
          [100227, 3, 6, 2049],
          [100005, 3, 17, 20048],
          [100005, 3, 6, 20048],
          [100021, 4, 17, 45873],
          [100024, 1, 6, 39157],
        ]) {
          x.u32(1).u32(prog ?? 0).u32(vers ?? 0).u32(prot ?? 0).u32(port ?? 0);
        }
        x.u32(0);
      };
      return frames(
        tcpSession({
          client: '192.168.1.20:1010',
          server: '192.168.1.10:111',
          start: sec(0),
          exchanges: [client(recordMark(rpcCall(1, PMAP, 2, 4))), server(recordMark(rpcReply(1, list)))],
        }),
        udpExchange({ client: '192.168.1.20:1011', server: '192.168.1.10:45873', start: sec(1), request: 'nlm', response: 'nlm' }),
        tcpSession({ client: '192.168.1.20:1012', server: '192.168.1.10:39157', start: sec(2), exchanges: [client('stat'), server('stat')] }),
        tcpSession({ client: '192.168.1.20:1013', server: '192.168.1.10:20048', start: sec(3), exchanges: [client('mnt'), server('mnt')] }),
      );
    },
  },
  {
    name: 'rpc-getaddr',
    about: 'rpcbind v4 GETADDR over UDP with a universal address, then the service',
    frames: () =>
      frames(
        udpExchange({
          client: '192.168.1.20:800',
          server: '192.168.1.10:111',
          start: sec(0),
          request: rpcCall(11, PMAP, 4, 3, (x) => x.u32(100021).u32(4).string('udp').string('').string('')),
          response: rpcReply(11, (x) => x.string('192.168.1.10.179.49')),
        }),
        udpExchange({ client: '192.168.1.20:801', server: '192.168.1.10:45873', start: sec(0.5), request: 'nlm', response: 'nlm' }),
      ),
  },
  {
    name: 'tftp-read',
    about: 'a TFTP read request to 69 and its transfer from a new server port',
    frames: () => {
      const cl = '192.168.1.2:44935';
      const sv = '192.168.1.1:69';
      const tid = '192.168.1.1:59557';
      const block = Buffer.alloc(512, 0x23);
      return frames([
        datagram(0, cl, sv, tftpPacket(1, Buffer.from('pxelinux.0\0octet\0', 'latin1'))),
        datagram(0.014, tid, cl, tftpBlock(3, 1, block)),
        datagram(0.015, cl, tid, tftpBlock(4, 1)),
        datagram(0.016, tid, cl, tftpBlock(3, 2, Buffer.alloc(100, 0x24))),
        datagram(0.017, cl, tid, tftpBlock(4, 2)),
      ]);
    },
  },
];
