#!/usr/bin/env node
// Builds the bundled demo: fixtures/demo/demo.pcap and fixtures/demo/inventory.json.
// The capture is made with the project's own capture writer (src/testing/capture-writer.ts,
// compiled to dist/ by `npm run build`), so run `npm run build` first:
//
//   npm run build && node scripts/make-demo.mjs
//
// The network: a PathTrak server and two HCUs (FTP PASV firmware upload, portmapper and an RPC
// service, boot events, one refused), an xCAT management node and managed nodes (xcatd, ssh,
// rsync, one xcatd UDP request refused by ICMP), two Stratus VOS modules talking OSL, and a
// workstation that reaches VOS telnet port 85 (an exposure) and the PathTrak server on 8080
// (undocumented). Output is byte-for-byte reproducible: fixed times, no randomness.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const writerPath = join(root, 'dist', 'testing', 'capture-writer.js');
const w = await import(pathToFileURL(writerPath).href).catch(() => {
  console.error(`make-demo: ${writerPath} not found; run \`npm run build\` first`);
  process.exit(2);
});

const T0 = 1714565000; // 2024-05-01T12:03:20Z
const at = (s) => w.at(T0 + Math.floor(s), Math.round((s - Math.floor(s)) * 1e9));

const PTS = '10.0.0.5';
const HCU_A = '10.1.0.7';
const HCU_B = '10.1.0.8';
const MN = '10.2.0.1';
const NODE1 = '10.2.1.11';
const NODE2 = '10.2.1.12';
const VOS_A = '10.3.0.1';
const VOS_B = '10.3.0.2';
const WORKSTATION = '192.168.10.50';

// --- ONC RPC portmapper GETPORT (RFC 1833 §3.2, RFC 5531 message format) ----------------------
function u32(...values) {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}
const RPC_CALL = 0;
const RPC_REPLY = 1;
const PMAP_PROG = 100000;
const PMAPPROC_GETPORT = 3;
function getportCall(xid, prog, vers, prot) {
  // xid, CALL, rpcvers 2, prog, vers, proc, cred AUTH_NULL, verf AUTH_NULL, then mapping (prog, vers, prot, port 0)
  return u32(xid, RPC_CALL, 2, PMAP_PROG, 2, PMAPPROC_GETPORT, 0, 0, 0, 0, prog, vers, prot, 0);
}
function getportReply(xid, port) {
  // xid, REPLY, MSG_ACCEPTED, verf AUTH_NULL, SUCCESS, port
  return u32(xid, RPC_REPLY, 0, 0, 0, 0, port);
}
// TCP carries RPC messages with record marking (RFC 5531 §11): last-fragment bit + length.
function recordMark(msg) {
  return Buffer.concat([u32(0x80000000 | msg.length), msg]);
}

const packets = [];
const add = (list) => packets.push(...list);

// --- PathTrak: FTP PASV firmware upload from the server to hcu-a ------------------------------
const ctlStart = 10;
const control = w.tcpSession({
  client: `${PTS}:40112`,
  server: `${HCU_A}:21`,
  start: at(ctlStart),
  rtt: 0.01,
  exchanges: [
    { from: 'server', data: '220 HCU200 FTP server ready\r\n' },
    { from: 'client', data: 'USER pathtrak\r\n' },
    { from: 'server', data: '331 Password required\r\n' },
    { from: 'client', data: 'PASS firmware\r\n' },
    { from: 'server', data: '230 User logged in\r\n' },
    { from: 'client', data: 'TYPE I\r\n' },
    { from: 'server', data: '200 Type set to I\r\n' },
    { from: 'client', data: 'PASV\r\n' },
    { from: 'server', data: '227 Entering Passive Mode (10,1,0,7,128,12)\r\n' },
    { from: 'client', data: 'STOR hcu200-fw-4.2.bin\r\n' },
    { from: 'server', data: '150 Opening BINARY mode data connection\r\n' },
    { from: 'server', data: '226 Transfer complete\r\n' },
    { from: 'client', data: 'QUIT\r\n' },
    { from: 'server', data: '221 Goodbye\r\n' },
  ],
});
add(control);
const pasvReply = control.find((p) => p.ip.bytes.includes(Buffer.from('227 Entering')));
const firmware = Buffer.alloc(4000, 0x5a);
add(
  w.tcpSession({
    client: `${PTS}:40113`,
    server: `${HCU_A}:32780`, // 128*256 + 12, as announced
    start: pasvReply.ts + 2_000_000n,
    rtt: 0.002,
    exchanges: [
      { from: 'client', data: firmware.subarray(0, 1400) },
      { from: 'client', data: firmware.subarray(1400, 2800) },
      { from: 'client', data: firmware.subarray(2800) },
    ],
  }),
);

// --- PathTrak: portmapper GETPORT over TCP to hcu-a, then the RPC service it announced -------
const HCU_CONFIG_PROG = 0x20000101;
add(
  w.tcpSession({
    client: `${PTS}:870`,
    server: `${HCU_A}:111`,
    start: at(20),
    rtt: 0.004,
    exchanges: [
      { from: 'client', data: recordMark(getportCall(0x1001, HCU_CONFIG_PROG, 1, 6)) },
      { from: 'server', data: recordMark(getportReply(0x1001, 700)) },
    ],
  }),
);
add(
  w.tcpSession({
    client: `${PTS}:871`,
    server: `${HCU_A}:700`,
    start: at(20.5),
    rtt: 0.004,
    request: recordMark(u32(0x2001, RPC_CALL, 2, HCU_CONFIG_PROG, 1, 1, 0, 0, 0, 0)),
    response: recordMark(u32(0x2001, RPC_REPLY, 0, 0, 0, 0)),
  }),
);
// The server also asks hcu-b's portmapper over UDP, which the document says it does not use.
add(
  w.udpExchange({
    client: `${PTS}:41000`,
    server: `${HCU_B}:111`,
    start: at(21),
    request: getportCall(0x1002, HCU_CONFIG_PROG, 1, 17),
    response: getportReply(0x1002, 0),
  }),
);

// --- PathTrak: HCU boot events to the server (5808): hcu-a gets through, hcu-b is refused -----
add(w.tcpSession({ client: `${HCU_A}:45000`, server: `${PTS}:5808`, start: at(30), request: 'BOOT hcu-a\n', response: 'OK\n' }));
add(w.tcpSession({ client: `${HCU_B}:1030`, server: `${PTS}:5808`, start: at(31), handshake: 'rejected' }));
add(w.tcpSession({ client: `${HCU_B}:1031`, server: `${PTS}:5808`, start: at(33), handshake: 'rejected' }));

// --- xCAT: managed nodes and the management node ---------------------------------------------
add(w.tcpSession({ client: `${NODE1}:40210`, server: `${MN}:3001`, start: at(40), request: '<xcatrequest><command>getcredentials</command></xcatrequest>', response: '<xcatresponse/>' }));
add(
  w.tcpSession({
    client: `${MN}:51522`,
    server: `${NODE1}:22`,
    start: at(41),
    exchanges: [
      { from: 'server', data: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n' },
      { from: 'client', data: 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n' },
    ],
  }),
);
add(
  w.tcpSession({
    client: `${MN}:51530`,
    server: `${NODE2}:873`,
    start: at(42),
    exchanges: [
      { from: 'server', data: '@RSYNCD: 31.0\n' },
      { from: 'client', data: '@RSYNCD: 31.0\n' },
      { from: 'client', data: 'install\n' },
    ],
  }),
);
// node2's xcatd request over UDP is refused by a firewall with ICMP "administratively prohibited".
const refused = w.udpExchange({ client: `${NODE2}:40400`, server: `${MN}:3001`, start: at(43), request: '<xcatrequest/>' });
add(refused);
add([w.icmpErrorReply(refused[0], { from: '10.2.0.254', type: 3, code: 13 })]);

// --- Stratus VOS: OSL between two modules (max_open_server = 25: ports 3000..3050) -----------
add(w.tcpSession({ client: `${VOS_B}:49200`, server: `${VOS_A}:3017`, start: at(50), request: 'OSL', response: 'OSL' }));

// --- A workstation: telnet to VOS port 85 (RSN: should be blocked) and HTTP to 8080 ---------
add(w.tcpSession({ client: `${WORKSTATION}:51000`, server: `${VOS_A}:85`, start: at(60), response: '\xff\xfd\x18login: ' }));
add(w.tcpSession({ client: `${WORKSTATION}:51001`, server: `${PTS}:8080`, start: at(61), request: 'GET / HTTP/1.1\r\nHost: pts-1\r\n\r\n', response: 'HTTP/1.1 200 OK\r\n\r\n' }));

const frames = w.toFrames(w.mergeByTime(packets));
const pcap = w.writePcap(frames);

const inventory = {
  description: 'The portolan demo network (fixtures/demo/demo.pcap).',
  hosts: [
    { address: PTS, name: 'pts-1', product: 'pathtrak', role: 'pathtrak-server', os: 'linux', release: '5.10' },
    { address: HCU_A, name: 'hcu-a', product: 'pathtrak', role: 'hcu', model: 'HCU200', os: 'linux', release: '2.6.32' },
    { address: HCU_B, name: 'hcu-b', product: 'pathtrak', role: 'hcu', model: 'HCU400', os: 'vxworks' },
    { address: MN, name: 'mn-1', product: 'xcat', role: 'management-node', os: 'linux' },
    { address: '10.2.1.0/24', name: 'compute', product: 'xcat', role: 'managed-node', os: 'linux' },
    { address: VOS_A, name: 'vos-a', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0', params: { max_open_server: 25 } },
    { address: VOS_B, name: 'vos-b', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0', params: { max_open_server: 25 } },
  ],
};

const out = join(root, 'fixtures', 'demo');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'demo.pcap'), pcap);
writeFileSync(join(out, 'inventory.json'), `${JSON.stringify(inventory, null, 2)}\n`);
console.log(`make-demo: wrote fixtures/demo/demo.pcap (${frames.length} packets, ${pcap.length} bytes) and fixtures/demo/inventory.json`);
