import type { Command } from 'commander';
import { registerBackfillCommand } from './backfill.js';
import { registerBenchCommand } from './bench.js';
import { registerClassifyCommand } from './classify.js';
import { registerFramesCommand } from './frames.js';
import { registerModelBuildCommand } from './model-build.js';
import { registerModelFetchCommand } from './model-fetch.js';
import { registerModelPullCommand } from './model-pull.js';
import { registerModelRandomCommand } from './model-random.js';
import { registerModelRunCommand } from './model-run.js';
import { registerReindexCommand } from './reindex.js';
import { registerRetryCommand } from './retry.js';
import { registerServeCommand } from './serve.js';
import { registerTokenizeCommand } from './tokenize.js';
import { registerUpgradeTableCommand } from './upgrade-table.js';

/** Every CLI command registers itself here; each lives in its own module. */
export function registerCommands(program: Command): void {
  registerBackfillCommand(program);
  registerBenchCommand(program);
  registerClassifyCommand(program);
  registerFramesCommand(program);
  registerModelBuildCommand(program);
  registerModelFetchCommand(program);
  registerModelPullCommand(program);
  registerModelRandomCommand(program);
  registerModelRunCommand(program);
  registerReindexCommand(program);
  registerRetryCommand(program);
  registerServeCommand(program);
  registerTokenizeCommand(program);
  registerUpgradeTableCommand(program);
}
