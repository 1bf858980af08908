import { CLIP_BPE_VOCAB_SIZE } from './clip-bpe.js';

// The presets of `xclip model random`, in a module of their own: the CLI lists them without loading the generator.

const TINY = {
  projection_dim: 16,
  prompt_num_attention_heads: 2,
  text_config: {
    hidden_size: 24,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    max_position_embeddings: 16,
    vocab_size: 100,
    layer_norm_eps: 1e-6,
  },
  vision_config: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    image_size: 32,
    patch_size: 8,
    num_frames: 4,
    layer_norm_eps: 1e-4,
    mit_hidden_size: 16,
    mit_intermediate_size: 48,
    mit_num_attention_heads: 2,
  },
} as const;

/**
 * Raw HF configs: `base-patch32` is all HF defaults (= microsoft/xclip-base-patch32), `tiny` the golden fixture's
 * sizes (a 100-token vocabulary: no tokenizer, so it scores only token ids), `tiny-clip` those sizes with CLIP's
 * vocabulary and context, so it gets CLIP's tokenizer files and encodes any label text.
 */
export const PRESET_CONFIGS = {
  'base-patch32': {},
  tiny: TINY,
  'tiny-clip': {
    ...TINY,
    text_config: { ...TINY.text_config, vocab_size: CLIP_BPE_VOCAB_SIZE, max_position_embeddings: 77 },
  },
} as const;

export type RandomModelPreset = keyof typeof PRESET_CONFIGS;
export const RANDOM_MODEL_PRESETS = Object.keys(PRESET_CONFIGS) as RandomModelPreset[];
