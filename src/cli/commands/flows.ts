import type { CommandDef } from '../command.js';
import { PortolanError } from '../../errors.js';

// Placeholder until the command lands; replaced by its own issue's work.
export const flowsCommand: CommandDef = {
  command: 'flows',
  describe: 'flows (not yet available)',
  builder: (y) => y,
  run: () => Promise.reject(new PortolanError('not-implemented', 'flows is not available yet')),
};
