/**
 * `portolan audit <logs...>`: the analyze pipeline with the report ordered for a firewall review:
 * broken requirements first (documented flows the firewall denies: how often, first and last
 * seen, which rule or policy denied them), then exposures (traffic the documents say to block,
 * allowed), then undocumented allowed traffic, then the rest. Captures are accepted too.
 */
import type { CommandDef } from '../command.js';
import { analysisOptions, runAnalysis } from './analyze.js';

export const auditCommand: CommandDef = {
  command: 'audit <inputs..>',
  describe: 'review firewall logs: broken requirements first, then exposures, then undocumented allowed traffic',
  builder: (y) =>
    analysisOptions(y, 'firewall or flow logs (captures too); - for standard input')
      .example('$0 audit /var/log/kern.log --inventory hosts.json', 'what the firewall breaks, what it lets through')
      .example('$0 audit asa.log --inventory hosts.json --fail-on high -o audit.md', 'Markdown for a change review; exit 1 on high findings'),
  run: (args, io) => runAnalysis('audit', args, io),
};
