import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../layers/cli/main.js';
import { checkpointLayout } from '../../layers/xclip/checkpoint-layout.js';
import { parseXclipConfig, readXclipConfig } from '../../layers/xclip/config.js';
import { presetConfig, randomTensors, toHfConfigJson, writeRandomModel } from '../../layers/xclip/random-weights.js';
import { elementCount, readSafetensors, SafetensorsFile } from '../../layers/xclip/safetensors.js';

const fixtureDir = 'test/fixtures/xclip-tiny';
const dir = mkdtempSync(join(tmpdir(), 'random-weights-'));

function stats(values: Float32Array): { mean: number; std: number } {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length) };
}

test('the layout of the fixture config is exactly the fixture checkpoint (names and shapes)', () => {
  const file = SafetensorsFile.open(join(fixtureDir, 'model.safetensors'));
  try {
    const layout = checkpointLayout(readXclipConfig(join(fixtureDir, 'config.json')));
    assert.equal(layout.length, 151);
    const fromLayout = Object.fromEntries(layout.map((tensor) => [tensor.name, tensor.shape]));
    const fromFile = Object.fromEntries([...file.tensors].map(([name, info]) => [name, info.shape]));
    assert.deepEqual(fromLayout, fromFile);
  } finally {
    file.close();
  }
});

test('the layout follows every size of the config', () => {
  const layout = checkpointLayout(presetConfig('base-patch32'));
  const shapes = new Map(layout.map((tensor) => [tensor.name, tensor.shape]));
  assert.equal(layout.length, 591);
  assert.deepEqual(shapes.get('vision_model.embeddings.patch_embedding.weight'), [768, 3, 32, 32]);
  assert.deepEqual(shapes.get('vision_model.embeddings.position_embedding.weight'), [50, 768]);
  assert.deepEqual(shapes.get('text_model.embeddings.token_embedding.weight'), [49408, 512]);
  assert.deepEqual(shapes.get('mit.position_embedding'), [1, 8, 512]);
  assert.deepEqual(shapes.get('prompts_visual_projection'), [768, 512]);
  assert.deepEqual(shapes.get('prompts_generator.decoder.1.mlp.0.weight'), [2048, 512]);
  assert.deepEqual(shapes.get('vision_model.encoder.layers.11.message_attn.out_proj.weight'), [768, 768]);
  assert.equal(
    layout.reduce((sum, tensor) => sum + elementCount(tensor.shape), 0),
    196_585_729,
  );

  const odd = parseXclipConfig({
    projection_dim: 12,
    prompt_layers: 1,
    prompt_num_attention_heads: 3,
    text_config: {
      hidden_size: 10,
      num_attention_heads: 5,
      num_hidden_layers: 1,
      max_position_embeddings: 7,
      vocab_size: 11,
    },
    vision_config: {
      hidden_size: 9,
      num_attention_heads: 3,
      num_hidden_layers: 3,
      image_size: 15,
      patch_size: 5,
      num_channels: 1,
      num_frames: 3,
      mit_hidden_size: 12,
      mit_num_attention_heads: 4,
      mit_num_hidden_layers: 2,
    },
  });
  const oddShapes = new Map(checkpointLayout(odd).map((tensor) => [tensor.name, tensor.shape]));
  assert.deepEqual(oddShapes.get('vision_model.embeddings.patch_embedding.weight'), [9, 1, 5, 5]);
  assert.deepEqual(oddShapes.get('vision_model.embeddings.position_embedding.weight'), [10, 9]);
  assert.deepEqual(oddShapes.get('mit.position_embedding'), [1, 3, 12]);
  assert.ok(oddShapes.has('vision_model.encoder.layers.2.message_fc.weight'));
  assert.ok(oddShapes.has('mit.encoder.layers.1.mlp.fc2.bias'));
  assert.ok(!oddShapes.has('prompts_generator.decoder.1.norm1.weight'));
});

test('preset configs: tiny is the fixture config, base-patch32 is HF defaults, every key written out', () => {
  const fixtureJson = JSON.parse(readFileSync(join(fixtureDir, 'config.json'), 'utf8'));
  assert.deepEqual(toHfConfigJson(presetConfig('tiny')), fixtureJson);
  const baseJson = toHfConfigJson(presetConfig('base-patch32'));
  assert.deepEqual(Object.keys(baseJson), Object.keys(fixtureJson).sort());
  assert.deepEqual(parseXclipConfig(baseJson), parseXclipConfig({}));
  assert.equal((baseJson.vision_config as Record<string, unknown>).hidden_size, 768);
});

test('the random tiny model has the fixture layout, F32, format pt, and sensible values', () => {
  const { configPath, modelPath } = writeRandomModel(join(dir, 'tiny'), presetConfig('tiny'), 5);
  assert.deepEqual(readXclipConfig(configPath), readXclipConfig(join(fixtureDir, 'config.json')));
  const random = readSafetensors(modelPath);
  const fixture = SafetensorsFile.open(join(fixtureDir, 'model.safetensors'));
  try {
    assert.deepEqual(random.metadata, { format: 'pt' });
    assert.deepEqual(new Set(random.tensors.keys()), new Set(fixture.tensors.keys()));
    for (const [name, tensor] of random.tensors) {
      assert.equal(tensor.dtype, 'F32', name);
      assert.deepEqual(tensor.shape, fixture.tensors.get(name)!.shape, name);
      assert.ok((tensor.data as Float32Array).every(Number.isFinite), name);
    }
  } finally {
    fixture.close();
  }
  const values = (name: string): Float32Array => random.tensors.get(name)!.data as Float32Array;
  assert.deepEqual([...values('logit_scale')], [Math.fround(2.6592)]);
  const alpha = stats(values('prompts_generator.alpha'));
  assert.ok(Math.abs(alpha.mean - 0.1) < 0.02 && alpha.std > 0.005 && alpha.std < 0.05, JSON.stringify(alpha));
  const layerNorm = stats(values('vision_model.pre_layernorm.weight'));
  assert.ok(
    Math.abs(layerNorm.mean - 1) < 0.1 && layerNorm.std > 0.05 && layerNorm.std < 0.2,
    JSON.stringify(layerNorm),
  );
  const bias = stats(values('vision_model.encoder.layers.0.mlp.fc1.bias'));
  assert.ok(bias.std > 0.005 && bias.std < 0.05, JSON.stringify(bias));
  const embedding = stats(values('text_model.embeddings.token_embedding.weight'));
  assert.ok(Math.abs(embedding.std - 0.02) < 0.002 && Math.abs(embedding.mean) < 0.002, JSON.stringify(embedding));
  // message_fc and prompt-generator Linears use fan_in^-0.5 (HF would leave them at std 1).
  const messageFc = stats(values('vision_model.encoder.layers.1.message_fc.weight'));
  assert.ok(Math.abs(messageFc.std - 32 ** -0.5) < 0.02, JSON.stringify(messageFc));
  const promptMlp = stats(values('prompts_generator.decoder.0.mlp.3.weight'));
  assert.ok(Math.abs(promptMlp.std - 64 ** -0.5) < 0.02, JSON.stringify(promptMlp));
});

test('the normal sampler has the moments and tails of a standard normal', () => {
  const config = parseXclipConfig({
    text_config: { vocab_size: 250_000, hidden_size: 8, num_attention_heads: 1, num_hidden_layers: 1 },
  });
  const tokens = randomTensors(config, 1).next().value![1].data as Float32Array;
  assert.equal(tokens.length, 2_000_000);
  const standard = tokens.map((v) => v / 0.02);
  const { mean, std } = stats(standard);
  assert.ok(Math.abs(mean) < 0.003 && Math.abs(std - 1) < 0.003, JSON.stringify({ mean, std }));
  const tail = (bound: number): number => standard.filter((v) => Math.abs(v) > bound).length / standard.length;
  assert.ok(Math.abs(tail(1) - 0.3173) < 0.002, `P(|z|>1) = ${tail(1)}`);
  assert.ok(Math.abs(tail(2) - 0.0455) < 0.0008, `P(|z|>2) = ${tail(2)}`);
  assert.ok(Math.abs(tail(3.5) - 4.65e-4) < 1e-4, `P(|z|>3.5) = ${tail(3.5)}`); // beyond the ziggurat's base layer
});

test('same seed gives identical bytes, another seed other values; each tensor depends only on seed and name', () => {
  const tiny = presetConfig('tiny');
  const first = readFileSync(writeRandomModel(join(dir, 'a'), tiny, 42).modelPath);
  const again = readFileSync(writeRandomModel(join(dir, 'b'), tiny, 42).modelPath);
  const other = readFileSync(writeRandomModel(join(dir, 'c'), tiny, 43).modelPath);
  assert.ok(first.equals(again));
  // Pinned so that a change of generator, or a Node version whose Math.log/exp differ, is noticed.
  assert.equal(
    createHash('sha256').update(first).digest('hex'),
    'eec5dd7aac1e6499ebdd5cc6b6c05bee2d0364b9a3708dad8d67cce76f74c576',
  );
  assert.equal(other.length, first.length);
  assert.ok(!other.equals(first));

  const twoLayers = new Map(randomTensors(tiny, 42));
  const oneLayer = new Map(randomTensors(parseXclipConfig({ ...toHfConfigJson(tiny), prompt_layers: 1 }), 42));
  const name = 'text_model.encoder.layers.1.mlp.fc1.weight';
  assert.deepEqual(oneLayer.get(name)!.data, twoLayers.get(name)!.data);
});

test('xclip model random writes the same files as the library', async () => {
  const out = join(dir, 'cli');
  assert.equal(await main(['node', 'xclip', 'model', 'random', '--preset', 'tiny', '--out', out, '--seed', '42']), 0);
  const { modelPath } = writeRandomModel(join(dir, 'library'), presetConfig('tiny'), 42);
  assert.ok(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(modelPath)));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')), toHfConfigJson(presetConfig('tiny')));
});
