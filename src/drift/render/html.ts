/**
 * Drift as one self-contained HTML page, built with the analyze report's page kit
 * (report/html.ts: its CSS, its head with a Content-Security-Policy that forbids every network
 * request, and its `html` template tag): inline CSS, no script, so the page works offline and
 * cannot be made to load anything. Every string from a report goes through `html`, which escapes
 * interpolations (`htmlEscape`: the HTML spec's "escaping a string" plus the quote, OWASP XSS
 * rule #1) unless they are markup it built.
 */
import type { Finding } from '../../classify/types.js';
import { BASE_CSS, html, htmlPage } from '../../report/html.js';
import type { Safe } from '../../report/html.js';
import { FINDING_COLOUR, FINDING_LABEL, groupDigits } from '../../report/format.js';
import { FINDING_ORDER } from '../../report/types.js';
import type { DriftResult, DriftSeverity, HistoryResult, RunSummary } from '../types.js';
import { DRIFT_KINDS, DRIFT_SEVERITIES } from '../types.js';
import { KIND_TITLE, changesText, itemCells, itemsOfKind, runLabel, runLine, severityCounts, summaryLine } from './words.js';

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

const CSS = `${BASE_CSS}.notes{border:1px solid #f0c36d;background:#fff8e1;border-radius:6px;padding:8px 12px;margin:12px 0}
.notes p{margin:4px 0}
.tl{display:inline-flex;gap:2px;vertical-align:middle}
.tl span{display:inline-block;width:12px;height:14px;border-radius:2px;background:var(--c)}
.tl span.absent{background:none;border:1px dashed var(--line)}
.legend span{margin-right:12px;white-space:nowrap}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;background:var(--c)}
`;

function page(title: string, body: Safe): string {
  return htmlPage(title, CSS, html`${body}
<footer>Made by portolan drift. Self-contained: this page loads nothing from anywhere.</footer>`);
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
