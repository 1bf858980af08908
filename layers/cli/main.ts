import { Command, CommanderError } from 'commander';
import { describeError } from '../common/errors.js';
import { registerCommands } from './commands/index.js';

/** Builds the `xclip` program. */
function createProgram(): Command {
  const program = new Command('xclip')
    .description('X-CLIP video classification and search with ONNX Runtime')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI and returns the process exit code; errors go to stderr as one line. */
export async function main(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`xclip: ${describeError(error)}\n`);
    return 1;
  }
}
