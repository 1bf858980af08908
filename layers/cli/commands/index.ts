import type { Command } from 'commander';
import { registerModelBuildCommand } from './model-build.js';
import { registerModelRunCommand } from './model-run.js';

/** Every CLI command registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
  registerModelBuildCommand(program);
  registerModelRunCommand(program);
}
