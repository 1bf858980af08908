import { type Command, Option } from 'commander';
import { RANDOM_MODEL_PRESETS } from '../../xclip/random-presets.js';
import { lazyAction } from '../lazy-action.js';
import { integerIn } from '../options.js';
import { modelCommand } from './model.js';

export function registerModelRandomCommand(program: Command): void {
  modelCommand(program)
    .command('random')
    .description('write an HF-format X-CLIP checkpoint (config.json + model.safetensors) with seeded random weights')
    .addOption(new Option('--preset <preset>', 'model sizes').choices(RANDOM_MODEL_PRESETS).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'random seed (same seed, same bytes)', integerIn(0), 0)
    .action(lazyAction(() => import('./model-random-run.js')));
}
