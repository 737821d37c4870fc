/**
 * What log lines carry into the flows they build, end to end through `readFlows`: Zeek's own
 * history letters, the ASA's "SYN Timeout" teardown as an unanswered attempt, iptables' `LEN=` as
 * bytes, and the log options a command line passes (`awsVpcFields`, `prefixActions`).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/model.js';
import { readFlows } from '../../src/pipeline.js';
import type { PipelineOptions } from '../../src/pipeline.js';

async function flowsOf(text: string, options: Omit<PipelineOptions, 'stdin'> = {}): Promise<Flow[]> {
  const flows: Flow[] = [];
  const result = await readFlows(['-'], { ...options, stdin: Readable.from([Buffer.from(text)]) }, (f) => flows.push(f));
  expect(result.fatal).toBe(false);
  return flows;
}

const ZEEK = '#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tconn_state\thistory\torig_pkts\tresp_pkts\n';

describe('log details in flows', () => {
  it('a Zeek conn.log history is the flow history', async () => {
    const flows = await flowsOf(`${ZEEK}1714564800.5\tC1\t10.0.0.5\t40113\t10.1.0.7\t22\ttcp\tSF\tShADadFf\t6\t5\n`);
    expect(flows).toHaveLength(1);
    expect(flows[0]!.history).toBe('ShADadFf');
    expect(flows[0]!.outcome).toBe('established');
  });

  it('a Zeek history that is not history letters is dropped, not printed', async () => {
    const flows = await flowsOf(`${ZEEK}1714564800.5\tC1\t10.0.0.5\t40113\t10.1.0.7\t22\ttcp\tS0\t\u001b[2J<b>\t1\t0\n`);
    expect(flows[0]!.history).toBe('');
    expect(flows[0]!.outcome).toBe('unanswered');
  });

  it('an ASA teardown after "SYN Timeout" is an unanswered attempt, not an allowed session', async () => {
    const flows = await flowsOf(
      'Mar 04 2024 10:02:19 asa1 : %ASA-6-302014: Teardown TCP connection 999 for outside:198.51.100.90/1960 to inside:10.1.1.6/44100 duration 0:00:30 bytes 0 SYN Timeout\n',
    );
    expect(flows).toHaveLength(1);
    expect(flows[0]!.outcome).toBe('unanswered');
    expect(flows[0]!.firewall?.action).toBe('allowed');
  });

  it("iptables' IP LEN= counts as the packet's bytes (the first LEN=, not UDP's)", async () => {
    const flows = await flowsOf(
      'Mar  4 09:15:04 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.10 DST=203.0.113.53 LEN=72 TOS=0x00 PREC=0x00 TTL=64 ID=55021 PROTO=UDP SPT=47011 DPT=53 LEN=52\n' +
        'Mar  4 09:15:05 gw1 kernel: [UFW BLOCK] IN=eth0 OUT= SRC=192.0.2.10 DST=203.0.113.53 LEN=80 TOS=0x00 PREC=0x00 TTL=64 ID=55022 PROTO=UDP SPT=47011 DPT=53 LEN=60\n',
    );
    expect(flows).toHaveLength(1);
    expect(flows[0]!.packets).toEqual({ client: 2, server: 0 });
    expect(flows[0]!.bytes).toEqual({ client: 152, server: 0 });
  });

  it('the AWS VPC field list of a header-less file reaches the parser', async () => {
    const text = '10.0.0.5 10.0.0.9 51000 5432 6 REJECT 1700000200 2\n';
    const fields = '${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${start} ${tcp-flags}';
    const flows = await flowsOf(text, { inputFormat: 'aws-vpc', log: { awsVpcFields: fields } });
    expect(flows).toHaveLength(1);
    expect(flows[0]!.server).toEqual({ ip: '10.0.0.9', port: 5432 });
    expect(flows[0]!.outcome).toBe('denied');
    // Without it the 8-column layout is unknown: the line is bad, no flow.
    const without: Flow[] = [];
    const r = await readFlows(['-'], { inputFormat: 'aws-vpc', stdin: Readable.from([Buffer.from(text)]) }, (f) => without.push(f));
    expect(without).toHaveLength(0);
    expect(r.inputs[0]!.badLines).toBe(1);
  });

  it('lines with no time at all are dated 1970-01-01, and a warning says so once', async () => {
    const flows: Flow[] = [];
    const text = 'ASA-2-106006: Deny inbound UDP from 192.168.2.2/65020 to 10.10.10.10/161 on interface outside\n'.repeat(2);
    const r = await readFlows(['-'], { stdin: Readable.from([Buffer.from(text)]) }, (f) => flows.push(f));
    expect(flows[0]!.first).toBe('1970-01-01T00:00:00.000000000Z');
    const notes = r.anomalies.summary().filter((a) => a.code === 'log-time-missing');
    expect(notes.map((a) => [a.count, a.severity])).toEqual([[1, 'warning']]);
    expect(notes[0]!.examples[0]!.message).toBe('<stdin>: some lines carry no date or time (line 1 is the first): their flows are dated 1970-01-01');
  });

  it('a prefix mapping turns an unknown iptables prefix into a verdict', async () => {
    const line = 'Mar  4 09:15:04 gw1 kernel: FW-IN-X IN=eth0 OUT= SRC=192.0.2.10 DST=192.0.2.11 LEN=60 TOS=0x00 PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=3001 WINDOW=64240 RES=0x00 SYN URGP=0\n';
    // Without a verdict the log cannot say whether the SYN was answered: partial, not unanswered.
    expect((await flowsOf(line))[0]!.outcome).toBe('partial');
    const mapped = await flowsOf(line, { log: { prefixActions: [{ match: 'fw-in-x', action: 'denied' }] } });
    expect(mapped[0]!.outcome).toBe('denied');
    expect(mapped[0]!.firewall).toMatchObject({ action: 'denied', rule: 'FW-IN-X' });
  });
});
