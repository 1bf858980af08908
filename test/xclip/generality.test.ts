import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildModel } from '../../layers/xclip/build.js';
import { parseXclipConfig } from '../../layers/xclip/config.js';
import { labelFeaturesPath, readLabelFeatures } from '../../layers/xclip/label-features.js';
import { resolveLabelSet } from '../../layers/xclip/label-sets.js';
import { writeRandomModel } from '../../layers/xclip/random-weights.js';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { ClipTokenizer } from '../../layers/xclip/tokenizer.js';
import { assertClose } from '../helpers/tensors.js';

// Every size differs from the fixture and from base-patch32, and every activation is a GELU variant.
const config = parseXclipConfig({
  projection_dim: 32,
  prompt_layers: 1,
  prompt_num_attention_heads: 4,
  prompt_hidden_act: 'gelu',
  text_config: {
    hidden_size: 40,
    intermediate_size: 72,
    num_hidden_layers: 1,
    num_attention_heads: 5,
    hidden_act: 'gelu_new',
    layer_norm_eps: 1e-5,
  },
  vision_config: {
    hidden_size: 48,
    intermediate_size: 96,
    num_hidden_layers: 3,
    num_attention_heads: 3,
    num_frames: 3,
    image_size: 24,
    patch_size: 6,
    mit_hidden_size: 32,
    mit_intermediate_size: 64,
    mit_num_hidden_layers: 2,
    mit_num_attention_heads: 4,
    hidden_act: 'gelu',
    layer_norm_eps: 1e-6,
  },
});
const work = mkdtempSync(join(tmpdir(), 'xclip-general-'));
const modelDir = join(work, 'model');
let runtime: XclipRuntime;

function randomPixels(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31) * 4 - 2;
  });
}

before(async () => {
  const source = join(work, 'hf');
  writeRandomModel(source, config, 7);
  await buildModel({ from: source, out: modelDir, precision: 'fp32' });
  runtime = await XclipRuntime.load(modelDir, { threads: 1 });
});
after(() => runtime.release());

test('a config with other frame count, patch size, layer and head counts and GELU builds and runs', async () => {
  const frameValues = 3 * 3 * 24 * 24;
  const pixels = randomPixels(3 * frameValues, 11);
  const tokenizer = ClipTokenizer.fromDirectory(modelDir);
  const batch = tokenizer.encodeBatch(['playing guitar', 'surfing water', 'a dog'], { padToLongest: true });
  const texts = await runtime.encodeTexts(batch.inputIds, batch.attentionMask, batch.rows, batch.length);
  const all = await runtime.encodeVideos(pixels, 3);
  const scores = await runtime.scoreVideos(all, texts);
  assert.equal(scores.logits.length, 9);
  for (const value of [...all.videoEmbeds, ...all.visualTokens, ...scores.logits, ...scores.textEmbeds])
    assert.ok(Number.isFinite(value));
  assert.ok(new Set(scores.logits).size > 1, 'logits are not all equal');

  const alone = await runtime.encodeVideos(pixels.slice(frameValues, 2 * frameValues), 1);
  const aloneScores = await runtime.scoreVideos(alone, texts);
  assertClose(alone.videoEmbeds, all.videoEmbeds.subarray(32, 64), 1e-5, 'video 1 embedding');
  assertClose(alone.visualTokens, all.visualTokens.subarray(16 * 32, 32 * 32), 1e-5, 'video 1 visual tokens');
  assertClose(aloneScores.logits, scores.logits.subarray(3, 6), 1e-5, 'video 1 logits');
});

test('label features stored at build time equal 77-token padded features', async () => {
  const labels = resolveLabelSet('k400');
  assert.ok(existsSync(labelFeaturesPath(modelDir, 'k400')));
  const stored = readLabelFeatures(labelFeaturesPath(modelDir, 'k400'), labels);
  assert.ok(stored, 'k400 features stored with matching names');
  const tokenizer = ClipTokenizer.fromDirectory(modelDir);
  const sample = labels.names.slice(0, 50);
  const padded = tokenizer.encodeBatch(sample, { contextLength: 77 });
  assert.equal(padded.length, 77);
  const reference = await runtime.encodeTexts(padded.inputIds, padded.attentionMask, padded.rows, padded.length);
  assertClose(stored.subarray(0, 50 * 32), reference.features, 1e-5, 'real-length vs 77-padded features');
});
