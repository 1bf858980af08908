import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';
import { integerIn } from '../options.js';

export function registerTokenizeCommand(program: Command): void {
  program
    .command('tokenize')
    .description('CLIP BPE token ids of each text as a JSON array of id arrays (BOS/EOS included, not padded)')
    .requiredOption('--vocab <dir>', 'directory with vocab.json and merges.txt')
    .option(
      '--context-length <n>',
      'truncate as the model does: the first n-1 ids and the end-of-text id (the model takes 77)',
      integerIn(2, 1_000_000),
    )
    .argument('<text...>', 'texts to tokenize')
    .action(lazyAction(() => import('./tokenize-run.js')));
}
