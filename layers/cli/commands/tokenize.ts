import type { Command } from 'commander';
import { ClipTokenizer } from '../../xclip/tokenizer.js';

export function registerTokenizeCommand(program: Command): void {
  program
    .command('tokenize')
    .description('CLIP BPE token ids of each text as a JSON array of id arrays (BOS/EOS included, not padded)')
    .requiredOption('--vocab <dir>', 'directory with vocab.json and merges.txt')
    .argument('<text...>', 'texts to tokenize')
    .action((texts: string[], options: { vocab: string }) => {
      const tokenizer = ClipTokenizer.fromDirectory(options.vocab);
      process.stdout.write(`${JSON.stringify(texts.map((text) => tokenizer.encode(text)))}\n`);
    });
}
