import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../../layers/cli/main.js';
import { buildModel } from '../../layers/xclip/build.js';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { readSafetensors, type Tensor } from '../../layers/xclip/safetensors.js';
import { assertClose } from '../helpers/tensors.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const TOLERANCE = 1e-4;
const work = mkdtempSync(join(tmpdir(), 'xclip-parity-'));
const modelDir = join(work, 'model');
const inputs = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors;
const expected = readSafetensors(join(FIXTURE, 'expected.safetensors')).tensors;
let runtime: XclipRuntime;

function data(tensors: Map<string, Tensor>, name: string): Float32Array {
  const tensor = tensors.get(name);
  assert.ok(tensor, `tensor ${name} missing`);
  return tensor.data as Float32Array;
}

before(async () => {
  await buildModel({ from: FIXTURE, out: modelDir, precision: 'fp32' });
  runtime = await XclipRuntime.load(modelDir, { threads: 1 });
});
after(() => runtime.release());

test('xclip model run reproduces HF XCLIPModel outputs within 1e-4', async (t) => {
  const out = join(work, 'out.safetensors');
  const code = await main([
    'node',
    'xclip',
    'model',
    'run',
    '--model',
    modelDir,
    '--inputs',
    join(FIXTURE, 'inputs.safetensors'),
    '--out',
    out,
  ]);
  assert.equal(code, 0);
  const outputs = readSafetensors(out).tensors;
  assert.deepEqual([...outputs.keys()].sort(), ['logits_per_video', 'text_embeds', 'video_embeds']);
  for (const name of outputs.keys()) {
    assert.deepEqual(outputs.get(name)!.shape, expected.get(name)!.shape, `${name} shape`);
    const error = assertClose(data(outputs, name), data(expected, name), TOLERANCE, name);
    t.diagnostic(`parity ${name}: max abs error ${error.toExponential(2)}`);
  }
});

test('each graph output matches its HF intermediate within 1e-4', async (t) => {
  const pixels = inputs.get('pixel_values')!;
  const ids = inputs.get('input_ids')!;
  const videos = await runtime.encodeVideos(pixels.data as Float32Array, pixels.shape[0]!);
  const texts = await runtime.encodeTexts(
    ids.data as BigInt64Array,
    inputs.get('attention_mask')!.data as BigInt64Array,
    ids.shape[0]!,
    ids.shape[1]!,
  );
  const pairs: Array<[string, Float32Array]> = [
    ['video_embeds_unnormalized', videos.videoEmbeds],
    ['prompt_visual_tokens', videos.visualTokens],
    ['text_features', texts.features],
  ];
  for (const [name, actual] of pairs) {
    const error = assertClose(actual, data(expected, name), TOLERANCE, name);
    t.diagnostic(`parity ${name}: max abs error ${error.toExponential(2)}`);
  }
});

test('the attention mask and padding length do not change text features', async () => {
  const ids = inputs.get('input_ids')!;
  const [count, length] = ids.shape as [number, number];
  const ones = new BigInt64Array(count * length).fill(1n);
  const masked = await runtime.encodeTexts(
    ids.data as BigInt64Array,
    inputs.get('attention_mask')!.data as BigInt64Array,
    count,
    length,
  );
  const unmasked = await runtime.encodeTexts(ids.data as BigInt64Array, ones, count, length);
  assertClose(unmasked.features, masked.features, 1e-6, 'mask ignored');
});

test('model run rejects a file without the model inputs', async () => {
  const out = join(work, 'bad.safetensors');
  const code = await main([
    'node',
    'xclip',
    'model',
    'run',
    '--model',
    modelDir,
    '--inputs',
    join(FIXTURE, 'expected.safetensors'),
    '--out',
    out,
  ]);
  assert.equal(code, 1);
});
