/**
 * The log-format registry: one entry per format file, in the order sniffing breaks ties.
 * Adding a format = one file in this folder, one line here, fixtures in fixtures/logs/<name>/.
 */
import type { LineFormat, LogFormat } from './format.js';
import { checkpointFormat } from './checkpoint.js';
import { ciscoAsaFormat } from './cisco-asa.js';
import { fortigateFormat } from './fortigate.js';
import { iptablesFormat } from './iptables.js';
import { juniperSrxFormat } from './juniper-srx.js';
import { panosFormat } from './panos.js';
import { pfsenseFormat } from './pfsense.js';
import { sonicwallFormat } from './sonicwall.js';
import { awsVpcFormat } from './aws-vpc.js';
import { azureNsgFormat } from './azure-nsg.js';
import { gcpFirewallFormat } from './gcp-firewall.js';
import { suricataEveFormat } from './suricata-eve.js';
import { windowsFirewallFormat } from './windows-firewall.js';
import { zeekConnFormat } from './zeek-conn.js';

export const logFormats: readonly LogFormat[] = [
  // kernel and firewall syslog formats
  iptablesFormat,
  ciscoAsaFormat,
  pfsenseFormat,
  panosFormat,
  fortigateFormat,
  juniperSrxFormat,
  checkpointFormat,
  sonicwallFormat,
  // cloud, host and flow-log formats
  windowsFirewallFormat,
  awsVpcFormat,
  gcpFirewallFormat,
  azureNsgFormat,
  zeekConnFormat,
  suricataEveFormat,
];

export type LogFormatName = string;

export function findLogFormat(name: string): LogFormat | undefined {
  return logFormats.find((f) => f.name === name);
}

/** The line formats, in registry order. */
export function lineFormats(): LineFormat[] {
  return logFormats.filter((f): f is LineFormat => f.kind === 'lines');
}

/** Registry names, in registry order (for `--input-format` choices and error messages). */
export function logFormatNames(): string[] {
  return logFormats.map((f) => f.name);
}
