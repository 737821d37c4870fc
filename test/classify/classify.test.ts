import { describe, expect, it } from 'vitest';
import { Classifier, findingFor } from '../../src/classify/classify.js';
import { ClassifyStream } from '../../src/classify/stream.js';
import type { Verdict } from '../../src/classify/classify.js';
import { flow, testCatalog, testInventory } from './support.js';

const catalog = testCatalog();
const inventory = testInventory(catalog);
const withInv = new Classifier(catalog, { inventory });
const noInv = new Classifier(catalog);

describe('findingFor (DESIGN.md table)', () => {
  it('maps every status and reachability', () => {
    expect(findingFor('documented', 'allowed', 'required')).toBe('ok');
    expect(findingFor('documented', 'blocked', 'required')).toBe('broken-requirement');
    expect(findingFor('documented', 'blocked', 'conditional')).toBe('broken-requirement');
    expect(findingFor('documented', 'blocked', 'optional')).toBe('info');
    expect(findingFor('dynamic', 'allowed', 'required')).toBe('ok');
    expect(findingFor('dynamic', 'blocked', 'required', true)).toBe('broken-requirement');
    expect(findingFor('dynamic', 'blocked', 'required', false)).toBe('info');
    expect(findingFor('should-block', 'allowed', 'should-block')).toBe('exposure');
    expect(findingFor('should-block', 'blocked', 'should-block')).toBe('ok');
    expect(findingFor('not-used', 'allowed', 'not-used')).toBe('deprecated-in-use');
    expect(findingFor('not-used', 'blocked', 'not-used')).toBe('ok');
    expect(findingFor('undocumented', 'allowed', undefined)).toBe('undocumented');
    expect(findingFor('undocumented', 'blocked', undefined)).toBe('info');
  });
});

describe('documented flows with an inventory', () => {
  it('a required flow that gets through is ok, with the rule in words', () => {
    const v = withInv.classify(flow('tcp', '10.1.0.7:40112', '10.0.0.5:5808'));
    expect(v.flow.status).toBe('documented');
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.severity).toBe('none');
    expect(v.flow.rules).toEqual(['pathtrak/boot-event']);
    expect(v.flow.reason).toBe('PathTrak rule boot-event (PathTrak Server inbound from HCU): tcp/5808, required');
    expect(v.service.key).toBe('hcu → pathtrak-server tcp/5808');
    expect(v.flow.clientName).toBe('hcu-a');
    expect(v.flow.serverRole).toBe('pathtrak-server');
  });

  it('a required flow answered by RST is a broken requirement (high)', () => {
    const v = withInv.classify(flow('tcp', '10.1.0.7:40112', '10.0.0.5:5808', { outcome: 'rejected', history: 'Sr' }));
    expect(v.flow.reachability).toBe('blocked');
    expect(v.flow.finding).toBe('broken-requirement');
    expect(v.flow.severity).toBe('high');
    expect(v.flow.reason).toBe(
      'PathTrak rule boot-event (PathTrak Server inbound from HCU): tcp/5808, required; blocked: rejected (SYN answered by RST)',
    );
  });

  it('a firewall denial names the firewall rule', () => {
    const v = withInv.classify(
      flow('tcp', '10.1.0.7:40112', '10.0.0.5:5808', { outcome: 'denied', firewall: { action: 'denied', rule: 'INPUT-DROP', source: 'iptables', count: 3 } }),
    );
    expect(v.flow.finding).toBe('broken-requirement');
    expect(v.flow.reason).toContain('blocked: denied by iptables rule "INPUT-DROP" (3 times)');
  });

  it('a denial of late packets only is not a blocked attempt', () => {
    const v = withInv.classify(
      flow('tcp', '10.1.0.7:40112', '10.0.0.5:5808', { outcome: 'denied', firewall: { action: 'denied', source: 'iptables', count: 1, lateOnly: true } }),
    );
    expect(v.flow.reachability).toBe('allowed');
    expect(v.flow.finding).toBe('ok');
  });

  it('matches a formula with the listener host parameters (word for word)', () => {
    const v = withInv.classify(flow('tcp', '10.3.0.2:49200', '10.3.0.1:3017'));
    expect(v.flow.status).toBe('dynamic');
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.reason).toBe(
      'Stratus VOS STCP rule osl (VOS module inbound from VOS module): 3017 in 3000..3050 (max_open_server=25 from inventory host vos-a), required',
    );
    expect(v.service.key).toBe('vos-module → vos-module tcp stratus-vos/osl');
  });

  it('a port beyond the formula with the host parameters is not documented by it', () => {
    const v = withInv.classify(flow('tcp', '10.3.0.2:49200', '10.3.0.1:3051'));
    expect(v.flow.status).toBe('undocumented');
    expect(v.flow.finding).toBe('undocumented');
  });

  it('uses the envelope when the parameter is not known, and says so', () => {
    const v = withInv.classify(flow('tcp', '10.3.0.1:49200', '10.3.0.2:3517'));
    expect(v.flow.status).toBe('dynamic');
    expect(v.flow.reason).toContain('3517 in 3000..3999, the envelope of 3000 .. 3000 + 2*max_open_server (max_open_server not known');
  });

  it('takes --param for hosts without their own value', () => {
    const c = new Classifier(catalog, { inventory, params: { max_open_server: 10 } });
    expect(c.classify(flow('tcp', '10.3.0.1:49200', '10.3.0.2:3015')).flow.reason).toContain('3015 in 3000..3020 (max_open_server=10 from --param)');
    // The host's own value wins over --param.
    expect(c.classify(flow('tcp', '10.3.0.2:49200', '10.3.0.1:3040')).flow.reason).toContain('max_open_server=25 from inventory host vos-a');
  });

  it('a service node acts as the management node', () => {
    const v = withInv.classify(flow('tcp', '10.2.1.20:40000', '10.2.2.1:3001'));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.rules).toEqual(['xcat/xcatdport-tcp']);
    expect(v.service.key).toBe('node → mgmt-node tcp/3001');
  });

  it('most specific prefix wins and IPv6 prefixes match', () => {
    const v = withInv.classify(flow('tcp', '[2001:db8::17]:40000', '10.2.0.1:873'));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.clientName).toBe('v6-nodes');
  });

  it('checks source ports against the rule (xCAT privileged range)', () => {
    const ok = withInv.classify(flow('tcp', '10.2.0.1:1022', '10.2.1.5:514'));
    expect(ok.flow.rules[0]).toBe('xcat/shell');
    expect(ok.flow.reason).toContain('source port 1022 in the documented source ports 1-1023');
    const odd = withInv.classify(flow('tcp', '10.2.0.1:40000', '10.2.1.5:514'));
    expect(odd.flow.rules[0]).toBe('xcat/shell');
    expect(odd.flow.reason).toContain('source port 40000 is outside the documented source ports 1-1023');
  });

  it('notes a client source port outside its OS ephemeral range', () => {
    const v = withInv.classify(flow('tcp', '10.1.0.7:1000', '10.0.0.5:5808'));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.reason).toContain("source port 1000 is outside hcu-a's linux ephemeral range 32768-61000");
  });
});

describe('findings other than ok', () => {
  it('should-block traffic that gets through is an exposure (high)', () => {
    const v = withInv.classify(flow('tcp', '192.168.9.9:50000', '10.3.0.1:85'));
    expect(v.flow.status).toBe('should-block');
    expect(v.flow.finding).toBe('exposure');
    expect(v.flow.severity).toBe('high');
    expect(v.flow.reason).toBe(
      'Stratus VOS STCP rule telnet-rsn (VOS module inbound from any host): tcp/85, the document recommends that firewalls block it',
    );
    expect(v.service.key).toBe('192.168.9.9 → vos-module tcp/85');
  });

  it('should-block traffic that is blocked is ok', () => {
    const v = withInv.classify(flow('udp', '192.168.9.9:50000', '10.3.0.1:29000', { outcome: 'icmp-prohibited', icmpError: { type: 3, code: 13, from: '10.3.0.254' } }));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.reason).toContain('blocked: ICMP administratively prohibited (type 3 code 13) from 10.3.0.254');
  });

  it('not-used traffic that gets through is deprecated-in-use (medium)', () => {
    const v = withInv.classify(flow('udp', '10.2.1.9:40000', '10.2.0.1:88'));
    expect(v.flow.status).toBe('not-used');
    expect(v.flow.finding).toBe('deprecated-in-use');
    expect(v.flow.severity).toBe('medium');
  });

  it('undocumented traffic is undocumented (medium) when allowed, info when blocked', () => {
    const a = withInv.classify(flow('tcp', '10.0.0.5:40000', '10.1.0.7:8080'));
    expect(a.flow.status).toBe('undocumented');
    expect(a.flow.finding).toBe('undocumented');
    expect(a.flow.severity).toBe('medium');
    expect(a.flow.reason).toBe('no catalog rule documents tcp/8080 from pts-1 (pathtrak-server) to hcu-a (hcu)');
    expect(a.service.key).toBe('pts-1 → hcu-a tcp/8080');
    const b = withInv.classify(flow('tcp', '10.0.0.5:40000', '10.1.0.7:8080', { outcome: 'unanswered', history: 'S' }));
    expect(b.flow.finding).toBe('info');
    expect(b.flow.severity).toBe('info');
  });

  it('a flow against its rule direction is its own finding', () => {
    const v = withInv.classify(flow('tcp', '10.1.0.7:40000', '10.0.0.5:21'));
    expect(v.flow.status).toBe('undocumented');
    expect(v.flow.finding).toBe('undocumented');
    expect(v.flow.wrongDirection).toBe('pathtrak/hcu-ftp');
    expect(v.flow.reason).toBe(
      'wrong direction: PathTrak rule hcu-ftp (HCU inbound from PathTrak Server) documents PathTrak Server → HCU on tcp/21, but hcu-a (hcu) opened the connection to pts-1 (pathtrak-server)',
    );
    expect(v.service.key).toBe('hcu → pathtrak-server tcp/21');
  });

  it('names the near miss when roles do not fit', () => {
    const v = withInv.classify(flow('tcp', '10.9.9.9:40000', '10.2.0.1:3001'));
    expect(v.flow.finding).toBe('undocumented');
    expect(v.flow.reason).toBe(
      'no catalog rule documents tcp/3001 from 10.9.9.9 (not in the inventory) to mn-1 (mgmt-node); by port it would be xCAT rule xcatdport-tcp, documented for xCAT managed node → xCAT management node',
    );
  });
});

describe('announced data flows', () => {
  const pasv = {
    kind: 'ftp-data' as const,
    mode: 'pasv' as const,
    control: '1.1',
    controlText: '10.0.0.5:40112 → 10.1.0.7:21',
    announcement: '227 Entering Passive Mode (10,1,0,7,128,12)',
    announcedAt: '2024-05-01T12:03:05.221000000Z',
  };

  it('FTP PASV data on a documented control flow is dynamic and says which reply announced it', () => {
    const v = withInv.classify(flow('tcp', '10.0.0.5:40113', '10.1.0.7:32780', { app: pasv }));
    expect(v.flow.status).toBe('dynamic');
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.confidence).toBe('announced');
    expect(v.flow.rules).toEqual(['pathtrak/hcu-ftp-data']);
    expect(v.flow.reason).toBe(
      'PathTrak rule hcu-ftp-data (HCU inbound from PathTrak Server): FTP PASV data announced by "227 Entering Passive Mode (10,1,0,7,128,12)" on control flow 10.0.0.5:40112 → 10.1.0.7:21 at 12:03:05.221',
    );
    expect(v.service.key).toBe('pathtrak-server → hcu tcp pathtrak/hcu-ftp-data');
  });

  it('blocked FTP data of a documented control flow is a broken requirement', () => {
    const v = withInv.classify(flow('tcp', '10.0.0.5:40113', '10.1.0.7:32780', { app: pasv, outcome: 'unanswered', history: 'S' }));
    expect(v.flow.finding).toBe('broken-requirement');
  });

  it('FTP data of an undocumented control flow is undocumented, keyed as ftp-data', () => {
    const app = { ...pasv, controlText: '10.9.9.1:40112 → 10.9.9.2:21' };
    const v = withInv.classify(flow('tcp', '10.9.9.1:40113', '10.9.9.2:40000', { app }));
    expect(v.flow.status).toBe('undocumented');
    expect(v.flow.finding).toBe('undocumented');
    expect(v.service.key).toBe('10.9.9.1 → 10.9.9.2 tcp ftp-data');
    expect(v.flow.reason).toContain('no catalog rule documents the control flow');
  });

  it('unmarked flows in a fallback range between the right roles are recognised with lower confidence', () => {
    const v = withInv.classify(flow('tcp', '10.0.0.5:40113', '10.1.0.7:40000'));
    expect(v.flow.status).toBe('dynamic');
    expect(v.flow.confidence).toBe('fallback');
    expect(v.flow.reason).toContain('40000 in the fallback range 32768-61000 (Data port range 32768-61000 on HCU200s); no FTP announcement was seen for this flow, so it is recognised with lower confidence');
    // HCU400's fallback is 1024-5000: 40000 is not in it.
    const w = withInv.classify(flow('tcp', '10.0.0.5:40113', '10.1.0.8:40000'));
    expect(w.flow.status).toBe('undocumented');
  });

  it('RPC data on a documented range keeps the range rule and names the announcement', () => {
    const app = { kind: 'rpc' as const, program: 100005, version: 3, programName: 'mountd', control: '1.7', controlText: '10.0.0.5:700 → 10.1.0.7:111', announcedAt: '2024-05-01T12:03:05.000000000Z' };
    const v = withInv.classify(flow('udp', '10.0.0.5:701', '10.1.0.7:650', { app }));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.rules[0]).toBe('pathtrak/hcu-rpc');
    expect(v.flow.reason).toContain('RPC program 100005 (mountd) version 3 announced by the portmapper on control flow 10.0.0.5:700 → 10.1.0.7:111');
  });

  it('an unanswered TFTP request answered by its data flow counts as allowed', () => {
    const out: Verdict[] = [];
    const s = new ClassifyStream(withInv, (v) => out.push(v));
    const req = flow('udp', '10.2.1.5:40000', '10.2.0.1:69', { outcome: 'unanswered', app: { kind: 'tftp-request' } });
    const data = flow('udp', '10.2.1.5:40000', '10.2.0.1:50001', {
      app: { kind: 'tftp-data', control: req.id, controlText: '10.2.1.5:40000 → 10.2.0.1:69', announcedAt: req.first },
    });
    s.push(req);
    expect(out).toHaveLength(0);
    s.push(data);
    s.end();
    expect(out).toHaveLength(2);
    const r = out.find((v) => v.flow.id === req.id)!;
    expect(r.flow.reachability).toBe('allowed');
    expect(r.flow.finding).toBe('ok');
    const d = out.find((v) => v.flow.id === data.id)!;
    expect(d.flow.status).toBe('dynamic');
    expect(d.flow.rules).toEqual(['xcat/tftp-udp']);
  });
});

describe('without an inventory', () => {
  it('matches by port alone, lists every rule that could explain it, and says roles were not known', () => {
    const v = noInv.classify(flow('tcp', '10.0.0.5:40112', '10.1.0.7:21'));
    expect(v.flow.status).toBe('documented');
    expect(v.flow.confidence).toBe('port-only');
    expect(v.flow.rules).toEqual(['pathtrak/hcu-ftp', 'stratus-vos/ftp']);
    expect(v.flow.reason).toBe(
      'PathTrak rule hcu-ftp (HCU inbound from PathTrak Server): tcp/21, required; roles not known (no inventory): matched by port alone; also by port: stratus-vos/ftp (required)',
    );
    expect(v.service.key).toBe('10.0.0.5 → 10.1.0.7 tcp/21');
  });

  it('uses documented defaults for formulas', () => {
    const v = noInv.classify(flow('tcp', '10.5.0.1:50000', '10.5.0.2:1960'));
    expect(v.flow.reason).toContain('1960 = TCPIP-PORT+0 (TCPIP-PORT=1960, the documented default)');
  });

  it('does not let fallback or wide ranges document traffic by port alone', () => {
    const v = noInv.classify(flow('tcp', '10.0.0.5:40113', '10.1.0.7:50000'));
    expect(v.flow.status).toBe('undocumented');
    expect(v.flow.reason).toContain('which only an inventory can tell apart from other traffic');
  });
});

describe('real-network noise', () => {
  it('one-way UDP (syslog) with no reply is not a block', () => {
    const v = withInv.classify(flow('udp', '10.2.1.5:40000', '10.2.0.1:514', { outcome: 'unanswered' }));
    expect(v.flow.reachability).toBe('allowed');
    expect(v.flow.finding).toBe('ok');
  });

  it('link-local multicast that no rule documents is info', () => {
    const v = withInv.classify(flow('udp', '10.2.1.5:5353', '224.0.0.251:5353', { outcome: 'unanswered', directionInferred: true }));
    expect(v.flow.reachability).toBe('allowed');
    expect(v.flow.finding).toBe('info');
  });

  it('IPv6 neighbour discovery is network control (info); ICMP echo is undocumented', () => {
    const nd = withInv.classify(flow('icmpv6', 'fe80::1', 'ff02::1:ff00:2', { icmp: { type: 135, code: 0 }, outcome: 'unanswered' }));
    expect(nd.flow.finding).toBe('info');
    expect(nd.service.key).toBe('[fe80::1] → [ff02::1:ff00:2] icmpv6 type 135');
    const echo = withInv.classify(flow('icmp', '10.0.0.5', '10.1.0.7', { icmp: { type: 8, code: 0 } }));
    expect(echo.flow.finding).toBe('undocumented');
  });

  it('reads an inferred direction the way round that fits a rule', () => {
    const v = withInv.classify(flow('udp', '10.1.0.7:111', '10.0.0.5:40000', { directionInferred: true }));
    expect(v.flow.finding).toBe('ok');
    expect(v.flow.client.ip).toBe('10.0.0.5');
    expect(v.flow.reason).toContain('direction inferred: read as 10.0.0.5:40000 → 10.1.0.7:111 to fit the rule');
  });
});

describe('group addresses', () => {
  it('a broadcast between two hosts the inventory does not know is nobody\'s documented flow', () => {
    const v = withInv.classify(flow('udp', '0.0.0.0:68', '255.255.255.255:67', { outcome: 'unanswered', directionInferred: true }));
    expect(v.flow.status).toBe('undocumented');
    expect(v.flow.finding).toBe('info');
  });

  it('a broadcast from a known host fits the listener role of its rule', () => {
    const v = withInv.classify(flow('udp', '10.1.0.7:40000', '255.255.255.255:161', { outcome: 'unanswered' }));
    expect(v.flow.status).toBe('documented');
    expect(v.flow.rules).toEqual(['pathtrak/snmp']);
    expect(v.flow.reachability).toBe('allowed');
    expect(v.service.key).toBe('hcu-a → 255.255.255.255 udp/161');
  });
});

describe('direction inference', () => {
  it('does not read a flow backwards just because its client port falls in a range rule', () => {
    // 10.0.0.5 → 10.1.0.7:8080 is undocumented; backwards it would land in rpc-links (49152-65535): not a reason to flip.
    const v = withInv.classify(flow('tcp', '10.0.0.5:50000', '10.1.0.7:8080', { directionInferred: true, outcome: 'partial' }));
    expect(v.flow.client.ip).toBe('10.0.0.5');
    expect(v.flow.status).toBe('undocumented');
  });
});
