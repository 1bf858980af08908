import type { Command } from 'commander';
import { ClipTokenizer } from '../../xclip/tokenizer.js';
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
    .action((texts: string[], options: { vocab: string; contextLength?: number }) => {
      const tokenizer = ClipTokenizer.fromDirectory(options.vocab);
      const rows = texts.map((text) => tokenizer.encode(text));
      const ids = options.contextLength ? rows.map((row) => tokenizer.truncate(row, options.contextLength)) : rows;
      process.stdout.write(`${JSON.stringify(ids)}\n`);
    });
}
