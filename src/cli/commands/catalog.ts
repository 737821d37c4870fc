import type { CommandDef } from '../command.js';
import { PortolanError } from '../../errors.js';

// Placeholder until the command lands; replaced by its own issue's work.
export const catalogCommand: CommandDef = {
  command: 'catalog',
  describe: 'catalog (not yet available)',
  builder: (y) => y,
  run: () => Promise.reject(new PortolanError('not-implemented', 'catalog is not available yet')),
};
