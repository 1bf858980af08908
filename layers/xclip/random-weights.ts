import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckpointTensor, checkpointLayout } from './checkpoint-layout.js';
import { CLIP_BPE_DIR, CLIP_BPE_VOCAB_SIZE } from './clip-bpe.js';
import { parseXclipConfig, type XclipConfig } from './config.js';
import { PRESET_CONFIGS, type RandomModelPreset } from './random-presets.js';
import { elementCount, type Tensor, writeSafetensors } from './safetensors.js';
import { TOKENIZER_FILES } from './tokenizer.js';

export function presetConfig(preset: RandomModelPreset): XclipConfig {
  return parseXclipConfig(PRESET_CONFIGS[preset], `preset ${preset}`);
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** `config` as HF's `XCLIPConfig.to_dict()` writes it: every key, including those xclip ignores, sorted. */
export function toHfConfigJson(config: XclipConfig): Record<string, unknown> {
  const initializers = { initializer_factor: 1.0, initializer_range: 0.02 };
  return sortedKeys({
    architectures: ['XCLIPModel'],
    initializer_factor: 1.0,
    model_type: 'xclip',
    prompt_attention_dropout: 0.0,
    prompt_projection_dropout: 0.0,
    torch_dtype: 'float32',
    ...config,
    text_config: sortedKeys({
      ...initializers,
      attention_dropout: 0.0,
      bos_token_id: 0,
      eos_token_id: 2,
      pad_token_id: 1,
      model_type: 'xclip_text_model',
      ...config.text_config,
    }),
    vision_config: sortedKeys({
      ...initializers,
      attention_dropout: 0.0,
      drop_path_rate: 0.0,
      model_type: 'xclip_vision_model',
      ...config.vision_config,
    }),
  });
}

/** Normal distribution each tensor is drawn from. */
function initialDistribution(tensor: CheckpointTensor, config: XclipConfig): { mean: number; std: number } {
  const initializerRange = 0.02;
  switch (tensor.role) {
    case 'linear_weight':
      // HF's _init_weights leaves message_fc and the prompt generator's Linears at N(0, 1), which
      // blows activations up; they get the variance-preserving fan_in^-0.5, as the golden fixture does.
      if (tensor.name.startsWith('prompts_generator.') || tensor.name.includes('.message_fc.')) {
        return { mean: 0, std: tensor.shape[1]! ** -0.5 };
      }
      return { mean: 0, std: initializerRange };
    case 'conv_weight':
    case 'embedding':
    case 'projection':
    case 'linear_bias':
    case 'norm_bias':
      return { mean: 0, std: initializerRange };
    case 'norm_weight':
      return { mean: 1, std: 0.1 };
    case 'logit_scale':
      return { mean: config.logit_scale_init_value, std: 0 };
    case 'prompt_alpha':
      return { mean: config.prompt_alpha, std: 0.02 };
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers): `layerBound[i]` is the int32 magnitude
// below which a draw in layer i is accepted outright, `layerWidth[i]` scales it to x,
// `layerDensity[i]` = exp(-x_i^2 / 2) at the layer's edge.
const ZIGGURAT_TAIL = 3.442619855899;
const layerBound = new Int32Array(128);
const layerWidth = new Float64Array(128);
const layerDensity = new Float64Array(128);
{
  const layerArea = 9.91256303526217e-3;
  const int32Scale = 2 ** 31;
  let edge = ZIGGURAT_TAIL;
  let previousEdge = edge;
  const baseWidth = layerArea / Math.exp(-0.5 * edge * edge);
  layerBound[0] = Math.floor((edge / baseWidth) * int32Scale);
  layerWidth[0] = baseWidth / int32Scale;
  layerWidth[127] = edge / int32Scale;
  layerDensity[0] = 1;
  layerDensity[127] = Math.exp(-0.5 * edge * edge);
  for (let i = 126; i >= 1; i--) {
    edge = Math.sqrt(-2 * Math.log(layerArea / edge + Math.exp(-0.5 * edge * edge)));
    layerBound[i + 1] = Math.floor((edge / previousEdge) * int32Scale);
    previousEdge = edge;
    layerDensity[i] = Math.exp(-0.5 * edge * edge);
    layerWidth[i] = edge / int32Scale;
  }
}

/**
 * Standard normals from xoshiro128** through the ziggurat (about twice as fast as Box-Muller or the
 * polar method, which need a logarithm per pair). Seeded from (seed, tensor name), so a tensor's
 * values do not depend on the tensors before it.
 */
class NormalSampler {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number, name: string) {
    // splitmix32 expands the 32-bit hash into the 128-bit state; its outputs are never all zero.
    let counter = fnv1a(`${seed}:${name}`);
    const next = (): number => {
      counter = (counter + 0x9e3779b9) | 0;
      let t = counter ^ (counter >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return t ^ (t >>> 15);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  private nextInt32(): number {
    const result = Math.imul(rotateLeft(Math.imul(this.s1, 5), 7), 9);
    const shifted = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= shifted;
    this.s3 = rotateLeft(this.s3, 11);
    return result;
  }

  /** Uniform in (0, 1). */
  private nextUniform(): number {
    return ((this.nextInt32() >>> 0) + 0.5) * 2 ** -32;
  }

  private nextNormal(): number {
    let draw = this.nextInt32();
    let layer = draw & 127;
    if (Math.abs(draw) < layerBound[layer]!) return draw * layerWidth[layer]!;
    for (;;) {
      if (layer === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.nextUniform()) / ZIGGURAT_TAIL;
          y = -Math.log(this.nextUniform());
        } while (y + y < x * x);
        return draw > 0 ? ZIGGURAT_TAIL + x : -ZIGGURAT_TAIL - x;
      }
      const x = draw * layerWidth[layer]!;
      const density = layerDensity[layer]!;
      if (density + this.nextUniform() * (layerDensity[layer - 1]! - density) < Math.exp(-0.5 * x * x)) return x;
      draw = this.nextInt32();
      layer = draw & 127;
      if (Math.abs(draw) < layerBound[layer]!) return draw * layerWidth[layer]!;
    }
  }

  fill(out: Float32Array, mean: number, std: number): void {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.nextNormal();
  }
}

function rotateLeft(x: number, bits: number): number {
  return (x << bits) | (x >>> (32 - bits));
}

/** The checkpoint of `config` with seeded random F32 weights, one tensor at a time, in layout order. */
export function* randomTensors(config: XclipConfig, seed: number): Generator<[string, Tensor]> {
  for (const tensor of checkpointLayout(config)) {
    const data = new Float32Array(elementCount(tensor.shape));
    const { mean, std } = initialDistribution(tensor, config);
    if (std === 0) data.fill(mean);
    else new NormalSampler(seed, tensor.name).fill(data, mean, std);
    yield [tensor.name, { dtype: 'F32', shape: tensor.shape, data }];
  }
}

/**
 * Writes `config.json` and `model.safetensors` of a random X-CLIP model into `out`; same seed, same
 * bytes. A model with CLIP's vocabulary also gets CLIP's vocab.json and merges.txt, as a hub model has.
 */
export function writeRandomModel(
  out: string,
  config: XclipConfig,
  seed: number,
): { configPath: string; modelPath: string } {
  mkdirSync(out, { recursive: true });
  if (config.text_config.vocab_size === CLIP_BPE_VOCAB_SIZE) {
    for (const file of TOKENIZER_FILES) copyFileSync(join(CLIP_BPE_DIR, file), join(out, file));
  }
  const configPath = join(out, 'config.json');
  const modelPath = join(out, 'model.safetensors');
  writeFileSync(configPath, `${JSON.stringify(toHfConfigJson(config), null, 2)}\n`);
  writeSafetensors(modelPath, randomTensors(config, seed), { format: 'pt' });
  return { configPath, modelPath };
}
