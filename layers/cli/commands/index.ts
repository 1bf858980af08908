import type { Command } from 'commander';

/** Every CLI command registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
  void program;
}
