import { type Command, Option } from 'commander';
import {
  presetConfig,
  RANDOM_MODEL_PRESETS,
  type RandomModelPreset,
  writeRandomModel,
} from '../../xclip/random-weights.js';
import { integerIn } from '../options.js';
import { modelCommand } from './model.js';

export function registerModelRandomCommand(program: Command): void {
  modelCommand(program)
    .command('random')
    .description('write an HF-format X-CLIP checkpoint (config.json + model.safetensors) with seeded random weights')
    .addOption(new Option('--preset <preset>', 'model sizes').choices(RANDOM_MODEL_PRESETS).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output directory')
    .option('--seed <n>', 'random seed (same seed, same bytes)', integerIn(0), 0)
    .action((options: { preset: RandomModelPreset; out: string; seed: number }) => {
      const started = performance.now();
      const { modelPath } = writeRandomModel(options.out, presetConfig(options.preset), options.seed);
      process.stderr.write(
        `random ${options.preset} model (seed ${options.seed}) written to ${modelPath} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
      );
    });
}
