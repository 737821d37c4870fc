#!/usr/bin/env node
/**
 * Deterministic generator of large flow-log files for the benchmark: PAN-OS TRAFFIC CSV, Zeek
 * conn.log JSON lines, Suricata eve.json flow events, and (`iptables-asa`, used when the shared
 * generator ../shared/bench/gen-logs.py is not there) iptables/UFW kernel LOG lines with
 * traditional and RFC 3339 syslog headers mixed with Cisco ASA 106023 deny and 302013 built
 * messages and unrelated syslog noise, about 2000 lines per second of log time. The same
 * arguments always give the same bytes.
 *
 *   node scripts/bench/gen-logs.mjs --format zeek-json|suricata|panos|iptables-asa --lines N --seed S --out FILE
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    format: { type: 'string' },
    lines: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    start: { type: 'string', default: '1709251200' },
  },
});
if (!values.format || !values.lines || !values.out) {
  console.error('usage: gen-logs.mjs --format zeek-json|suricata|panos|iptables-asa --lines N [--seed S] --out FILE');
  process.exit(2);
}

// mulberry32: small, fast, and the same sequence on every platform.
let state = Number(values.seed) >>> 0 || 1;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const servers = [
  [6, 22], [6, 80], [6, 443], [6, 3001], [6, 3002], [6, 873], [6, 21], [6, 5808], [6, 1960], [6, 3017],
  [17, 53], [17, 123], [17, 161], [17, 514], [17, 111], [17, 69], [6, 445], [6, 85], [17, 29000],
];
const states = ['SF', 'SF', 'SF', 'S0', 'REJ', 'RSTO', 'S1', 'OTH'];
const lines = Number(values.lines);
let ts = Number(values.start);
const out = createWriteStream(values.out);
let buf = '';

function ip4(n) {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}
function iso(t) {
  return new Date(Math.floor(t * 1000)).toISOString();
}
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** `Mar  1 00:00:00`: the traditional (RFC 3164) syslog time stamp. */
function bsd(t) {
  const d = new Date(Math.floor(t * 1000));
  const hms = d.toISOString().slice(11, 19);
  return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms}`;
}
const RULES = ['IPT-DENY:', '[UFW BLOCK]', 'DROP-IN:', 'nft-drop:'];
const ASA_GROUPS = [
  ['outside', 'inside', 'OUTSIDE_IN'],
  ['inside', 'dmz', 'INSIDE_OUT'],
  ['dmz', 'inside', 'DMZ_IN'],
];
let connId = 134000000;

for (let i = 0; i < lines; i++) {
  ts += rand() * 0.001;
  const [proto, dport] = pick(servers);
  const src = ip4(int(1, 200000));
  const dst = ip4(int(200001, 200400));
  const sport = int(32768, 60999);
  const pk1 = int(1, 40);
  const pk2 = int(0, 40);
  const by1 = pk1 * int(40, 1400);
  const by2 = pk2 * int(40, 1400);
  const pname = proto === 6 ? 'tcp' : 'udp';
  let line;
  switch (values.format) {
    case 'iptables-asa': {
      ts += rand() * 0.0009; // about 2000 lines per second in all
      const r = rand();
      if (r < 0.55) {
        const header = rand() < 0.7 ? `${bsd(ts)} fw0${int(1, 3)} kernel: [${(1234567 + ts - Number(values.start)).toFixed(6)}]` : `${iso(ts).replace('Z', '+00:00')} fw0${int(1, 3)} kernel:`;
        const inbound = rand() < 0.6;
        const l4 = proto === 6 ? `PROTO=TCP SPT=${sport} DPT=${dport} WINDOW=${pick([8192, 64240, 29200])} RES=0x00 ${rand() < 0.85 ? 'SYN' : 'ACK'} URGP=0` : `PROTO=UDP SPT=${sport} DPT=${dport} LEN=${int(9, 512)}`;
        line = `${header} ${pick(RULES)} IN=${inbound ? 'eth0' : ''} OUT=${inbound ? '' : 'eth0'} SRC=${src} DST=${dst} LEN=${proto === 6 ? 60 : int(29, 540)} TOS=0x00 PREC=0x00 TTL=${int(40, 128)} ID=${int(1, 65535)}${rand() < 0.5 ? ' DF' : ''} ${l4} `;
      } else if (r < 0.9) {
        const [from, to, group] = pick(ASA_GROUPS);
        line = `${bsd(ts)} asa0${int(1, 2)} %ASA-4-106023: Deny ${pname} src ${from}:${src}/${sport} dst ${to}:${dst}/${dport} by access-group "${group}" [0x${int(1, 2 ** 31).toString(16)}, 0x0]`;
      } else if (r < 0.97) {
        const [from, to] = pick(ASA_GROUPS);
        line = `${bsd(ts)} asa0${int(1, 2)} %ASA-6-302013: Built inbound ${pname.toUpperCase()} connection ${connId++} for ${from}:${src}/${sport} (${src}/${sport}) to ${to}:${dst}/${dport} (${dst}/${dport})`;
      } else {
        line = `${bsd(ts)} host${int(1, 9)} sshd[${int(100, 99999)}]: Accepted publickey for admin from ${src} port ${sport} ssh2`;
      }
      break;
    }
    case 'zeek-json':
      line = JSON.stringify({
        ts: Number(ts.toFixed(6)),
        uid: `C${(i * 2654435761 >>> 0).toString(36)}`,
        'id.orig_h': src,
        'id.orig_p': sport,
        'id.resp_h': dst,
        'id.resp_p': dport,
        proto: pname,
        duration: Number((rand() * 10).toFixed(6)),
        orig_bytes: by1,
        resp_bytes: by2,
        conn_state: pick(states),
        history: 'ShADadFf',
        orig_pkts: pk1,
        orig_ip_bytes: by1 + pk1 * 40,
        resp_pkts: pk2,
        resp_ip_bytes: by2 + pk2 * 40,
      });
      break;
    case 'suricata':
      line = JSON.stringify({
        timestamp: iso(ts).replace('Z', '+0000'),
        flow_id: i + 1,
        event_type: 'flow',
        src_ip: src,
        src_port: sport,
        dest_ip: dst,
        dest_port: dport,
        proto: pname.toUpperCase(),
        flow: {
          pkts_toserver: pk1,
          pkts_toclient: pk2,
          bytes_toserver: by1,
          bytes_toclient: by2,
          start: iso(ts).replace('Z', '+0000'),
          end: iso(ts + 1).replace('Z', '+0000'),
          age: 1,
          state: pk2 > 0 ? 'established' : 'new',
          reason: 'timeout',
          alerted: false,
        },
      });
      break;
    case 'panos': {
      const action = rand() < 0.2 ? 'deny' : 'allow';
      const t = iso(ts).slice(0, 19).replace('T', ' ').replace(/-/g, '/');
      line = [
        '1', t, '012345678901', 'TRAFFIC', action === 'allow' ? 'end' : 'deny', '2049', t, src, dst, '0.0.0.0', '0.0.0.0', 'rule-' + int(1, 40), '', '',
        'ssl', 'vsys1', 'trust', 'untrust', 'ethernet1/1', 'ethernet1/2', 'Log', t, String(i + 1), '1', String(sport),
        String(dport), '0', '0', '0x19', pname, action, String(by1 + by2), String(by1), String(by2), String(pk1 + pk2), t,
        '1', 'any', '0', String(1000 + i), '0x0', '10.0.0.0-10.255.255.255', 'United States', '0', String(pk1), String(pk2),
        action === 'allow' ? 'tcp-fin' : 'policy-deny', '0', '0', '0', '0', '', 'PA-VM', 'from-policy',
      ].join(',');
      break;
    }
    default:
      console.error(`unknown format ${values.format}`);
      process.exit(2);
  }
  buf += line + '\n';
  if (buf.length > 1 << 20) {
    if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
    buf = '';
  }
}
out.end(buf);
await new Promise((r) => out.on('finish', r));
