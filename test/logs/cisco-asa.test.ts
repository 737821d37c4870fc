import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ciscoAsaFormat } from '../../src/ingest/logs/cisco-asa.js';
import type { LineResult } from '../../src/ingest/logs/format.js';
import type { Observation } from '../../src/model.js';
import { allowedDifferences, compare, readExpectedFlows, readExpectedTsv, unexplained } from './corpus-compare.js';
import { BASE_OPTIONS, corpusLogs, haveCorpus, readLogFile } from './log-helpers.js';

/** Parses lines with one parser (per-file state: Built/Teardown). */
function parseAll(lines: string[]): LineResult[] {
  const parse = ciscoAsaFormat.createParser({ file: 'asa.log', options: BASE_OPTIONS });
  return lines.map((l, i) => parse(l, { file: 'asa.log', line: i + 1, options: BASE_OPTIONS }));
}

function obs(r: LineResult | undefined): Observation {
  if (r === undefined || Array.isArray(r) || 'skip' in r || 'error' in r) throw new Error(`not one observation: ${JSON.stringify(r)}`);
  return r;
}

const H = 'Mar 04 2024 10:00:00 asa1 : ';

describe('Cisco ASA direction', () => {
  it('swaps outbound Built messages so that src is the initiator', () => {
    const [r] = parseAll([`${H}%ASA-6-302013: Built outbound TCP connection 11757 for outside:100.66.205.104/80 (100.66.205.104/80) to inside:172.31.98.44/1772 (172.31.98.44/1772)`]);
    expect(obs(r)).toMatchObject({ src: '172.31.98.44', srcPort: 1772, dst: '100.66.205.104', dstPort: 80, kind: 'session', action: 'allowed', initiatorKnown: true, connId: '11757', direction: 'outbound', interface: 'inside' });
  });
  it('keeps inbound Built messages in order and uses real (not mapped) addresses', () => {
    const [r] = parseAll([`${H}%ASA-6-302013: Built inbound TCP connection 5 for outside:198.51.100.23/51530 (198.51.100.23/51530) to dmz:10.30.0.5/22 (192.0.2.5/22)`]);
    expect(obs(r)).toMatchObject({ src: '198.51.100.23', srcPort: 51530, dst: '10.30.0.5', dstPort: 22 });
  });
  it('gives an active FTP data channel to the port-20 side whatever the control direction says', () => {
    const [out, inb] = parseAll([
      `${H}%ASA-6-302013: Built outbound TCP connection 7 for outside:198.51.100.21/20 (198.51.100.21/20) to inside:10.1.1.5/49211 (203.0.113.2/49211)`,
      `${H}%ASA-6-302013: Built inbound TCP connection 8 for outside:198.51.100.30/50001 (198.51.100.30/50001) to inside:10.1.1.21/20 (192.0.2.21/20)`,
    ]);
    expect(obs(out)).toMatchObject({ src: '198.51.100.21', srcPort: 20, dst: '10.1.1.5', dstPort: 49211 });
    expect(obs(inb)).toMatchObject({ src: '10.1.1.21', srcPort: 20, dst: '198.51.100.30', dstPort: 50001 });
  });
  it('orients a Teardown like its Built message, and marks it unknown without one', () => {
    const [, td, lone] = parseAll([
      `${H}%ASA-6-302015: Built outbound UDP connection 9 for outside:198.51.100.53/53 (198.51.100.53/53) to inside:10.1.1.5/53001 (203.0.113.2/53001)`,
      'Mar 04 2024 10:00:03 asa1 : %ASA-6-302016: Teardown UDP connection 9 for outside:198.51.100.53/53 to inside:10.1.1.5/53001 duration 0:00:03 bytes 142',
      'Mar 04 2024 10:00:30 asa1 : %ASA-6-302014: Teardown TCP connection 99 for outside:198.51.100.90/1960 to inside:10.1.1.6/44100 duration 0:00:30 bytes 0 SYN Timeout',
    ]);
    expect(obs(td)).toMatchObject({ src: '10.1.1.5', dst: '198.51.100.53', initiatorKnown: true, bytes: { total: 142 }, connId: '9' });
    expect(obs(td).endSec! - obs(td).tsSec).toBe(3);
    expect(obs(lone)).toMatchObject({ src: '198.51.100.90', dst: '10.1.1.6', initiatorKnown: false, endReason: 'SYN Timeout', bytes: { total: 0 } });
  });
  it('reads ICMP sessions by faddr/laddr and their direction', () => {
    const [b] = parseAll([`${H}%ASA-6-302020: Built inbound ICMP connection for faddr 10.137.200.251/18425 gaddr 10.137.10.1/0 laddr 10.137.10.10/0`]);
    expect(obs(b)).toMatchObject({ proto: 1, src: '10.137.200.251', dst: '10.137.10.10', kind: 'session' });
  });
});

describe('Cisco ASA denials', () => {
  it('reads 106015 (no connection) as a late packet, not a policy block', () => {
    const [r] = parseAll(['Deny TCP (no connection) from 192.168.150.65/2278 to 64.101.128.83/80 flags RST on interface eth0']);
    expect(obs(r)).toMatchObject({ action: 'denied', kind: 'late', tcpFlags: 4, interface: 'eth0' });
  });
  it('reads 106001 with its flags', () => {
    const [syn, ack] = parseAll([
      `${H}%ASA-2-106001: Inbound TCP connection denied from 198.51.100.23/51514 to 192.0.2.10/3001 flags SYN  on interface outside`,
      `${H}%ASA-2-106001: Inbound TCP connection denied from 198.51.100.23/443 to 192.0.2.10/50211 flags ACK FIN  on interface outside`,
    ]);
    expect(obs(syn)).toMatchObject({ kind: 'attempt', tcpFlags: 2, initiatorKnown: true });
    expect(obs(ack)).toMatchObject({ kind: 'late', tcpFlags: 17, initiatorKnown: false });
  });
  it('splits interface names that contain colons, IPv6 addresses and host names', () => {
    const [a, b, c] = parseAll([
      `${H}%ASA-4-106023: Deny udp src dmz:eth1:10.30.0.4/514 dst inside:10.1.1.9/514 by access-group "DMZ_IN" [0x0, 0x0]`,
      `${H}%ASA-4-106023: Deny tcp src outside:2001:db8:1::42/39001 dst inside:2001:db8:2::10/3000 by access-group "IN6" [0x0, 0x0]`,
      `${H}%ASA-4-106023: Deny tcp src outside:192.168.1.1/50240 dst inside:www.example.com/23 by access-group "S" [0x54c7fa80, 0x0]`,
    ]);
    expect(obs(a)).toMatchObject({ src: '10.30.0.4', interface: 'dmz:eth1', rule: 'DMZ_IN' });
    expect(obs(b)).toMatchObject({ src: '2001:db8:1::42', srcPort: 39001, dst: '2001:db8:2::10', dstPort: 3000, interface: 'outside' });
    expect(obs(c)).toMatchObject({ dst: 'www.example.com', dstPort: 23 });
  });
  it('reads 313005 with the packet the ICMP error quotes', () => {
    const [r] = parseAll([
      'No matching connection for ICMP error message: icmp src fw111:10.192.33.100 dst fw111:192.18.4.1 (type 3, code 3) on fw111 interface. Original IP payload: udp src 192.18.4.1/53 dst 8.8.8.8/10872.',
    ]);
    expect(obs(r)).toMatchObject({ proto: 1, icmpType: 3, icmpCode: 3, kind: 'late', quoted: { proto: 17, src: '192.18.4.1', srcPort: 53, dst: '8.8.8.8', dstPort: 10872 } });
  });
  it('reports a port that is not a number as a bad line with the documented message', () => {
    const [r] = parseAll([`${H}%ASA-3-710003: TCP access denied by ACL from 198.51.100.23/51541 to outside:192.0.2.1/http`]);
    expect(r).toEqual({ error: 'port "http" is not a number', code: 'bad-port' });
  });
  it('reads FTD connection events', () => {
    const [blocked, late] = parseAll([
      '2019-08-16T09:35:15Z firepower  %FTD-1-430002: AccessControlRuleAction: Block, SrcIP: 10.0.100.30, DstIP: 10.0.1.20, ICMPType: Echo Request, ICMPCode: No Code, Protocol: icmp, IngressInterface: output, AccessControlRuleName: Block-inbound-ICMP, InitiatorPackets: 0, ResponderPackets: 0',
      '2023-03-27T08:54:54Z   %FTD-1-430003: ConnectionID: 56696, AccessControlRuleAction: Block with reset, SrcIP: 10.0.1.20, DstIP: 10.0.100.30, SrcPort: 50815, DstPort: 7680, Protocol: tcp, ConnectionDuration: 0, InitiatorPackets: 3, ResponderPackets: 1, InitiatorBytes: 261, ResponderBytes: 66',
    ]);
    expect(obs(blocked)).toMatchObject({ proto: 1, icmpType: 8, action: 'denied', kind: 'attempt' });
    expect(obs(late)).toMatchObject({ action: 'denied', kind: 'late', connId: '56696', packets: { out: 3, back: 1 } });
  });
  it('skips messages that are not about a flow', () => {
    const [t, f] = parseAll([`${H}%ASA-6-305011: Built dynamic TCP translation from inside:172.31.98.44/1772 to outside:100.66.98.44/8256`, '(Secondary) Switching to ACTIVE - Service card in other unit has failed']);
    expect(t).toHaveProperty('skip');
    expect(f).toHaveProperty('skip');
  });
});

describe.runIf(haveCorpus)('Cisco ASA over the corpus', () => {
  it('agrees with the expected parses of cisco_asa/test-asa.expected-subset.log', async () => {
    const rel = 'cisco_asa/test-asa.expected-subset.log';
    const r = await readLogFile(join(corpusLogs, rel));
    expect(r.stats.format).toBe('cisco-asa');
    const diffs = compare(rel, readExpectedFlows(join(corpusLogs, `${rel}.expected-flows.jsonl`)), r.observations);
    const { unexpected, stale } = unexplained(diffs, allowedDifferences('cisco-asa'), [rel]);
    expect(unexpected).toEqual([]);
    expect(stale).toEqual([]);
  });

  it('agrees with logstash-patterns-core on the ASA samples', async () => {
    const name = 'cisco-asa-and-iptables-sfw2.samples.log';
    const rel = `logstash-patterns-core/${name}`;
    const r = await readLogFile(join(corpusLogs, rel));
    expect(r.stats.format).toBe('iptables+cisco-asa');
    const netfilterLines = new Set(r.observations.filter((o) => o.format === 'iptables').map((o) => o.evidence.line));
    const expected = readExpectedTsv(join(corpusLogs, 'logstash-patterns-core', 'expected-asserted-ecs.tsv'), name).filter((e) => !netfilterLines.has(e.line));
    const diffs = compare(rel, expected, r.observations.filter((o) => o.format === 'cisco-asa'));
    const { unexpected, stale } = unexplained(diffs, allowedDifferences('cisco-asa'), [rel]);
    expect(unexpected).toEqual([]);
    expect(stale).toEqual([]);
  });

  it('reads the other ASA and FTD samples without a bad line', async () => {
    for (const rel of ['cisco_asa/test-asa.input-sample.log', 'cisco_ftd/test-security-connection.log']) {
      const r = await readLogFile(join(corpusLogs, rel));
      expect(r.stats.format).toBe('cisco-asa');
      expect(r.stats.badLines).toBe(0);
      expect(r.observations.length).toBeGreaterThanOrEqual(10);
    }
  });
});
