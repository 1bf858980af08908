import type { Command } from 'commander';

/** The `model` parent command (fetch, random, build, run, pull), created by whichever registers first. */
export function modelCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'model') ??
    program.command('model').description('download, build, and run X-CLIP models')
  );
}
