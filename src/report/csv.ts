/**
 * Service rows as CSV (RFC 4180: CRLF line ends, a header row, quoted cells where needed), one row
 * per service in the report's order. Cells that a spreadsheet would run as a formula are
 * neutralised (escape.ts `csvCell`).
 */
import { csvCell } from './escape.js';
import type { Report, ServiceRow } from './types.js';

const COLUMNS: ReadonlyArray<readonly [string, (s: ServiceRow) => string | number | null]> = [
  ['key', (s) => s.key],
  ['finding', (s) => s.finding],
  ['severity', (s) => s.severity],
  ['status', (s) => s.status],
  ['reachability', (s) => s.reachability],
  ['client', (s) => s.client.label],
  ['client_addresses', (s) => s.client.addresses.join(' ')],
  ['server', (s) => s.server.label],
  ['server_addresses', (s) => s.server.addresses.join(' ')],
  ['proto', (s) => s.proto],
  ['port', (s) => s.port],
  ['key_rule', (s) => s.keyRule],
  ['rules', (s) => s.rules.join(' ')],
  ['wrong_direction', (s) => s.wrongDirection],
  ['flows', (s) => s.flows],
  ['allowed', (s) => s.allowed],
  ['blocked', (s) => s.blocked],
  ['packets', (s) => s.packets],
  ['bytes', (s) => s.bytes],
  ['first', (s) => s.first],
  ['last', (s) => s.last],
  ['denied_by', (s) => s.deniedBy.map((d) => `${d.source}${d.rule !== null ? `:${d.rule}` : ''}=${d.flows}`).join(' ')],
  ['reason', (s) => s.reason],
];

export function renderCsv(report: Report): string {
  const lines = [COLUMNS.map(([h]) => h).join(',')];
  for (const s of report.services) lines.push(COLUMNS.map(([, get]) => csvCell(get(s))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
