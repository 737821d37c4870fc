/**
 * Renderers on a report whose input was written by an attacker: an FTP reply with `<script>` and
 * ANSI escapes, a firewall rule name that is a spreadsheet formula, host and file names with
 * markup. Each format's output is a golden file (fixtures/report/hostile.expected.*), and the
 * safety properties are asserted directly.
 */
/* eslint-disable no-control-regex -- finding control characters and escape sequences is what this file is for */
import { describe, expect, it } from 'vitest';
import { Aggregator } from '../../src/classify/aggregate.js';
import { Classifier } from '../../src/classify/classify.js';
import { buildReport } from '../../src/report/build.js';
import { csvCell, htmlEscape, markdownCell, terminalSafe } from '../../src/report/escape.js';
import { parseCsv } from '../support/csv.js';
import { REPORT_FORMATS, reporters } from '../../src/report/index.js';
import type { Report } from '../../src/report/types.js';
import { flow, INVENTORY_JSON, testCatalog, testInventory } from '../classify/support.js';

const EVIL_REPLY = '227 <script>alert("x")</script> \u001b[31mRED\u001b[0m \u001b]0;title\u0007 (10,1,0,7,128,12)';
const EVIL_RULE = "=cmd|' /C calc'!A0";
const EVIL_FILE = 'evil<img src=x onerror=alert(1)>.pcap';

function hostileReport(): Report {
  const catalog = testCatalog();
  const doc = {
    hosts: [
      ...INVENTORY_JSON.hosts,
      { address: '10.9.9.9', name: '<b>host</b>\u001b[2J+1', product: 'pathtrak', role: 'client' },
      { address: '10.9.9.10', name: '=HYPERLINK("x","y")' },
    ],
  };
  const inventory = testInventory(catalog, doc);
  const c = new Classifier(catalog, { inventory });
  const agg = new Aggregator();
  const ev = { file: EVIL_FILE, offset: 24 };
  agg.add(
    c.classify(
      flow('tcp', '10.0.0.5:40113', '10.1.0.7:32780', {
        evidence: ev,
        app: {
          kind: 'ftp-data',
          mode: 'pasv',
          control: '1.1',
          controlText: '10.0.0.5:40112 → 10.1.0.7:21',
          announcement: EVIL_REPLY,
          announcedAt: '2024-05-01T12:03:05.221000000Z',
        },
      }),
    ),
  );
  agg.add(
    c.classify(
      flow('tcp', '10.1.0.8:1030', '10.0.0.5:5808', {
        evidence: ev,
        outcome: 'denied',
        first: '2024-05-01T12:04:00.000000000Z',
        last: '2024-05-01T12:04:00.000000000Z',
        firewall: { action: 'denied', rule: EVIL_RULE, source: 'iptables', count: 1 },
      }),
    ),
  );
  agg.add(c.classify(flow('tcp', '10.9.9.9:50000', '10.0.0.5:8080', { evidence: ev, first: '2024-05-01T12:05:00.000000000Z', last: '2024-05-01T12:05:01.000000000Z' })));
  agg.add(c.classify(flow('udp', '10.9.9.10:50000', '10.0.0.5:9999', { evidence: ev, first: '2024-05-01T12:05:02.000000000Z', last: '2024-05-01T12:05:03.000000000Z' })));
  agg.add(c.classify(flow('tcp', '192.168.1.1:50000', '10.3.0.1:85', { evidence: ev, first: '2024-05-01T12:06:00.000000000Z', last: '2024-05-01T12:06:01.000000000Z' })));
  return buildReport({
    command: 'audit',
    toolVersion: '0.0.0-test',
    inputs: [{ name: EVIL_FILE, format: 'pcap', kind: 'capture', bytes: 1000, records: 20, flows: 5, badLines: 0, damage: null }],
    catalog,
    inventory,
    params: {},
    aggregator: agg,
    anomalies: [
      { code: 'bad-log-line', severity: 'warning', count: 1, examples: [{ code: 'bad-log-line', severity: 'warning', message: 'fw.log:3: <script>x</script>\u001b[1m' }] },
    ],
  });
}

const report = hostileReport();

const EXT: Record<string, string> = { table: 'txt', json: 'json', ndjson: 'ndjson', csv: 'csv', markdown: 'md', html: 'html' };

describe('escaping helpers', () => {
  it('strips escape sequences, control characters and bidi overrides for terminals', () => {
    expect(terminalSafe('a\u001b[31mb\u001b[0mc\u0007d\u001b]0;t\u0007e\u009b31mf\u202eg\nh')).toBe('abcdefg h');
  });
  it('escapes HTML', () => {
    expect(htmlEscape(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
  it('neutralises spreadsheet formulas in CSV cells (OWASP CSV injection)', () => {
    expect(csvCell('=1+2')).toBe("\"'=1+2\"");
    expect(csvCell('+1')).toBe("\"'+1\"");
    expect(csvCell('-1')).toBe("\"'-1\"");
    expect(csvCell('@SUM(A1)')).toBe("\"'@SUM(A1)\"");
    expect(csvCell('\tx')).toBe("\"'\tx\"");
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(42)).toBe('42');
    expect(csvCell('plain')).toBe('plain');
  });
  it('keeps Markdown tables intact and raw HTML out', () => {
    expect(markdownCell('a|b <i>`c`</i>')).toBe('a\\|b &lt;i&gt;\\`c\\`&lt;/i&gt;');
  });
});

describe('renderers on hostile input', () => {
  for (const format of REPORT_FORMATS) {
    if (format === 'ndjson') continue;
    it(`${format} matches its golden file`, async () => {
      const text = reporters[format].render(report, { colour: false, width: 140 });
      await expect(text).toMatchFileSnapshot(`../../fixtures/report/hostile.expected.${EXT[format]!}`);
    });
  }

  it('the HTML page is self-contained: no script, no external URL, a CSP that forbids fetching', () => {
    const html = reporters.html.render(report, { colour: false, width: 140 });
    expect(html).not.toMatch(/<script/i);
    // Every `<` from input is escaped, so any tag is the renderer's own: none may load anything.
    expect(html).not.toMatch(/<[a-z][^>]*\b(src|href|srcset|action|data)\s*=/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed|link|base|form|audio|video|image)\b/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).toContain(`content="default-src 'none'`);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('evil&lt;img src=x onerror=alert(1)&gt;.pcap');
    expect(html).not.toContain('\u001b');
  });

  it('CSV cells from input never start a formula', () => {
    const csv = reporters.csv.render(report, { colour: false, width: 140 });
    const rows = parseCsv(csv);
    expect(rows[0]![0]).toBe('key');
    const cells = rows.flat();
    expect(cells).toContain(`'=HYPERLINK("x","y")`);
    for (const cell of cells) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('the terminal table carries no escape sequence or control character from input', () => {
    const text = reporters.table.render(report, { colour: false, width: 140 });
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(text).toContain('fw.log:3: <script>x</script>');
    const coloured = reporters.table.render(report, { colour: true, width: 140 });
    // With colour on, the only escapes are our own SGR codes.
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).not.toContain('\u001b');
  });

  it('Markdown carries no raw HTML from input', () => {
    const md = reporters.markdown.render(report, { colour: false, width: 140 });
    expect(md).not.toMatch(/<script/i);
    expect(md).not.toMatch(/<img/i);
    expect(md).not.toContain('\u001b');
  });

  it('JSON keeps the input text as data (escaped by JSON itself)', () => {
    const json = JSON.parse(reporters.json.render(report, { colour: false, width: 140 })) as Report;
    expect(json.schemaVersion).toBe(1);
    expect(json.services.some((s) => s.reason.includes('<script>'))).toBe(true);
  });

  it('audit order puts broken requirements first, then exposures, then undocumented allowed traffic', () => {
    expect(report.services.map((s) => s.finding)).toEqual(['broken-requirement', 'exposure', 'undocumented', 'undocumented', 'ok']);
    expect(report.services[0]!.deniedBy).toEqual([{ source: 'iptables', rule: EVIL_RULE, flows: 1 }]);
  });
});
