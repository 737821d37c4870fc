import type { CommandDef } from '../command.js';
import { PortolanError } from '../../errors.js';

// Placeholder until the command lands; replaced by its own issue's work.
export const auditCommand: CommandDef = {
  command: 'audit',
  describe: 'audit (not yet available)',
  builder: (y) => y,
  run: () => Promise.reject(new PortolanError('not-implemented', 'audit is not available yet')),
};
