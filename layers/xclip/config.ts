import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { XclipError } from '../common/errors.js';

/** Activations of Hugging Face's ACT2FN that the converter can express in ONNX. */
export const ACTIVATIONS = [
  'quick_gelu',
  'gelu',
  'gelu_new',
  'gelu_pytorch_tanh',
  'gelu_fast',
  'relu',
  'silu',
  'swish',
  'tanh',
  'sigmoid',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const positiveInt = z.number().int().positive();
const activation = z.enum(ACTIVATIONS);

// Defaults are HF's XCLIP*Config defaults (transformers configuration_x_clip.py), which are also
// microsoft/xclip-base-patch32's values. Unknown keys are kept out: HF configs carry many we ignore.
const textConfigSchema = z.object({
  vocab_size: positiveInt.default(49408),
  hidden_size: positiveInt.default(512),
  intermediate_size: positiveInt.default(2048),
  num_hidden_layers: positiveInt.default(12),
  num_attention_heads: positiveInt.default(8),
  max_position_embeddings: positiveInt.default(77),
  hidden_act: activation.default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
});

const visionConfigSchema = z.object({
  hidden_size: positiveInt.default(768),
  intermediate_size: positiveInt.default(3072),
  num_hidden_layers: positiveInt.default(12),
  num_attention_heads: positiveInt.default(12),
  mit_hidden_size: positiveInt.default(512),
  mit_intermediate_size: positiveInt.default(2048),
  mit_num_hidden_layers: positiveInt.default(1),
  mit_num_attention_heads: positiveInt.default(8),
  num_channels: positiveInt.default(3),
  image_size: positiveInt.default(224),
  patch_size: positiveInt.default(32),
  num_frames: positiveInt.default(8),
  hidden_act: activation.default('quick_gelu'),
  layer_norm_eps: z.number().positive().default(1e-5),
});

const xclipConfigSchema = z.object({
  projection_dim: positiveInt.default(512),
  prompt_layers: z.number().int().nonnegative().default(2),
  prompt_alpha: z.number().default(0.1),
  prompt_hidden_act: activation.default('quick_gelu'),
  prompt_num_attention_heads: positiveInt.default(8),
  logit_scale_init_value: z.number().default(2.6592),
  text_config: textConfigSchema.default(textConfigSchema.parse({})),
  vision_config: visionConfigSchema.default(visionConfigSchema.parse({})),
});

export type XclipVisionConfig = z.infer<typeof visionConfigSchema>;
export type XclipConfig = z.infer<typeof xclipConfigSchema>;

export class InvalidConfigError extends XclipError {
  constructor(source: string, why: string) {
    super('INVALID_CONFIG', `invalid X-CLIP config ${source}`, why);
  }
}

function checkDivisible(source: string, what: string, size: number, heads: number): void {
  if (size % heads !== 0)
    throw new InvalidConfigError(source, `${what}: hidden size ${size} is not divisible by ${heads} heads`);
}

/**
 * Parses an HF XCLIPConfig object: omitted keys take HF's defaults, and the legacy
 * `text_config_dict` / `vision_config_dict` keys override `text_config` / `vision_config` as HF does.
 */
export function parseXclipConfig(raw: unknown, source = 'config.json'): XclipConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidConfigError(source, 'not a JSON object');
  const input = { ...(raw as Record<string, unknown>) };
  for (const side of ['text', 'vision'] as const) {
    const legacy = input[`${side}_config_dict`];
    if (legacy && typeof legacy === 'object') {
      input[`${side}_config`] = { ...((input[`${side}_config`] as object | undefined) ?? {}), ...legacy };
    }
    if (input[`${side}_config`] === null) delete input[`${side}_config`];
  }
  const parsed = xclipConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidConfigError(source, `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const config = parsed.data;
  const { text_config: text, vision_config: vision } = config;
  checkDivisible(source, 'text_config', text.hidden_size, text.num_attention_heads);
  checkDivisible(source, 'vision_config', vision.hidden_size, vision.num_attention_heads);
  checkDivisible(source, 'vision_config.mit', vision.mit_hidden_size, vision.mit_num_attention_heads);
  checkDivisible(source, 'prompt generator', config.projection_dim, config.prompt_num_attention_heads);
  if (vision.mit_hidden_size !== config.projection_dim) {
    throw new InvalidConfigError(
      source,
      `vision_config.mit_hidden_size (${vision.mit_hidden_size}) must equal projection_dim (${config.projection_dim})`,
    );
  }
  if (vision.image_size % vision.patch_size !== 0) {
    throw new InvalidConfigError(
      source,
      `image_size ${vision.image_size} is not a multiple of patch_size ${vision.patch_size}`,
    );
  }
  return config;
}

export function readXclipConfig(path: string): XclipConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(
      path,
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidConfigError(path, `not valid JSON: ${(error as Error).message}`);
  }
  return parseXclipConfig(raw, path);
}

/** Patches per frame side and in total. */
export function patchGrid(vision: XclipVisionConfig): { side: number; count: number } {
  const side = vision.image_size / vision.patch_size;
  return { side, count: side * side };
}
