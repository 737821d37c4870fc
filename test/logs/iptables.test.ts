import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { iptablesFormat, prefixAction } from '../../src/ingest/logs/iptables.js';
import type { LogOptions } from '../../src/ingest/logs/format.js';
import { allowedDifferences, compare, readExpectedFlows, readExpectedTsv, unexplained } from './corpus-compare.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile, readLogText } from './log-helpers.js';

const opts = (extra: Partial<LogOptions> = {}): LogOptions => ({ ...BASE_OPTIONS, ...extra });

function parseOne(line: string, options: LogOptions = opts()) {
  const parse = iptablesFormat.createParser({ file: 't.log', options });
  return parse(line, { file: 't.log', line: 1, options });
}

const SYN = 'IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC=198.51.100.23 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=51514 DPT=3001 WINDOW=64240 RES=0x00 SYN URGP=0 ';

describe('iptables prefix actions', () => {
  const cases: Array<[string, string]> = [
    ['[UFW BLOCK] ', 'denied'],
    ['[UFW LIMIT BLOCK] ', 'denied'],
    ['[UFW ALLOW] ', 'allowed'],
    ['[UFW AUDIT] ', 'unknown'],
    ['[WAN_IN-4000-D]', 'denied'],
    ['[wan-lan-default-D]', 'denied'],
    ['[LAN_LOCAL-default-A]', 'allowed'],
    ['[LAN_OUT-20-R]', 'denied'],
    ['iptables DROP_INPUT: ', 'denied'],
    ['IPT-DENY: ', 'denied'],
    ['FWD-REJECT: ', 'denied'],
    ['nft-drop: ', 'denied'],
    ['Shorewall:net2fw:DROP:', 'denied'],
    ['SFW2-INext-ACC-TCP ', 'allowed'],
    ['INPUT-ACCEPT ', 'allowed'],
    ['LOG-ME ', 'unknown'],
    ['ACCEPT-THEN-DROP ', 'unknown'],
    ['', 'unknown'],
  ];
  for (const [prefix, action] of cases) {
    it(`"${prefix}" → ${action}`, () => {
      expect(prefixAction(prefix, opts())).toBe(action);
    });
  }
  it('user mappings come first, case-insensitive', () => {
    const o = opts({ prefixActions: [{ match: 'fw-in-x', action: 'denied' }, { match: 'ACCEPT', action: 'denied' }] });
    expect(prefixAction('FW-IN-X ', o)).toBe('denied');
    expect(prefixAction('INPUT-ACCEPT ', o)).toBe('denied');
  });
});

describe('iptables lines', () => {
  it('reads a SYN as an attempt whose sender is the initiator', () => {
    const r = parseOne(`Mar  4 09:15:01 gw1 kernel: [UFW BLOCK] ${SYN}`);
    expect(r).toMatchObject({ proto: 6, src: '198.51.100.23', srcPort: 51514, dst: '192.0.2.10', dstPort: 3001, action: 'denied', kind: 'attempt', initiatorKnown: true, tcpFlags: 2, rule: 'UFW BLOCK', direction: 'in', interface: 'eth0' });
  });
  it('reads a denied ACK as a late packet, never an attempt', () => {
    const r = parseOne(`Mar  4 09:15:01 gw1 kernel: [UFW BLOCK] ${SYN.replace('RES=0x00 SYN', 'RES=0x00 ACK PSH')}`);
    expect(r).toMatchObject({ kind: 'late', initiatorKnown: false, tcpFlags: 8 | 16 });
  });
  it('keeps the IP LEN and the UDP LEN apart (keys repeat)', () => {
    const r = parseOne('Mar  4 09:15:01 gw1 kernel: DROP IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=33 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=UDP SPT=40000 DPT=69 LEN=13 ');
    expect(r).toMatchObject({ proto: 17, srcPort: 40000, dstPort: 69, kind: 'attempt' });
  });
  it('reads the packet an ICMP error quotes as the flow it refers to', () => {
    const r = parseOne(
      'Jan  8 03:37:09 DENY: IN=eth0 OUT= SRC=192.168.2.71 DST=192.168.2.83 LEN=88 TOS=0x00 PREC=0x00 TTL=118 ID=21684 PROTO=ICMP TYPE=3 CODE=3 [SRC=192.168.2.83 DST=192.168.173.191 LEN=60 TOS=0x00 PREC=0x00 TTL=54 ID=0 DF PROTO=UDP SPT=21458 DPT=62936 LEN=40 ] ',
    );
    expect(r).toMatchObject({ proto: 1, icmpType: 3, icmpCode: 3, kind: 'late', action: 'denied', rule: 'DENY', quoted: { proto: 17, src: '192.168.2.83', srcPort: 21458, dst: '192.168.173.191', dstPort: 62936 } });
  });
  it('canonicalises the IPv6 addresses the kernel prints in full', () => {
    const r = parseOne('Mar  4 09:15:10 gw1 kernel: X IN=eth0 OUT= SRC=2001:0db8:0001:0000:0000:0000:0000:0042 DST=fe80:0000:0000:0000:0084:88ff:feae:790a LEN=80 TC=0 HOPLIMIT=57 FLOWLBL=1 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 SYN URGP=0 ');
    expect(r).toMatchObject({ src: '2001:db8:1::42', dst: 'fe80::84:88ff:feae:790a' });
  });
  it('reads nftables log lines (same kernel formatter), with flags all', () => {
    const r = parseOne(
      'Mar  4 09:15:12 gw1 kernel: nft in drop: IN=eth0 OUT= MACSRC=52:54:00:65:43:21 MACDST=52:54:00:12:34:56 MACPROTO=0800 SRC=198.51.100.23 DST=192.0.2.10 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=1 DF PROTO=TCP SPT=51515 DPT=22 SEQ=1 ACK=0 WINDOW=1024 RES=0x00 SYN URGP=0 OPT (020405B4) UID=0 GID=0 ',
    );
    expect(r).toMatchObject({ action: 'denied', dstPort: 22, tcpFlags: 2, kind: 'attempt', rule: 'nft in drop' });
  });
  it('skips fragments, ARP and foreign lines; reports unreadable fields as bad lines', () => {
    expect(parseOne('Mar  4 09:15:14 gw1 kernel: D IN=eth0 OUT=eth1 SRC=1.1.1.1 DST=2.2.2.2 LEN=1500 TOS=0x00 PREC=0x00 TTL=52 ID=3 FRAG:185 PROTO=UDP ')).toHaveProperty('skip');
    expect(parseOne('Mar  4 09:15:15 gw1 kernel: D IN=eth0 OUT= MACSRC=52:54:00:65:43:21 MACDST=52:54:00:12:34:56 MACPROTO=0806 ARP HTYPE=1 PTYPE=0x0800 OPCODE=1')).toHaveProperty('skip');
    expect(parseOne('Mar  4 09:15:17 gw1 sshd[2211]: Accepted publickey for admin')).toHaveProperty('skip');
    expect(parseOne(`Mar  4 09:15:01 gw1 kernel: D ${SYN.replace('SPT=51514', 'SPT=http')}`)).toMatchObject({ code: 'bad-port' });
  });
  it('sniffs netfilter lines and nothing else', () => {
    expect(iptablesFormat.sniff(`Mar  4 09:15:01 gw1 kernel: [UFW BLOCK] ${SYN}`)).toBeGreaterThanOrEqual(50);
    expect(iptablesFormat.sniff('Mar 04 2024 10:00:07 asa1 : %ASA-4-106023: Deny tcp src outside:1.2.3.4/5 dst inside:5.6.7.8/9 by access-group "X"')).toBe(0);
  });
});

describe.runIf(haveCorpus)('iptables over the corpus', () => {
  it('agrees with the expected parses of iptables/test-iptables-raw.log', async () => {
    const rel = 'iptables/test-iptables-raw.log';
    const r = await readLogFile(join(corpusLogs, rel));
    expect(r.stats.format).toBe('iptables');
    expect(r.stats.badLines).toBe(0);
    const expected = readExpectedFlows(join(corpusLogs, `${rel}.expected-flows.jsonl`));
    expect(expected.length).toBeGreaterThan(20);
    const diffs = compare(rel, expected, r.observations);
    const { unexpected, stale } = unexplained(diffs, allowedDifferences('iptables'), [rel]);
    expect(unexpected).toEqual([]);
    expect(stale).toEqual([]);
  });

  it('agrees with logstash-patterns-core on the netfilter samples (Shorewall, SuSEfirewall2)', async () => {
    for (const name of ['shorewall-iptables.samples.log', 'cisco-asa-and-iptables-sfw2.samples.log']) {
      const rel = `logstash-patterns-core/${name}`;
      const r = await readLogFile(join(corpusLogs, rel));
      const expected = readExpectedTsv(join(corpusLogs, 'logstash-patterns-core', 'expected-asserted-ecs.tsv'), name);
      const ours = r.observations.filter((o) => o.format === 'iptables');
      const lines = new Set(ours.map((o) => o.evidence.line));
      const diffs = compare(rel, expected.filter((e) => lines.has(e.line) || name.startsWith('shorewall')), ours);
      const { unexpected } = unexplained(diffs, allowedDifferences('iptables'), [rel]);
      expect(unexpected).toEqual([]);
      expect(ours.length).toBeGreaterThan(0);
    }
  });
});

describe('iptables through readLog', () => {
  it('reads a kern.log whose first 64 KiB are boot messages', async () => {
    const boot = Array.from({ length: 2000 }, (_, i) => `Mar  4 09:00:00 gw1 kernel: [    0.${String(i).padStart(6, '0')}] pci 0000:00:1f.2: reg 0x20: [io 0x${i.toString(16)}]`).join('\n');
    const r = await readLogText(`${boot}\nMar  4 09:15:01 gw1 kernel: [UFW BLOCK] ${SYN}\n`);
    expect(r.stats.format).toBe('iptables');
    expect(r.observations).toHaveLength(1);
    expect(r.observations[0]!.evidence.line).toBe(2001);
    expect(r.stats.skipped).toBe(2000);
  });
});

describe('corpus comparison', () => {
  it('reports a difference when an observation disagrees (the comparison can fail)', () => {
    const expected = [{ line: 1, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 1, dstPort: 2, proto: 6, action: 'denied' as const }];
    const obs = parseOne(`Mar  4 09:15:01 gw1 kernel: [UFW BLOCK] ${SYN}`);
    if ('skip' in obs || 'error' in obs || Array.isArray(obs)) throw new Error('expected one observation');
    const diffs = compare('x.log', expected, [obs]);
    expect(diffs.map((d) => d.field).sort()).toEqual(['destination.ip', 'destination.port', 'source.ip', 'source.port']);
    expect(compare('x.log', expected, [])).toEqual([{ file: 'x.log', line: 1, field: 'observation', ours: 'none', theirs: 'a flow' }]);
  });
});
