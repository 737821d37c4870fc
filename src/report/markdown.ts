/**
 * The report as GitHub-flavoured Markdown (tables per https://github.github.com/gfm/#tables-extension-):
 * summary, findings (audit: in firewall-review sections), services, catalog coverage, anomalies.
 * Every cell from input is escaped (escape.ts `markdownCell`): no raw HTML, no broken tables.
 */
import { severityOf } from '../classify/classify.js';
import { AUDIT_SECTION_TITLES, auditSection, blockedBy } from './build.js';
import { markdownCell as md } from './escape.js';
import { FINDING_LABEL, FINDING_MEANING, groupDigits, humanBytes, shortTime } from './format.js';
import { FINDING_ORDER, type Report, type ServiceRow } from './types.js';

/** Service rows listed before "N more" (the JSON report lists all). */
export const MARKDOWN_SERVICES_SHOWN = 500;

function table(head: string[], rows: string[][], align: Array<'l' | 'r'> = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function findingRows(rows: readonly ServiceRow[]): string[][] {
  return rows.map((s) => [
    s.severity,
    FINDING_LABEL[s.finding],
    md(s.key),
    groupDigits(s.flows),
    s.reachability,
    shortTime(s.first),
    shortTime(s.last),
    md(s.reason),
  ]);
}

const FINDING_HEAD = ['severity', 'finding', 'service', 'flows', 'reachability', 'first seen', 'last seen', 'reason'];
const FINDING_ALIGN: Array<'l' | 'r'> = ['l', 'l', 'l', 'r'];

export function renderMarkdown(report: Report): string {
  const out: string[] = [];
  const t = report.totals;
  out.push(`# portolan ${report.command} report`, '');
  out.push(`- **Flows:** ${groupDigits(t.flows)} (${groupDigits(t.packets)} packets, ${humanBytes(t.bytes)}) in ${groupDigits(t.services)} services`);
  if (report.generatedFrom.first !== null) {
    out.push(`- **Time span:** ${shortTime(report.generatedFrom.first)} to ${shortTime(report.generatedFrom.last)} UTC`);
  }
  out.push(`- **Inputs:** ${report.generatedFrom.inputs.map((i) => `${md(i.name)} (${md(i.format)}, ${groupDigits(i.flows)} flows${i.damage !== null ? `, damaged: ${md(i.damage.message)}` : ''})`).join('; ') || 'none'}`);
  out.push(`- **Catalog:** ${report.catalog.products.map((p) => `${md(p.name)} (${p.rules} rules${p.source !== 'built-in' ? `, from ${md(p.source)}` : ''})`).join(', ')}; sha256 \`${report.catalog.hash.slice(0, 16)}\``);
  out.push(
    `- **Inventory:** ${report.inventory === null ? 'none: rules were matched by port alone, roles not known' : `${md(report.inventory.file)} (${report.inventory.entries} entries)`}`,
  );
  const params = Object.entries(report.params);
  if (params.length > 0) out.push(`- **Parameters:** ${params.map(([k, v]) => `${md(k)}=${v}`).join(', ')}`);
  out.push('', '## Summary', '');
  out.push(
    table(
      ['finding', 'severity', 'flows', 'services', 'meaning'],
      FINDING_ORDER.map((f) => [FINDING_LABEL[f], severityOf(f), groupDigits(report.counts.flows.byFinding[f]), groupDigits(report.counts.services.byFinding[f]), FINDING_MEANING[f]]),
      ['l', 'l', 'r', 'r'],
    ),
  );

  const findings = report.services.filter((s) => s.finding !== 'ok');
  out.push('', '## Findings', '');
  if (findings.length === 0) {
    out.push('No findings: every flow is documented and behaves as documented.');
  } else if (report.ordering === 'firewall-review') {
    for (let section = 0; section < AUDIT_SECTION_TITLES.length; section++) {
      const rows = findings.filter((s) => auditSection(s) === section);
      if (rows.length === 0) continue;
      out.push(`### ${AUDIT_SECTION_TITLES[section]!} (${rows.length})`, '');
      if (section === 0) {
        out.push(
          table(
            ['service', 'blocked', 'first seen', 'last seen', 'blocked by', 'reason'],
            rows.map((s) => [
              md(s.key),
              `${groupDigits(s.blocked)} of ${groupDigits(s.flows)}`,
              shortTime(s.first),
              shortTime(s.last),
              md(blockedBy(s).map((b) => `${b.what}${b.rule !== null ? ` "${b.rule}"` : ''} (${b.flows})`).join(', ')),
              md(s.reason),
            ]),
            ['l', 'r'],
          ),
        );
      } else {
        out.push(table(FINDING_HEAD, findingRows(rows), FINDING_ALIGN));
      }
      out.push('');
    }
  } else {
    out.push(table(FINDING_HEAD, findingRows(findings), FINDING_ALIGN));
  }

  out.push('', '## Services', '');
  const shown = report.services.slice(0, MARKDOWN_SERVICES_SHOWN);
  out.push(
    table(
      ['service', 'finding', 'status', 'flows', 'allowed', 'blocked', 'bytes', 'rules'],
      shown.map((s) => [
        md(s.key),
        FINDING_LABEL[s.finding],
        s.status,
        groupDigits(s.flows),
        groupDigits(s.allowed),
        groupDigits(s.blocked),
        humanBytes(s.bytes),
        md(s.rules.join(', ')),
      ]),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r'],
    ),
  );
  if (shown.length < report.services.length) out.push('', `… ${report.services.length - shown.length} more services in the JSON report.`);

  out.push('', '## Catalog coverage', '');
  if (report.coverage.length === 0) {
    out.push('No product rule matched any flow.');
  } else {
    out.push(
      table(
        ['product', 'roles (from → to)', 'rules seen', 'never seen'],
        report.coverage.flatMap((c) =>
          c.roles.map((r) => [
            md(c.name),
            md(`${r.from} → ${r.to}`),
            md(r.seen.map((x) => `${x.rule} (${x.flows})`).join(', ')),
            md(r.neverSeen.join(', ')),
          ]),
        ),
      ),
    );
  }

  if (report.anomalies.length > 0) {
    out.push('', '## Input anomalies', '');
    out.push(
      table(
        ['code', 'severity', 'count', 'first example'],
        report.anomalies.map((a) => [md(a.code), a.severity, groupDigits(a.count), md(a.examples[0]?.message ?? '')]),
        ['l', 'l', 'r'],
      ),
    );
  }
  if (report.limits.length > 0) {
    out.push('', '## Limits reached', '');
    for (const l of report.limits) out.push(`- ${md(l.message)}`);
  }
  return `${out.join('\n')}\n`;
}
