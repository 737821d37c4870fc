/** The command registry: one file per command, noun before verb (`catalog lookup`). */
import type { CommandDef } from '../command.js';
import { analyzeCommand } from './analyze.js';
import { auditCommand } from './audit.js';
import { catalogCommand } from './catalog.js';
import { driftCommand } from './drift.js';
import { flowsCommand } from './flows.js';

export const commands: readonly CommandDef[] = [analyzeCommand, auditCommand, driftCommand, flowsCommand, catalogCommand];
