/**
 * Hostile inputs written by the project for the security tests: a capture whose FTP 227 reply and
 * file name carry markup and terminal escapes, firewall logs whose iptables prefix and Check Point
 * rule name are a script and a spreadsheet formula, an inventory whose host names are markup and a
 * formula, a damaged capture whose name is a terminal escape, and generators for inputs too large
 * to hold (a 100 MB line, hundreds of thousands of flows) that are streamed, never built whole.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { at, mergeByTime, tcpSession, toFrames, udpExchange, writeCapture, writePcap } from '../../src/testing/capture-writer.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SCRIPT_227 = '<script>alert(1)</script>';
export const EVIL_227 = `227 Entering Passive Mode ${SCRIPT_227}\u001b[31m\u001b]0;owned\u0007\u009b2J (10,1,0,7,128,12)`;
export const SCRIPT_PREFIX = '<script>alert(2)</script>';
export const EVIL_PREFIX = `${SCRIPT_PREFIX}\u001b[31m\u001b[2J DROP `;
export const FORMULA_RULE = "=cmd|' /C calc'!A0";
export const FORMULA_HOST = '=HYPERLINK("x","y")';
export const MARKUP_HOST = '<b>host</b>\u001b[2J+1';
export const EVIL_CAPTURE_NAME = 'evil<img src=x onerror=alert(3)>.pcap';
export const EVIL_DAMAGED_NAME = 'cut\u001b[2J\u001b]0;x\u0007.pcap';

export interface HostileFiles {
  dir: string;
  capture: string;
  iptables: string;
  checkpoint: string;
  inventory: string;
  damaged: string;
}

/** Writes every hostile file into a fresh temporary folder. */
export function writeHostileFiles(): HostileFiles {
  const dir = mkdtempSync(join(tmpdir(), 'portolan-hostile-'));
  const control = tcpSession({
    client: '10.0.0.5:40112',
    server: '10.1.0.7:21',
    start: at(1_700_000_010),
    exchanges: [
      { from: 'server', data: `220 ${SCRIPT_227} FTP\r\n` },
      { from: 'client', data: 'USER pathtrak\r\n' },
      { from: 'server', data: '331 Password required\r\n' },
      { from: 'client', data: 'PASS x\r\n' },
      { from: 'server', data: '230 Logged in\r\n' },
      { from: 'client', data: 'PASV\r\n' },
      { from: 'server', data: `${EVIL_227}\r\n` },
      { from: 'client', data: 'STOR fw.bin\r\n' },
      { from: 'server', data: '226 Transfer complete\r\n' },
    ],
  });
  const data = tcpSession({ client: '10.0.0.5:40113', server: '10.1.0.7:32780', start: at(1_700_000_011), request: Buffer.alloc(1000, 0x5a) });
  const markup = tcpSession({ client: '10.9.9.9:50000', server: '10.0.0.5:8080', start: at(1_700_000_020) });
  const formula = udpExchange({ client: '10.9.9.10:50001', server: '10.0.0.5:9999', start: at(1_700_000_021), response: 'x' });
  const capture = join(dir, EVIL_CAPTURE_NAME);
  writeFileSync(capture, writeCapture(toFrames(mergeByTime(control, data, markup, formula)), 'pcap'));

  const iptables = join(dir, 'fw-<script>.log');
  writeFileSync(
    iptables,
    `Mar  4 09:15:01 gw1 kernel: ${EVIL_PREFIX}IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=10.1.0.8 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=41233 DF PROTO=TCP SPT=1030 DPT=5808 WINDOW=64240 RES=0x00 SYN URGP=0 \n`,
  );
  const checkpoint = join(dir, 'rules.log');
  writeFileSync(
    checkpoint,
    `<134>1 2024-03-04T10:50:01Z cp-gw CheckPoint 2210 - [action:"Drop"; ifdir:"inbound"; ifname:"eth0"; origin:"192.0.2.2"; time:"1709549401"; dst:"10.0.0.5"; proto:"6"; rule_name:"${FORMULA_RULE}"; s_port:"1031"; service:"5808"; src:"10.1.0.8"]\n`,
  );

  const inv = JSON.parse(readFileSync(join(repo, 'fixtures', 'demo', 'inventory.json'), 'utf8')) as { hosts: unknown[] };
  inv.hosts.push({ address: '10.9.9.9', name: MARKUP_HOST, product: 'pathtrak', role: 'client' }, { address: '10.9.9.10', name: FORMULA_HOST });
  const inventory = join(dir, 'inventory.json');
  writeFileSync(inventory, JSON.stringify(inv, null, 2));

  // A capture whose second record claims a captured length past any snaplen: reading stops there.
  const good = writePcap(toFrames(markup));
  const damagedBuf = Buffer.concat([good, Buffer.from('00000000000000000000ffff00000000', 'hex')]);
  const damaged = join(dir, EVIL_DAMAGED_NAME);
  writeFileSync(damaged, damagedBuf);
  return { dir, capture, iptables, checkpoint, inventory, damaged };
}

/** `bytes` of `fill` without a newline, then `tail`, produced chunk by chunk (never held whole). */
export function longLineStream(bytes: number, tail: string, fill = 0x41, chunkBytes = 1024 * 1024): Readable {
  const block = Buffer.alloc(chunkBytes, fill);
  let left = bytes;
  let tailSent = false;
  return new Readable({
    read(): void {
      if (left > 0) {
        const n = Math.min(left, chunkBytes);
        left -= n;
        this.push(n === chunkBytes ? block : block.subarray(0, n));
      } else if (!tailSent) {
        tailSent = true;
        this.push(Buffer.from(tail));
      } else this.push(null);
    },
  });
}

/** A classic pcap of `n` TCP SYNs, each opening its own flow (source address and port vary), streamed. */
export function manyFlowsStream(n: number, dstPort = 80): Readable {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const frame = Buffer.concat([
    Buffer.from('020000000001' + '020000000002' + '0800', 'hex'),
    Buffer.from('45000028' + '00004000' + '40060000' + '0a000001' + 'c0a80001', 'hex'),
    Buffer.from('0000' + '0050' + '00000001' + '00000000' + '5002' + '2000' + '0000' + '0000', 'hex'),
  ]);
  const per = 16 + frame.length;
  const batch = 8192;
  let done = 0;
  let headerSent = false;
  return new Readable({
    read(): void {
      if (!headerSent) {
        headerSent = true;
        this.push(header);
        return;
      }
      if (done >= n) {
        this.push(null);
        return;
      }
      const k = Math.min(batch, n - done);
      const buf = Buffer.alloc(per * k);
      for (let j = 0; j < k; j++) {
        const i = done + j;
        const p = j * per;
        buf.writeUInt32LE(1_700_000_000 + Math.floor(i / 100_000), p);
        buf.writeUInt32LE((i % 100_000) * 10, p + 4);
        buf.writeUInt32LE(frame.length, p + 8);
        buf.writeUInt32LE(frame.length, p + 12);
        frame.copy(buf, p + 16);
        buf.writeUInt32BE(0x0a000000 + Math.floor(i / 50_000), p + 16 + 26);
        buf.writeUInt16BE(1024 + (i % 50_000), p + 16 + 34);
        buf.writeUInt16BE(dstPort, p + 16 + 36);
      }
      done += k;
      this.push(buf);
    },
  });
}
