/**
 * Drift as one self-contained HTML page, in the style of the analyze report (report/html.ts):
 * inline CSS, no script, and a Content-Security-Policy that forbids every network request
 * (`default-src 'none'`), so the page works offline and cannot be made to load anything. Every
 * string from a report goes through the `html` template tag, which escapes interpolations
 * (`htmlEscape`: the HTML spec's "escaping a string" plus the quote, OWASP XSS rule #1) unless
 * they are markup this module built.
 */
import type { Finding } from '../../classify/types.js';
import { htmlEscape } from '../../report/escape.js';
import { FINDING_COLOUR, FINDING_LABEL, groupDigits } from '../../report/format.js';
import { FINDING_ORDER } from '../../report/types.js';
import type { DriftResult, DriftSeverity, HistoryResult, RunSummary } from '../types.js';
import { DRIFT_KINDS, DRIFT_SEVERITIES } from '../types.js';
import { KIND_TITLE, changesText, itemCells, itemsOfKind, runLabel, runLine, severityCounts, summaryLine } from './words.js';

/** Markup that is already safe. Only this module makes it. */
class Safe {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = string | number | Safe | readonly Part[] | null | undefined | false;

function part(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Safe) return v.value;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string') return htmlEscape(v);
  return v.map(part).join('');
}

/** Template tag: literal text is trusted markup; every interpolated value is escaped unless it is `Safe`. */
function html(strings: TemplateStringsArray, ...values: Part[]): Safe {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += part(values[i]) + (strings[i + 1] ?? '');
  return new Safe(out);
}

const SEVERITY_COLOUR: Record<DriftSeverity, string> = {
  high: '#c62828',
  medium: '#ef6c00',
  low: '#00838f',
  info: '#1565c0',
};

const SEVERITY_MEANING: Record<DriftSeverity, string> = {
  high: 'a requirement newly broken, or an exposure newly open',
  medium: 'new undocumented or deprecated traffic, or more of it',
  low: 'documented traffic stopped or changed; worth a look',
  info: 'news: improvements and changes that need no action',
};

const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1280px;margin:0 auto;padding:0 24px}
header{padding-top:24px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.meta{color:var(--muted);margin:2px 0}
.meta b{color:var(--fg);font-weight:600}
.notes{border:1px solid #f0c36d;background:#fff8e1;border-radius:6px;padding:8px 12px;margin:12px 0}
.notes p{margin:4px 0}
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
.tl{display:inline-flex;gap:2px;vertical-align:middle}
.tl span{display:inline-block;width:12px;height:14px;border-radius:2px;background:var(--c)}
.tl span.absent{background:none;border:1px dashed var(--line)}
.legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;background:var(--c)}
.none{color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding-top:24px;padding-bottom:24px}
`;

function page(title: string, body: Safe): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${htmlEscape(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.value}
<footer>Made by portolan drift. Self-contained: this page loads nothing from anywhere.</footer>
</body>
</html>
`;
}

function sevPill(s: DriftSeverity): Safe {
  return html`<span class="pill" style="--c:${SEVERITY_COLOUR[s]}">${s}</span>`;
}

function runMeta(label: string, r: RunSummary): Safe {
  return html`<p class="meta"><b>${label}</b> ${r.file}: ${runLine(r)}</p>`;
}

export function renderDriftHtml(r: DriftResult): string {
  const cards = DRIFT_SEVERITIES.map(
    (s) =>
      html`<div class="card" style="--c:${SEVERITY_COLOUR[s]}"><div class="n">${groupDigits(r.counts.bySeverity[s])}</div><div class="l">${s}</div><div class="d">${SEVERITY_MEANING[s]}</div></div>`,
  );
  const sections = DRIFT_KINDS.map((kind) => {
    const items = itemsOfKind(r, kind);
    if (items.length === 0) return html``;
    return html`<h2>${KIND_TITLE[kind]} (${items.length})</h2><table><thead><tr><th>severity</th><th>${kind.startsWith('rule-') ? 'rule' : 'service'}</th><th>old</th><th>new</th><th>what changed</th></tr></thead><tbody>${items.map(
      (i) => {
        const c = itemCells(i);
        return html`<tr><td>${sevPill(i.severity)}</td><td class="key">${i.key}</td><td>${c.was}</td><td>${c.now}</td><td>${i.summary}</td></tr>`;
      },
    )}</tbody></table>`;
  });
  const notes =
    r.notes.length === 0 ? html`` : html`<div class="notes">${r.notes.map((n) => html`<p><b>Note:</b> ${n}</p>`)}</div>`;
  const body = html`<header><h1>portolan drift</h1>${runMeta('OLD', r.old)}${runMeta('NEW', r.new)}</header>
<main>${notes}<div class="cards">${cards}</div><p>${summaryLine(r)}</p>${
    r.items.length === 0 ? html`<p class="none">Nothing changed between the two runs.</p>` : html``
  }${sections}</main>`;
  return page(`portolan drift: ${r.old.file} → ${r.new.file}`, body);
}

function timelineCells(timeline: ReadonlyArray<Finding | null>, labels: readonly string[]): Safe {
  return html`<span class="tl">${timeline.map((f, i) =>
    f === null
      ? html`<span class="absent" title="${labels[i] ?? ''}: not seen"></span>`
      : html`<span style="--c:${FINDING_COLOUR[f]}" title="${labels[i] ?? ''}: ${FINDING_LABEL[f]}"></span>`,
  )}</span>`;
}

export function renderHistoryHtml(h: HistoryResult): string {
  const labels = h.runs.map((r) => `run ${r.run} (${runLabel(r)})`);
  const dates = h.runs.map(runLabel);
  const legend = html`<p class="legend">${FINDING_ORDER.map((f) => html`<span><i style="--c:${FINDING_COLOUR[f]}"></i>${FINDING_LABEL[f]}</span>`)}<span>▢ not seen</span></p>`;
  const runs = html`<table><thead><tr><th>run</th><th>date</th><th>file</th><th>command</th><th>services</th><th>flows</th><th>catalog</th></tr></thead><tbody>${h.runs.map(
    (r) =>
      html`<tr><td class="n">${r.run}</td><td>${r.date ?? '-'}${r.dateSource === 'report' ? ' (earliest flow)' : ''}</td><td class="key">${r.file}</td><td>${r.command}</td><td class="n">${groupDigits(r.services)}</td><td class="n">${groupDigits(r.flows)}</td><td class="key">${r.catalogHash.slice(0, 12)}${r.catalogChanged ? ' changed' : ''}</td></tr>`,
  )}</tbody></table>`;
  const services = html`<table><thead><tr><th>service</th><th>timeline</th><th>first seen</th><th>last seen</th><th>now</th><th>finding changes</th></tr></thead><tbody>${h.services.map(
    (s) =>
      html`<tr><td class="key">${s.key}</td><td>${timelineCells(s.timeline, labels)}</td><td>${dates[s.firstRun - 1] ?? '-'}</td><td>${dates[s.lastRun - 1] ?? '-'}</td><td><span class="pill" style="--c:${FINDING_COLOUR[s.finding]}">${FINDING_LABEL[s.finding]}</span></td><td>${changesText(s.changes, h.runs)}</td></tr>`,
  )}</tbody></table>`;
  const latest =
    h.latest === null
      ? html``
      : html`<p class="meta">Latest change (${h.latest.old} → ${h.latest.new}): ${severityCounts(h.latest.counts.bySeverity)}.</p>`;
  const body = html`<header><h1>portolan drift history</h1><p class="meta"><b>${h.folder}</b>: ${h.runs.length} runs, ${groupDigits(h.services.length)} services</p>${latest}</header>
<main><h2>Runs</h2>${runs}<h2>Services</h2>${legend}${services}</main>`;
  return page('portolan drift history', body);
}
