/**
 * `portolan audit <logs...>`: the analyze pipeline with the report ordered for a firewall review:
 * broken requirements first (documented flows the firewall denies: how often, first and last
 * seen, which rule or policy denied them), then exposures (traffic the documents say to block,
 * allowed), then undocumented allowed traffic, then the rest. Captures are accepted too.
 */
import type { CommandDef } from '../command.js';
import { FINDING_EXIT_CODES, helpEpilog } from '../help.js';
import { analysisOptions, runAnalysis } from './analyze.js';

export const auditCommand: CommandDef = {
  command: 'audit <inputs..>',
  describe: 'review firewall logs: broken requirements first, then exposures, then undocumented allowed traffic',
  builder: (y) =>
    helpEpilog(
      analysisOptions(y, 'firewall or flow logs (captures too; .gz read transparently); - for standard input'),
      [
        ['audit /var/log/kern.log --inventory hosts.json', 'what the firewall breaks, what it lets through'],
        ['audit asa.log --inventory hosts.json --fail-on high -o audit.md', 'Markdown for a change review; exit 1 on high findings'],
        ['audit fw.log --prefix-action FW-IN-X=denied --inventory hosts.json', 'read iptables lines logged with prefix FW-IN-X as denials'],
      ],
      FINDING_EXIT_CODES,
    ),
  run: (args, io) => runAnalysis('audit', args, io),
};
