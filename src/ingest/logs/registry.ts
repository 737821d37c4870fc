/**
 * The log-format registry: one entry per format file, in the order sniffing breaks ties.
 * Adding a format = one file in this folder, one line here, fixtures in fixtures/logs/<name>/.
 */
import type { LogFormat } from './format.js';

export const logFormats: readonly LogFormat[] = [
  // kernel and firewall syslog formats
  // cloud, host and flow-log formats
];

export type LogFormatName = string;

export function findLogFormat(name: string): LogFormat | undefined {
  return logFormats.find((f) => f.name === name);
}
