import type { CommandDef } from '../command.js';
import { PortolanError } from '../../errors.js';

// Placeholder until the command lands; replaced by its own issue's work.
export const analyzeCommand: CommandDef = {
  command: 'analyze',
  describe: 'analyze (not yet available)',
  builder: (y) => y,
  run: () => Promise.reject(new PortolanError('not-implemented', 'analyze is not available yet')),
};
