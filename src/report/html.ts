/**
 * The report as one self-contained HTML page: inline CSS, charts as inline SVG, no script at all
 * and a Content-Security-Policy that forbids every network request (`default-src 'none'`), so the
 * page works offline and cannot be made to load anything. Every string from input goes through the
 * `html` template tag, which escapes interpolations unless they are already-built markup.
 *
 * Sections: summary cards, charts (flows by finding, top undocumented services, timeline),
 * findings (audit: firewall-review sections), services with example flows, catalog coverage,
 * input anomalies.
 */
import { severityOf } from '../classify/classify.js';
import type { Finding } from '../classify/types.js';
import { AUDIT_SECTION_TITLES, auditSection, blockedBy } from './build.js';
import { htmlEscape } from './escape.js';
import { FINDING_COLOUR, FINDING_LABEL, FINDING_MEANING, groupDigits, humanBytes, shortTime } from './format.js';
import { FINDING_ORDER, type Report, type ServiceRow, type Timeline } from './types.js';

/** Markup that is already safe: made only by the `html` tag (here and in drift/render/html.ts). */
export class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export type HtmlPart = string | number | Safe | readonly HtmlPart[] | null | undefined | false;
type Part = HtmlPart;

function part(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Safe) return v.value;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string') return htmlEscape(v);
  return v.map(part).join('');
}

/** Template tag: literal text is trusted markup; every interpolated value is escaped unless it is `Safe`. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Safe {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new Safe(out);
}

/** Services listed in the HTML services table (the JSON report lists all). */
export const HTML_SERVICES_SHOWN = 1000;
const TOP_UNDOCUMENTED = 10;

/** The look every portolan page shares (the analyze/audit report and the drift page). */
export const BASE_CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1280px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:2px 0}
.meta b{color:var(--fg);font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0}
.card{flex:1 1 150px;border:1px solid var(--line);border-left:6px solid var(--c);border-radius:6px;padding:8px 12px;background:var(--soft)}
.card .n{font-size:22px;font-weight:650}
.card .l{font-weight:600}
.card .d{color:var(--muted);font-size:12px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.key{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-word}
.pill{display:inline-block;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap;background:var(--c)}
.none{color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding-top:24px;padding-bottom:24px}
`;

const CSS = `${BASE_CSS}h3{font-size:15px;margin:18px 0 8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:16px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:10px;background:var(--bg)}
figcaption{font-weight:600;margin-bottom:6px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--fg)}
svg .muted{fill:var(--muted)}
td.reason{max-width:560px}
details summary{cursor:pointer;color:var(--muted)}
details pre{white-space:pre-wrap;word-break:break-word;background:var(--soft);padding:6px;border-radius:4px;margin:4px 0}
.legend{display:flex;flex-wrap:wrap;gap:4px 12px;font-size:12px;margin-top:4px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:-1px}
`;

/**
 * A whole self-contained page: the head every portolan page has (a Content-Security-Policy that
 * forbids every request, no referrer, inline CSS) around `body`.
 */
export function htmlPage(title: string, css: string, body: Safe): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new Safe(css)}</style>
</head>
<body>
${body}
</body>
</html>
`.value;
}

function pill(f: Finding): Safe {
  return html`<span class="pill" style="--c:${FINDING_COLOUR[f]}">${FINDING_LABEL[f]}</span>`;
}

function barChart(title: string, bars: ReadonlyArray<{ label: string; value: number; colour: string }>, empty: string, keepEnd = false): Safe {
  if (bars.length === 0 || bars.every((b) => b.value === 0)) {
    return html`<figure><figcaption>${title}</figcaption><p class="none">${empty}</p></figure>`;
  }
  const labelWidth = 178;
  const barMax = 150;
  const rowH = 22;
  const width = labelWidth + barMax + 52;
  const height = bars.length * rowH + 8;
  const max = Math.max(...bars.map((b) => b.value));
  const rows = bars.map((b, i) => {
    const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * barMax));
    const y = 4 + i * rowH;
    const label = b.label.length <= 25 ? b.label : keepEnd ? `…${b.label.slice(b.label.length - 24)}` : `${b.label.slice(0, 24)}…`;
    return html`<g><title>${b.label}: ${groupDigits(b.value)}</title><text x="${labelWidth - 6}" y="${y + 15}" text-anchor="end">${label}</text><rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${b.colour}" rx="2"></rect><text x="${labelWidth + w + 6}" y="${y + 15}" class="muted">${groupDigits(b.value)}</text></g>`;
  });
  return html`<figure><figcaption>${title}</figcaption><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">${rows}</svg></figure>`;
}

function timelineChart(t: Timeline): Safe {
  const title = 'Timeline: flows by first seen';
  if (t.bins.length === 0) return html`<figure><figcaption>${title}</figcaption><p class="none">No flows.</p></figure>`;
  const width = 380;
  const height = 170;
  const left = 40;
  const bottom = 24;
  const plotW = width - left - 10;
  const plotH = height - bottom - 10;
  const totals = t.bins.map((b) => FINDING_ORDER.reduce((a, f) => a + (b.flows[f] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const colW = plotW / t.bins.length;
  const cols = t.bins.map((b, i) => {
    let y = 10 + plotH;
    const x = left + i * colW;
    const stack = [...FINDING_ORDER].reverse().map((f) => {
      const n = b.flows[f] ?? 0;
      if (n === 0) return html``;
      const h = (n / max) * plotH;
      y -= h;
      return html`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(1, colW - 1).toFixed(2)}" height="${h.toFixed(2)}" fill="${FINDING_COLOUR[f]}"></rect>`;
    });
    return html`<g><title>${shortTime(b.start)} UTC: ${groupDigits(totals[i] ?? 0)} flows</title>${stack}</g>`;
  });
  const first = t.bins[0]!.start;
  const lastBin = t.bins[t.bins.length - 1]!.start;
  const legend = FINDING_ORDER.map((f) => html`<span><i style="background:${FINDING_COLOUR[f]}"></i>${FINDING_LABEL[f]}</span>`);
  return html`<figure><figcaption>${title}</figcaption><svg viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${title}">
<line x1="${left}" y1="${10 + plotH}" x2="${left + plotW}" y2="${10 + plotH}" stroke="#d0d7de"></line>
<text x="${left - 6}" y="16" text-anchor="end" class="muted">${groupDigits(max)}</text><text x="${left - 6}" y="${10 + plotH}" text-anchor="end" class="muted">0</text>
${cols}
<text x="${left}" y="${height - 6}" class="muted">${shortTime(first)}</text><text x="${left + plotW}" y="${height - 6}" text-anchor="end" class="muted">${shortTime(lastBin)}</text>
</svg><div class="legend">${legend}<span class="none">bins of ${t.binSeconds} s, UTC</span></div></figure>`;
}

function findingsTable(rows: readonly ServiceRow[]): Safe {
  return html`<table><thead><tr><th>finding</th><th>service</th><th>flows</th><th>reachability</th><th>first seen</th><th>last seen</th><th>reason</th></tr></thead><tbody>${rows.map(
    (s) =>
      html`<tr><td>${pill(s.finding)}</td><td class="key">${s.key}</td><td class="n">${groupDigits(s.flows)}</td><td>${s.reachability}${s.reachability === 'mixed' ? ` (${s.blocked} blocked)` : ''}</td><td>${shortTime(s.first)}</td><td>${shortTime(s.last)}</td><td class="reason">${s.reason}</td></tr>`,
  )}</tbody></table>`;
}

function brokenTable(rows: readonly ServiceRow[]): Safe {
  return html`<table><thead><tr><th>service</th><th>blocked</th><th>first seen</th><th>last seen</th><th>blocked by</th><th>reason</th></tr></thead><tbody>${rows.map(
    (s) =>
      html`<tr><td class="key">${s.key}</td><td class="n">${groupDigits(s.blocked)} of ${groupDigits(s.flows)}</td><td>${shortTime(s.first)}</td><td>${shortTime(s.last)}</td><td>${blockedBy(s).map(
        (b) => html`${b.what}${b.rule !== null ? html` <b>${b.rule}</b>` : ''} (${b.flows})<br>`,
      )}}</td><td class="reason">${s.reason}</td></tr>`,
  )}</tbody></table>`;
}

function servicesTable(rows: readonly ServiceRow[]): Safe {
  return html`<table><thead><tr><th>service</th><th>finding</th><th>status</th><th>flows</th><th>allowed</th><th>blocked</th><th>bytes</th><th>rules and examples</th></tr></thead><tbody>${rows.map(
    (s) =>
      html`<tr><td class="key">${s.key}</td><td>${pill(s.finding)}</td><td>${s.status}</td><td class="n">${groupDigits(s.flows)}</td><td class="n">${groupDigits(s.allowed)}</td><td class="n">${groupDigits(s.blocked)}</td><td class="n">${humanBytes(s.bytes)}</td><td>${s.rules.join(', ')}<details><summary>${s.examples.length} example${s.examples.length === 1 ? '' : 's'}</summary>${s.examples.map(
        (e) =>
          html`<pre>${e.flow}: ${e.client} → ${e.server} at ${e.first}, ${e.outcome} (${e.evidence.file}${e.evidence.line !== undefined ? `:${e.evidence.line}` : e.evidence.offset !== undefined ? `@0x${e.evidence.offset.toString(16)}` : ''})\n${e.reason}</pre>`,
      )}</details></td></tr>`,
  )}</tbody></table>`;
}

export function renderHtml(report: Report): string {
  const t = report.totals;
  const title = `portolan ${report.command} report`;
  const findings = report.services.filter((s) => s.finding !== 'ok');
  const cards = FINDING_ORDER.map(
    (f) =>
      html`<div class="card" style="--c:${FINDING_COLOUR[f]}"><div class="n">${groupDigits(report.counts.flows.byFinding[f])}</div><div class="l">${FINDING_LABEL[f]}</div><div class="d">${severityOf(f)} · ${groupDigits(report.counts.services.byFinding[f])} service${report.counts.services.byFinding[f] === 1 ? '' : 's'} · ${FINDING_MEANING[f]}</div></div>`,
  );
  const severityBars = FINDING_ORDER.map((f) => ({ label: FINDING_LABEL[f], value: report.counts.flows.byFinding[f], colour: FINDING_COLOUR[f] }));
  const undocumented = report.services
    .filter((s) => s.finding === 'undocumented')
    .sort((a, b) => b.flows - a.flows || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, TOP_UNDOCUMENTED)
    .map((s) => ({ label: s.key, value: s.flows, colour: FINDING_COLOUR.undocumented }));

  let findingsHtml: Safe;
  if (findings.length === 0) {
    findingsHtml = html`<p class="none">No findings: every flow is documented and behaves as documented.</p>`;
  } else if (report.ordering === 'firewall-review') {
    findingsHtml = html`${AUDIT_SECTION_TITLES.map((heading, section) => {
      const rows = findings.filter((s) => auditSection(s) === section);
      if (rows.length === 0) return html``;
      return html`<h3>${heading} (${rows.length})</h3>${section === 0 ? brokenTable(rows) : findingsTable(rows)}`;
    })}`;
  } else {
    findingsHtml = findingsTable(findings);
  }

  const shown = report.services.slice(0, HTML_SERVICES_SHOWN);
  const coverage =
    report.coverage.length === 0
      ? html`<p class="none">No product rule matched any flow.</p>`
      : html`<table><thead><tr><th>product</th><th>from → to</th><th>rules seen (flows)</th><th>never seen</th></tr></thead><tbody>${report.coverage.map((c) =>
          c.roles.map(
            (r) =>
              html`<tr><td>${c.name} <span class="none">(${c.rulesSeen} of ${c.rules})</span></td><td>${r.from} → ${r.to}</td><td>${r.seen.map((x) => `${x.rule} (${x.flows})`).join(', ')}</td><td class="none">${r.neverSeen.join(', ')}</td></tr>`,
          ),
        )}</tbody></table>`;
  const anomalies =
    report.anomalies.length === 0
      ? html`<p class="none">None.</p>`
      : html`<table><thead><tr><th>code</th><th>severity</th><th>count</th><th>first example</th></tr></thead><tbody>${report.anomalies.map(
          (a) => html`<tr><td>${a.code}</td><td>${a.severity}</td><td class="n">${groupDigits(a.count)}</td><td>${a.examples[0]?.message ?? ''}</td></tr>`,
        )}</tbody></table>`;
  const inputs = report.generatedFrom.inputs.map(
    (i) => html`<li><b>${i.name}</b> (${i.format}, ${groupDigits(i.records)} records, ${groupDigits(i.flows)} flows${i.damage !== null ? html`, <b>damaged</b>: ${i.damage.message}` : ''})</li>`,
  );

  const body = html`<header>
<h1>${title}</h1>
<p class="meta"><b>${groupDigits(t.flows)}</b> flows, ${groupDigits(t.packets)} packets, ${humanBytes(t.bytes)} in <b>${groupDigits(t.services)}</b> services${report.generatedFrom.first !== null ? html`, ${shortTime(report.generatedFrom.first)} to ${shortTime(report.generatedFrom.last)} UTC` : ''}</p>
<p class="meta">Catalog: ${report.catalog.products.map((p) => p.name).join(', ')} (sha256 ${report.catalog.hash.slice(0, 16)}) · ${report.inventory === null ? 'no inventory: rules matched by port alone' : html`inventory <b>${report.inventory.file}</b> (${report.inventory.entries} entries)`}${Object.keys(report.params).length > 0 ? html` · params ${Object.entries(report.params).map(([k, v]) => `${k}=${v}`).join(', ')}` : ''}</p>
</header>
<main>
<section class="cards">${cards}</section>
<section class="charts">
${barChart('Flows by finding', severityBars, 'No flows.')}
${barChart('Top undocumented services (flows)', undocumented, 'No undocumented traffic.', true)}
${timelineChart(report.timeline)}
</section>
<h2>Findings${report.ordering === 'firewall-review' ? ', ordered for a firewall review' : ', worst first'} (${findings.length})</h2>
${findingsHtml}
<h2>Services (${report.services.length})</h2>
${servicesTable(shown)}
${shown.length < report.services.length ? html`<p class="none">${report.services.length - shown.length} more services in the JSON report.</p>` : ''}
<h2>Catalog coverage</h2>
${coverage}
<h2>Inputs</h2>
<ul>${inputs}</ul>
<h2>Input anomalies</h2>
${anomalies}
${report.limits.length > 0 ? html`<h2>Limits reached</h2><ul>${report.limits.map((l) => html`<li>${l.message}</li>`)}</ul>` : ''}
</main>
<footer>portolan ${report.tool.version} · report schema ${report.schemaVersion} · ${report.command} (${report.ordering})</footer>`;
  return htmlPage(title, CSS, body);
}
