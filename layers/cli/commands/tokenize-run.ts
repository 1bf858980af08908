import { ClipTokenizer } from '../../xclip/tokenizer.js';

/** `xclip tokenize`, imported when it runs. */
export function run(texts: string[], options: { vocab: string; contextLength?: number }): void {
  const tokenizer = ClipTokenizer.fromDirectory(options.vocab);
  const rows = texts.map((text) => tokenizer.encode(text));
  const ids = options.contextLength ? rows.map((row) => tokenizer.truncate(row, options.contextLength)) : rows;
  process.stdout.write(`${JSON.stringify(ids)}\n`);
}
