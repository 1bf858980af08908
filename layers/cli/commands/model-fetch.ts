import type { Command } from 'commander';
import { DEFAULT_REPO, DEFAULT_REVISION, DEFAULT_TIMEOUT_MS } from '../../xclip/hub.js';
import { lazyAction } from '../lazy-action.js';
import { positiveNumber } from '../options.js';
import { modelCommand } from './model.js';

export function registerModelFetchCommand(program: Command): void {
  modelCommand(program)
    .command('fetch')
    .description(
      'download an X-CLIP checkpoint (config, safetensors weights, tokenizer, processor config) from the Hugging Face hub; prints its directory',
    )
    .argument('[repo]', 'hub repository', DEFAULT_REPO)
    .option('--revision <revision>', 'branch, tag, commit or refs/pr/N', DEFAULT_REVISION)
    .option('--out <dir>', 'output directory (default: $HF_HOME/xclip/<repo>/<revision>)')
    .option(
      '--timeout <seconds>',
      'give up when the hub sends nothing for this long',
      positiveNumber,
      DEFAULT_TIMEOUT_MS / 1000,
    )
    .action(lazyAction(() => import('./model-fetch-run.js')));
}
