/**
 * Output safety: every string a drift output shows comes from a report, and a report's strings
 * come from the network (service keys name hosts, reasons quote FTP replies and log prefixes).
 */
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../src/drift/compare.js';
import { HistoryBuilder } from '../../src/drift/history.js';
import { DRIFT_FORMATS, driftFormatForPath, driftRenderers } from '../../src/drift/render/index.js';
import type { DriftResult, HistoryResult } from '../../src/drift/types.js';
import { loaded, summary } from './support.js';

const SCRIPT = '<script>alert(1)</script>';
const ANSI = '\u001b[31mRED\u001b[0m\u001b]8;;http://evil.example/\u0007link\u001b]8;;\u0007';
const FORMULA = '=HYPERLINK("http://evil.example","x")';
const PIPES = 'a | b `code` *em* [x](http://evil.example)';
const BIDI = 'admin\u202euser';

function hostile(): { drift: DriftResult; history: HistoryResult } {
  const a = loaded([summary(`${SCRIPT} → host tcp/1`), summary(FORMULA)], { file: `old${SCRIPT}.json` });
  const b = loaded(
    [
      summary(`${SCRIPT} → host tcp/1`, { reachability: 'blocked', finding: 'broken-requirement', deniedBy: [`iptables "${ANSI}"`] }),
      summary(`${ANSI} → ${PIPES}`, { finding: 'undocumented' }),
      summary(`@SUM(A1) ${BIDI}`, { finding: 'exposure' }),
      summary('-2+3'),
    ],
    { file: 'new.json', inventory: { file: `<img src=x onerror=alert(1)>`, entries: 1 } },
  );
  const drift = compareReports(a, b);
  const h = new HistoryBuilder(2);
  h.add(0, a);
  h.add(1, b);
  return { drift, history: h.finish(drift) };
}

describe('every format, hostile strings', () => {
  const { drift, history } = hostile();
  const o = { colour: false, width: 120 };

  it('html: everything escaped, nothing loaded from anywhere', () => {
    for (const page of [driftRenderers.html.drift(drift, o), driftRenderers.html.history(history, o)]) {
      expect(page).not.toContain('<script');
      expect(page).not.toContain('<img');
      expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(page).not.toContain('\u001b');
      expect(page).not.toContain('\u202e');
      // The same head as the analyze report's page (report/html.ts htmlPage).
      expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">`);
      expect(page).toContain('<meta name="referrer" content="no-referrer">');
      // No reference to anything outside the page: no tag has a src/href attribute (every `<` of
      // a report's text is escaped, so each `<` left starts a tag this renderer wrote).
      expect(page).not.toMatch(/<[a-z][^>]*\s(?:src|href|action)\s*=/i);
      expect(page).not.toMatch(/url\(/i);
    }
  });

  it('table: no escape sequence or control character from a report reaches the terminal', () => {
    for (const colour of [false, true]) {
      const text = driftRenderers.table.drift(drift, { colour, width: 120 }) + driftRenderers.table.history(history, { colour, width: 120 });
      expect(text).not.toContain('\u001b]8');
      expect(text).not.toContain('\u0007');
      expect(text).not.toContain('\u202e');
      expect(text).not.toContain('\u001b[31mRED');
      if (!colour) expect(text).not.toContain('\u001b');
    }
  });

  it('csv: cells that a spreadsheet would run are neutralised', () => {
    const csv = driftRenderers.csv.drift(drift, o) + driftRenderers.csv.history(history, o);
    const cells = csv.split(/\r\n/).flatMap((line) => line.split(','));
    for (const c of cells) expect(c, c).not.toMatch(/^"?[=+\-@\t\r]/);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).toContain("'@SUM(A1)");
    expect(csv).toContain("'-2+3");
  });

  it('markdown: one cell stays one cell, no raw HTML, no links', () => {
    const md = driftRenderers.markdown.drift(drift, o) + driftRenderers.markdown.history(history, o);
    expect(md).not.toContain('<script');
    expect(md).not.toMatch(/(?<!\\)\]\(http/);
    expect(md).toContain('\\[x\\](http');
    for (const line of md.split('\n').filter((l) => l.startsWith('| '))) {
      const cells = line.split(/(?<!\\)\|/).length - 2;
      expect([5, 6, 7]).toContain(cells);
    }
  });

  it('json: strings kept exactly, for programs to handle', () => {
    const parsed = JSON.parse(driftRenderers.json.drift(drift, o)) as DriftResult;
    expect(parsed.items.map((i) => i.key)).toContain(`${ANSI} → ${PIPES}`);
    expect(parsed.old.file).toBe(`old${SCRIPT}.json`);
  });
});

describe('registry', () => {
  it('every format renders both results, and output names imply formats', () => {
    const { drift, history } = hostile();
    for (const f of DRIFT_FORMATS) {
      expect(driftRenderers[f].drift(drift, { colour: false, width: 100 }).length).toBeGreaterThan(0);
      expect(driftRenderers[f].history(history, { colour: false, width: 100 }).length).toBeGreaterThan(0);
    }
    expect(['a.json', 'b.HTML', 'c.md', 'd.csv', 'e.txt', 'f.out'].map(driftFormatForPath)).toEqual(['json', 'html', 'markdown', 'csv', 'table', undefined]);
  });
});
