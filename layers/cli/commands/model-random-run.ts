import type { RandomModelPreset } from '../../xclip/random-presets.js';
import { presetConfig, writeRandomModel } from '../../xclip/random-weights.js';

/** `xclip model random`, imported when it runs. */
export function run(options: { preset: RandomModelPreset; out: string; seed: number }): void {
  const started = performance.now();
  const { modelPath } = writeRandomModel(options.out, presetConfig(options.preset), options.seed);
  process.stderr.write(
    `random ${options.preset} model (seed ${options.seed}) written to ${modelPath} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
