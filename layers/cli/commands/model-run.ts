import type { Command } from 'commander';
import { lazyAction } from '../lazy-action.js';
import { modelCommand } from './model.js';

export function registerModelRunCommand(program: Command): void {
  modelCommand(program)
    .command('run')
    .description('run a built model on pixel_values / input_ids / attention_mask from a safetensors file')
    .requiredOption('--model <dir>', 'built model directory')
    .requiredOption(
      '--inputs <file>',
      'safetensors with pixel_values f32 [B,T,3,H,W], input_ids i64 [C,L], attention_mask i64 [C,L]',
    )
    .requiredOption('--out <file>', 'safetensors to write logits_per_video, video_embeds, text_embeds')
    .action(lazyAction(() => import('./model-run-run.js')));
}
