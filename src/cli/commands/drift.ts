import type { CommandDef } from '../command.js';
import { PortolanError } from '../../errors.js';

// Placeholder until the command lands; replaced by its own issue's work.
export const driftCommand: CommandDef = {
  command: 'drift',
  describe: 'drift (not yet available)',
  builder: (y) => y,
  run: () => Promise.reject(new PortolanError('not-implemented', 'drift is not available yet')),
};
