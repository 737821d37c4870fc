/**
 * `flows --format csv`: RFC 4180, one header row, one row per flow sorted like the JSON output.
 * Nested fields are flattened into the columns below; absent values are empty cells.
 */
import type { Flow } from '../../model.js';
import { csvCell } from '../escape.js';
import { compareFlows } from './record.js';

export const FLOW_CSV_COLUMNS = [
  'id',
  'proto',
  'client_ip',
  'client_port',
  'server_ip',
  'server_port',
  'direction_inferred',
  'first',
  'last',
  'packets_client',
  'packets_server',
  'bytes_client',
  'bytes_server',
  'history',
  'outcome',
  'evidence_file',
  'evidence_offset',
  'evidence_line',
  'vlan',
  'icmp_type',
  'icmp_code',
  'icmp_error_type',
  'icmp_error_code',
  'icmp_error_from',
  'icmp_error_packets',
  'firewall_action',
  'firewall_rule',
  'firewall_direction',
  'firewall_interface',
  'firewall_source',
  'firewall_count',
  'firewall_late_only',
  'app',
] as const;

function appText(f: Flow): string | undefined {
  const a = f.app;
  if (a === undefined) return undefined;
  switch (a.kind) {
    case 'ftp-data':
      return `ftp-data ${a.mode} (control ${a.control})`;
    case 'rpc':
      return `rpc ${a.programName ?? a.program} v${a.version} (control ${a.control})`;
    case 'tftp-data':
      return `tftp-data (control ${a.control})`;
    default:
      return a.kind;
  }
}

export function flowCsvRow(f: Flow): string {
  const cells: Array<string | number | undefined> = [
    f.id,
    f.proto,
    f.client.ip,
    f.client.port,
    f.server.ip,
    f.server.port,
    f.directionInferred ? 'true' : 'false',
    f.first,
    f.last,
    f.packets.client,
    f.packets.server,
    f.bytes.client,
    f.bytes.server,
    f.history,
    f.outcome,
    f.evidence.file,
    f.evidence.offset,
    f.evidence.line,
    f.vlan,
    f.icmp?.type,
    f.icmp?.code,
    f.icmpError?.type,
    f.icmpError?.code,
    f.icmpError?.from,
    f.icmpError?.packets,
    f.firewall?.action,
    f.firewall?.rule,
    f.firewall?.direction,
    f.firewall?.interface,
    f.firewall?.source,
    f.firewall?.count,
    f.firewall?.lateOnly === true ? 'true' : f.firewall !== undefined ? 'false' : undefined,
    appText(f),
  ];
  return `${cells.map((c) => csvCell(c)).join(',')}\r\n`;
}

export function renderFlowsCsv(flows: readonly Flow[]): string {
  let out = `${FLOW_CSV_COLUMNS.join(',')}\r\n`;
  for (const f of [...flows].sort(compareFlows)) out += flowCsvRow(f);
  return out;
}
