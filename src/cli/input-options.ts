/**
 * Options about reading inputs, shared by every command that reads captures and logs (`flows`,
 * `analyze`, `audit`): the forced log format, iptables prefix mappings, the AWS VPC Flow Logs
 * field list of header-less files, and extra FTP control ports. Checked here, so a mistake is
 * one usage line (exit 2) naming the option and the value.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { parseAwsVpcFieldList } from '../ingest/logs/aws-vpc.js';
import type { LogOptions } from '../ingest/logs/format.js';
import { logFormatNames } from '../ingest/logs/registry.js';

type Action = LogOptions['prefixActions'][number]['action'];

/** Words accepted after `=` in `--prefix-action`: the two actions and the usual firewall verbs. */
const ACTION_WORDS: Readonly<Record<string, Action>> = {
  allowed: 'allowed',
  allow: 'allowed',
  accept: 'allowed',
  accepted: 'allowed',
  permit: 'allowed',
  pass: 'allowed',
  denied: 'denied',
  deny: 'denied',
  drop: 'denied',
  dropped: 'denied',
  reject: 'denied',
  rejected: 'denied',
  block: 'denied',
  blocked: 'denied',
};

export interface InputOptionValues {
  /** `--input-format`: a registry name. */
  inputFormat?: string;
  /** Log options the user set (`prefixActions`, `awsVpcFields`). */
  log: Partial<LogOptions>;
  /** `--ftp-port`: extra FTP control ports. */
  ftpPorts: number[];
}

/** Declares the input options on a command. */
export function inputOptions(y: Argv): Argv {
  return y
    .option('input-format', {
      type: 'string',
      requiresArg: true,
      describe: `read every text input as this log format instead of sniffing it (${logFormatNames().join(', ')})`,
    })
    .option('prefix-action', {
      type: 'string',
      array: true,
      nargs: 1,
      requiresArg: true,
      describe: 'iptables/nftables log prefix → action, PREFIX=allowed or PREFIX=denied (case-insensitive substring, checked before the built-in words; repeatable)',
    })
    .option('aws-vpc-fields', {
      type: 'string',
      requiresArg: true,
      describe: 'field list of AWS VPC Flow Logs files without a header line, as given to AWS ("${version} ${srcaddr} ...") or as names',
    })
    .option('year', {
      type: 'string',
      requiresArg: true,
      describe: 'year of log lines whose time stamp has none (RFC 3164 syslog, Cisco) [default: the year stated by stamps in the file, else the current year]',
    })
    .option('utc-offset', {
      type: 'string',
      requiresArg: true,
      describe: 'zone of log times written without one (RFC 3164 syslog, Windows Firewall), as +HH:MM or -HH:MM east of UTC [default: +00:00]',
    })
    .option('ftp-port', {
      type: 'string',
      array: true,
      nargs: 1,
      requiresArg: true,
      describe: 'another TCP port carrying FTP control channels, besides 21 and those the catalog states (repeatable)',
    });
}

function list(v: unknown): unknown[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function single(v: unknown, option: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) throw new UsageError(`--${option} was given more than once`);
  return String(v);
}

/** `PREFIX=allowed|denied` → a prefix mapping. */
export function parsePrefixAction(text: string): { match: string; action: Action } {
  const eq = text.lastIndexOf('=');
  const match = eq < 0 ? '' : text.slice(0, eq).trim();
  const word = eq < 0 ? '' : text.slice(eq + 1).trim().toLowerCase();
  if (eq < 0 || match.length === 0) {
    throw new UsageError(`--prefix-action ${JSON.stringify(text)}: write it as PREFIX=allowed or PREFIX=denied, e.g. --prefix-action FW-IN-X=denied`);
  }
  const action = ACTION_WORDS[word];
  if (action === undefined) throw new UsageError(`--prefix-action ${JSON.stringify(text)}: the action must be allowed or denied, not ${JSON.stringify(word)}`);
  return { match, action };
}

/** Checks an AWS VPC Flow Logs field list; names the first field AWS does not define. */
export function checkAwsVpcFields(text: string): string {
  if (parseAwsVpcFieldList(text) !== undefined) return text;
  const tokens = text.trim().split(/\s+/).filter((t) => t.length > 0);
  const unknown = tokens.find((t) => parseAwsVpcFieldList(`srcaddr ${t}`) === undefined);
  const why =
    unknown !== undefined
      ? `${JSON.stringify(unknown)} is not an AWS VPC Flow Logs field`
      : tokens.length < 2
        ? 'give at least two fields'
        : 'the list names neither srcaddr nor pkt-srcaddr';
  throw new UsageError(`--aws-vpc-fields: ${why} (write the custom format as AWS shows it, e.g. "\${version} \${srcaddr} \${dstaddr} ...")`);
}

/** `+01:00`, `-0500`, `+2`, `Z` → minutes east of UTC. */
export function parseUtcOffset(text: string): number {
  const t = text.trim();
  if (t === 'Z' || t === 'UTC') return 0;
  const m = /^([+-])(\d{1,2})(?::?(\d{2}))?$/.exec(t);
  const hours = m === null ? NaN : Number(m[2]);
  const minutes = m === null ? NaN : Number(m[3] ?? '0');
  if (m === null || hours > 14 || minutes > 59) throw new UsageError(`--utc-offset ${JSON.stringify(text)}: write it as +HH:MM or -HH:MM, e.g. --utc-offset +01:00`);
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/** Reads and checks the input options. */
export function parseInputOptions(args: Record<string, unknown>): InputOptionValues {
  const out: InputOptionValues = { log: {}, ftpPorts: [] };
  const inputFormat = single(args['input-format'], 'input-format');
  if (inputFormat !== undefined) {
    const names = logFormatNames();
    if (!names.includes(inputFormat)) throw new UsageError(`--input-format ${JSON.stringify(inputFormat)}: not a log format (formats: ${names.join(', ')})`);
    out.inputFormat = inputFormat;
  }
  const prefixes = list(args['prefix-action']).map((v) => parsePrefixAction(String(v)));
  if (prefixes.length > 0) out.log.prefixActions = prefixes;
  const year = single(args['year'], 'year');
  if (year !== undefined) {
    if (!/^(19[7-9]\d|2\d{3})$/.test(year.trim())) throw new UsageError(`--year ${JSON.stringify(year)}: give a four-digit year, e.g. --year 2024`);
    out.log.assumeYear = Number(year.trim());
    out.log.yearGiven = true;
  }
  const offset = single(args['utc-offset'], 'utc-offset');
  if (offset !== undefined) out.log.utcOffsetMinutes = parseUtcOffset(offset);
  const aws = single(args['aws-vpc-fields'], 'aws-vpc-fields');
  if (aws !== undefined) out.log.awsVpcFields = checkAwsVpcFields(aws);
  for (const v of list(args['ftp-port'])) {
    const text = String(v).trim();
    const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new UsageError(`--ftp-port ${JSON.stringify(String(v))}: give a TCP port from 1 to 65535`);
    if (!out.ftpPorts.includes(port)) out.ftpPorts.push(port);
  }
  return out;
}
