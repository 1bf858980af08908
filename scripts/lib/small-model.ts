import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel } from '../../layers/xclip/build.js';
import { parseXclipConfig } from '../../layers/xclip/config.js';
import type { Precision } from '../../layers/xclip/precision.js';
import { writeRandomModel } from '../../layers/xclip/random-weights.js';

/**
 * A small random X-CLIP with the real CLIP vocabulary and context (so real label text tokenizes),
 * 8 frames of 32x32 in 16 patches: fast enough to build and run in every test that needs text.
 */
export const SMALL_TEXT_CONFIG = parseXclipConfig({
  projection_dim: 16,
  prompt_num_attention_heads: 2,
  text_config: { hidden_size: 24, intermediate_size: 48, num_hidden_layers: 1, num_attention_heads: 2 },
  vision_config: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_frames: 8,
    image_size: 32,
    patch_size: 8,
    mit_hidden_size: 16,
    mit_intermediate_size: 32,
    mit_num_hidden_layers: 1,
    mit_num_attention_heads: 2,
  },
});

/** Writes the small model's HF checkpoint (with CLIP's tokenizer files) and builds it; returns the model directory. */
export async function buildSmallTextModel(precision: Precision = 'fp32', seed = 3): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'xclip-small-'));
  const source = join(work, 'hf');
  writeRandomModel(source, SMALL_TEXT_CONFIG, seed);
  const out = join(work, 'model');
  await buildModel({ from: source, out, precision });
  return out;
}
