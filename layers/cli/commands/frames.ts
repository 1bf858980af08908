import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';
import { positiveInteger } from '../options.js';

export function registerFramesCommand(program: Command): void {
  program
    .command('frames')
    .description('sample a video as the model sees it: pixel_values f32 [1,T,3,size,size] in a safetensors file')
    .argument('<video>', 'video file')
    .requiredOption('--out <file>', 'output safetensors file')
    .option('--frames <T>', 'frames, one per equal time segment', positiveInteger, 8)
    .option('--size <pixels>', 'shorter side after resizing, and the square crop', positiveInteger, 224)
    .option('--exact', "take each segment's midpoint instead of its cheapest frame (slower)", false)
    .action(lazyAction(() => import('./frames-run.js')));
}
