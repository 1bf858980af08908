import type { Command } from 'commander';
import { registerModelBuildCommand } from './model-build.js';
import { registerModelFetchCommand } from './model-fetch.js';
import { registerModelRandomCommand } from './model-random.js';
import { registerModelRunCommand } from './model-run.js';
import { registerTokenizeCommand } from './tokenize.js';

/** Every CLI command registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
  registerModelBuildCommand(program);
  registerModelFetchCommand(program);
  registerModelRandomCommand(program);
  registerModelRunCommand(program);
  registerTokenizeCommand(program);
}
