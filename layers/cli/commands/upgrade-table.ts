import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';

export function registerUpgradeTableCommand(program: Command): void {
  program
    .command('upgrade-table')
    .description(
      'copy the results of a result table deployed before the sharded indexes into the new one (README, "Table design")',
    )
    .requiredOption('--from <name>', 'the old result table')
    .option('--table <name>', 'the new result table (default: $TABLE_NAME)', process.env.TABLE_NAME)
    .option('--json', 'print the counts as JSON to stdout')
    .action(lazyAction(() => import('./upgrade-table-run.js')));
}
