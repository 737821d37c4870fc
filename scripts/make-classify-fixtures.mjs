#!/usr/bin/env node
// Builds the classification golden inputs in fixtures/classify/: one capture or log per finding
// type, and the inventory they are classified with. Captures come from the project's capture
// writer (dist/testing/capture-writer.js: run `npm run build` first); logs are written as the
// Linux kernel prints netfilter LOG lines (iptables LOG target, nftables `log prefix`) behind an
// rsyslog RFC 3339 header. Deterministic: fixed times, no randomness.
//
//   npm run build && node scripts/make-classify-fixtures.mjs
//   npx vitest run test/classify/golden.test.ts -u     # then review the expected files as a diff
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const writerPath = join(root, 'dist', 'testing', 'capture-writer.js');
const w = await import(pathToFileURL(writerPath).href).catch(() => {
  console.error(`make-classify-fixtures: ${writerPath} not found; run \`npm run build\` first`);
  process.exit(2);
});
const out = join(root, 'fixtures', 'classify');
mkdirSync(out, { recursive: true });

const T0 = 1714565000; // 2024-05-01T12:03:20Z
const at = (s) => w.at(T0 + Math.floor(s), Math.round((s - Math.floor(s)) * 1e9));

const H = {
  pts: '10.0.0.5',
  proxy: '10.0.0.20',
  hcuA: '10.1.0.7',
  hcuB: '10.1.0.8',
  mn: '10.2.0.1',
  kdc: '10.2.0.9',
  node1: '10.2.1.11',
  node2: '10.2.1.12',
  vosA: '10.3.0.1',
  vosB: '10.3.0.2',
  ws: '192.168.10.50',
  resolver: '10.9.0.53',
  v6node: '2001:db8:2::11',
  v6mn: '2001:db8:2::1',
};

const inventory = {
  description: 'Hosts of the classification golden tests (fixtures/classify/*).',
  hosts: [
    { address: H.pts, name: 'pts-1', product: 'pathtrak', role: 'pathtrak-server', os: 'linux', release: '5.10' },
    { address: H.proxy, name: 'proxy-1', product: 'pathtrak', role: 'proxy', os: 'linux' },
    { address: H.hcuA, name: 'hcu-a', product: 'pathtrak', role: 'hcu', model: 'HCU200', os: 'linux', release: '2.6.32' },
    { address: H.hcuB, name: 'hcu-b', product: 'pathtrak', role: 'hcu', model: 'HCU400', os: 'vxworks' },
    { address: [H.mn, H.v6mn], name: 'mn-1', product: 'xcat', role: 'management-node', os: 'linux' },
    { address: H.kdc, name: 'kdc-1', product: 'xcat', role: 'kerberos-kdc', os: 'linux' },
    { address: ['10.2.1.0/24', '2001:db8:2::/64'], name: 'compute', product: 'xcat', role: 'managed-node', os: 'linux' },
    { address: H.vosA, name: 'vos-a', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0', params: { max_open_server: 25 } },
    { address: H.vosB, name: 'vos-b', product: 'stratus-vos', role: 'vos-module', os: 'vos', release: '15.2.0' },
  ],
};
// The more specific entry wins: mn-1's IPv6 address sits inside compute's /64.
writeFileSync(join(out, 'inventory.json'), `${JSON.stringify(inventory, null, 2)}\n`);

function writeCapture(name, packets) {
  const frames = w.toFrames(w.mergeByTime(packets));
  writeFileSync(join(out, name), w.writePcap(frames));
  return frames.length;
}

// --- ok: documented traffic that gets through ----------------------------------------------
{
  const p = [];
  p.push(...w.tcpSession({ client: `${H.node1}:40210`, server: `${H.mn}:3001`, start: at(1), request: 'req', response: 'resp' }));
  p.push(...w.tcpSession({ client: `${H.mn}:51522`, server: `${H.node1}:22`, start: at(2), exchanges: [{ from: 'server', data: 'SSH-2.0-OpenSSH_9.2\r\n' }] }));
  p.push(...w.tcpSession({ client: `${H.mn}:51530`, server: `${H.node2}:873`, start: at(3), exchanges: [{ from: 'server', data: '@RSYNCD: 31.0\n' }] }));
  p.push(...w.tcpSession({ client: `[${H.v6mn}]:51540`, server: `[${H.v6node}]:22`, start: at(4), exchanges: [{ from: 'server', data: 'SSH-2.0-OpenSSH_9.2\r\n' }] }));
  p.push(...w.tcpSession({ client: `${H.vosB}:49200`, server: `${H.vosA}:3017`, start: at(5), request: 'OSL', response: 'OSL' }));
  p.push(...w.tcpSession({ client: `${H.hcuA}:45000`, server: `${H.pts}:5808`, start: at(6), request: 'BOOT\n', response: 'OK\n' }));
  p.push(...w.udpExchange({ client: `${H.node1}:40400`, server: `${H.mn}:514`, start: at(7), request: '<13>May  1 12:03:27 node1 test: hello' }));
  writeCapture('ok.pcap', p);
}

// --- FTP PASV upload: control, announced data, a data connection that is blocked, active mode -
{
  const p = [];
  const control = w.tcpSession({
    client: `${H.pts}:40112`,
    server: `${H.hcuA}:21`,
    start: at(10),
    rtt: 0.02,
    exchanges: [
      { from: 'server', data: '220 HCU200 FTP server ready\r\n' },
      { from: 'client', data: 'USER pathtrak\r\n' },
      { from: 'server', data: '230 User logged in\r\n' },
      { from: 'client', data: 'PASV\r\n' },
      { from: 'server', data: '227 Entering Passive Mode (10,1,0,7,128,12)\r\n' },
      { from: 'client', data: 'STOR fw.bin\r\n' },
      { from: 'server', data: '226 Transfer complete\r\n' },
      { from: 'client', data: 'PASV\r\n' },
      { from: 'server', data: '227 Entering Passive Mode (10,1,0,7,128,13)\r\n' },
      { from: 'client', data: 'STOR fw2.bin\r\n' },
      { from: 'server', data: '425 Can\'t open data connection\r\n' },
      { from: 'client', data: 'PORT 10,0,0,5,160,1\r\n' },
      { from: 'server', data: '200 PORT command successful\r\n' },
      { from: 'client', data: 'RETR log.txt\r\n' },
      { from: 'server', data: '226 Transfer complete\r\n' },
    ],
  });
  p.push(...control);
  const replies = control.filter((x) => x.ip.bytes.includes(Buffer.from('227 Entering')));
  const port = control.find((x) => x.ip.bytes.includes(Buffer.from('PORT 10,0,0,5')));
  p.push(...w.tcpSession({ client: `${H.pts}:40113`, server: `${H.hcuA}:32780`, start: replies[0].ts + 5_000_000n, rtt: 0.002, request: Buffer.alloc(1200, 0x5a) }));
  // The second announced data connection: SYN and retransmissions, never answered (a firewall drops it).
  p.push(...w.tcpSession({ client: `${H.pts}:40114`, server: `${H.hcuA}:32781`, start: replies[1].ts + 5_000_000n, handshake: 'unanswered', synRetries: 2 }));
  // Active mode: the HCU opens the data connection from port 20 to the server's announced port.
  p.push(...w.tcpSession({ client: `${H.hcuA}:20`, server: `${H.pts}:40961`, start: port.ts + 30_000_000n, rtt: 0.002, request: 'log line\n' }));
  writeCapture('ftp-pasv.pcap', p);
}

// --- broken requirements and an optional flow that is blocked --------------------------------
{
  const p = [];
  p.push(...w.tcpSession({ client: `${H.hcuB}:1030`, server: `${H.pts}:5808`, start: at(20), handshake: 'rejected' }));
  const refused = w.udpExchange({ client: `${H.node2}:40400`, server: `${H.mn}:3001`, start: at(21), request: '<xcatrequest/>' });
  p.push(...refused, w.icmpErrorReply(refused[0], { from: '10.2.0.254', type: 3, code: 13 }));
  p.push(...w.tcpSession({ client: `${H.vosB}:49300`, server: `${H.vosA}:3020`, start: at(22), handshake: 'unanswered', synRetries: 1 }));
  p.push(...w.tcpSession({ client: `${H.proxy}:50000`, server: `${H.pts}:8009`, start: at(23), handshake: 'rejected' }));
  writeCapture('broken.pcap', p);
}

// --- exposures: should-block traffic, allowed and blocked ----------------------------------
{
  const p = [];
  p.push(...w.tcpSession({ client: `${H.ws}:51000`, server: `${H.vosA}:85`, start: at(30), response: 'login: ' }));
  const sync = w.udpExchange({ client: `${H.ws}:51001`, server: `${H.vosA}:29000`, start: at(31), request: 'bootp' });
  p.push(...sync, w.icmpErrorReply(sync[0], { from: '10.3.0.254', type: 3, code: 13 }));
  p.push(...w.tcpSession({ client: `${H.ws}:51002`, server: `${H.vosB}:85`, start: at(32), handshake: 'rejected' }));
  writeCapture('exposure.pcap', p);
}

// --- deprecated in use: documented as not used, yet used -----------------------------------
{
  const p = [];
  p.push(...w.udpExchange({ client: `${H.pts}:41000`, server: `${H.hcuB}:111`, start: at(40), request: 'getport', response: 'port' }));
  p.push(...w.udpExchange({ client: `${H.node1}:41001`, server: `${H.kdc}:88`, start: at(41), request: 'AS-REQ', response: 'AS-REP' }));
  p.push(...w.tcpSession({ client: `${H.node2}:41002`, server: `${H.kdc}:88`, start: at(42), handshake: 'rejected' }));
  writeCapture('deprecated.pcap', p);
}

// --- undocumented traffic, wrong direction, and the network's own noise --------------------
{
  const p = [];
  p.push(...w.tcpSession({ client: `${H.ws}:51100`, server: `${H.pts}:8080`, start: at(50), request: 'GET / HTTP/1.1\r\n\r\n', response: 'HTTP/1.1 200 OK\r\n\r\n' }));
  p.push(...w.tcpSession({ client: `${H.ws}:51101`, server: `${H.pts}:8443`, start: at(51), handshake: 'rejected' }));
  // The HCU opens FTP to the server: the document says the server opens FTP to the HCU.
  p.push(...w.tcpSession({ client: `${H.hcuA}:45100`, server: `${H.pts}:21`, start: at(52), exchanges: [{ from: 'server', data: '220 ready\r\n' }] }));
  p.push(...w.udpExchange({ client: `${H.pts}:53000`, server: `${H.resolver}:53`, start: at(53), request: 'dns-query', response: 'dns-answer' }));
  p.push(...w.udpExchange({ client: `${H.pts}:5353`, server: '224.0.0.251:5353', start: at(54), request: 'mdns' }));
  p.push({ ts: at(55), ip: w.ip('fe80::1', 'ff02::1:ff00:2', w.icmpv6({ type: 135, code: 0 }, Buffer.alloc(20))) });
  p.push(...w.icmpEcho({ from: H.pts, to: H.hcuA, start: at(56) }));
  writeCapture('undocumented.pcap', p);
}

// --- firewall logs: iptables LOG and nftables log lines (kernel format, rsyslog header) -----
function kernelLine(time, prefix, { src, dst, proto, spt, dpt, flags = 'SYN', len = 60, v6 = false }) {
  const ip = v6
    ? `SRC=${src} DST=${dst} LEN=${len} TC=0 HOPLIMIT=64 FLOWLBL=0`
    : `SRC=${src} DST=${dst} LEN=${len} TOS=0x00 PREC=0x00 TTL=64 ID=4242 DF`;
  const l4 = proto === 'TCP' ? `PROTO=TCP SPT=${spt} DPT=${dpt} WINDOW=64240 RES=0x00 ${flags} URGP=0` : `PROTO=UDP SPT=${spt} DPT=${dpt} LEN=${len - 20}`;
  return `${time} fw-1 kernel: ${prefix}IN=eth0 OUT= MAC=00:16:3e:00:00:01:00:16:3e:00:00:02:08:00 ${ip} ${l4}`;
}
{
  const lines = [
    kernelLine('2024-05-01T12:10:00.100000+00:00', 'IPT-INPUT-DROP: ', { src: H.hcuB, dst: H.pts, proto: 'TCP', spt: 1030, dpt: 5808 }),
    kernelLine('2024-05-01T12:10:01.100000+00:00', 'IPT-INPUT-DROP: ', { src: H.hcuB, dst: H.pts, proto: 'TCP', spt: 1030, dpt: 5808 }),
    kernelLine('2024-05-01T12:10:02.000000+00:00', 'IPT-INPUT-DROP: ', { src: H.hcuA, dst: H.pts, proto: 'TCP', spt: 45000, dpt: 5808, flags: 'ACK FIN', len: 52 }),
    kernelLine('2024-05-01T12:10:03.000000+00:00', 'IPT-FWD-DROP: ', { src: H.ws, dst: H.vosA, proto: 'TCP', spt: 51000, dpt: 85 }),
    kernelLine('2024-05-01T12:10:04.000000+00:00', 'IPT-FWD-ACCEPT: ', { src: H.ws, dst: H.vosB, proto: 'TCP', spt: 51001, dpt: 85 }),
    kernelLine('2024-05-01T12:10:05.000000+00:00', 'IPT-INPUT-DROP: ', { src: H.ws, dst: H.pts, proto: 'TCP', spt: 51002, dpt: 8080 }),
    kernelLine('2024-05-01T12:10:06.000000+00:00', 'IPT-FWD-DROP: ', { src: H.node2, dst: H.mn, proto: 'UDP', spt: 40400, dpt: 3001, len: 48 }),
  ];
  writeFileSync(join(out, 'iptables-deny.log'), `${lines.join('\n')}\n`);
  const nft = [
    kernelLine('2024-05-01T12:20:00.000000+00:00', 'nft drop in: ', { src: H.pts, dst: H.hcuA, proto: 'TCP', spt: 40112, dpt: 21 }),
    kernelLine('2024-05-01T12:20:01.000000+00:00', 'nft drop in: ', { src: '2001:0db8:0002:0000:0000:0000:0000:0001', dst: '2001:0db8:0002:0000:0000:0000:0000:0011', proto: 'TCP', spt: 51600, dpt: 22, v6: true }),
    kernelLine('2024-05-01T12:20:02.000000+00:00', 'nft accept: ', { src: H.node1, dst: H.kdc, proto: 'UDP', spt: 41001, dpt: 88, len: 48 }),
    kernelLine('2024-05-01T12:20:03.000000+00:00', 'nft drop in: ', { src: H.hcuA, dst: H.pts, proto: 'TCP', spt: 45100, dpt: 21 }),
  ];
  writeFileSync(join(out, 'nftables-deny.log'), `${nft.join('\n')}\n`);
}

console.log('make-classify-fixtures: wrote fixtures/classify/{inventory.json, ok,ftp-pasv,broken,exposure,deprecated,undocumented}.pcap, iptables-deny.log, nftables-deny.log');
