import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XclipError } from '../../layers/common/errors.js';
import { buildModel } from '../../layers/xclip/build.js';
import { readSafetensors, type Tensor, writeSafetensors } from '../../layers/xclip/safetensors.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-build-errors-'));

/** A copy of the fixture checkpoint with its tensors changed by `edit`. */
function editedCheckpoint(name: string, edit: (tensors: Map<string, Tensor>) => void): string {
  const dir = join(work, name);
  mkdirSync(dir);
  copyFileSync(join(FIXTURE, 'config.json'), join(dir, 'config.json'));
  const { tensors, metadata } = readSafetensors(join(FIXTURE, 'model.safetensors'));
  edit(tensors);
  writeSafetensors(join(dir, 'model.safetensors'), tensors, metadata);
  return dir;
}

async function buildError(from: string): Promise<XclipError> {
  const out = join(work, 'out');
  const error = await buildModel({ from, out }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof XclipError, `expected an XclipError, got ${String(error)}`);
  assert.ok(!existsSync(out), 'no output directory is left behind');
  assert.deepEqual(
    readdirSync(work).filter((f) => f.startsWith('out.')),
    [],
    'no staging directory is left behind',
  );
  return error;
}

test('missing, unknown and misshapen tensors are all named in one error', async () => {
  const from = editedCheckpoint('broken', (tensors) => {
    tensors.delete('text_projection.weight');
    tensors.delete('prompts_generator.alpha');
    tensors.set('vision_model.extra.weight', { dtype: 'F32', shape: [2], data: new Float32Array(2) });
    tensors.set('logit_scale', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    tensors.set('text_model.embeddings.position_ids', { dtype: 'I64', shape: [1, 16], data: new BigInt64Array(16) });
  });
  const error = await buildError(from);
  assert.match(error.message, /missing tensors: .*prompts_generator\.alpha/);
  assert.match(error.message, /missing tensors: .*text_projection\.weight/);
  assert.match(error.message, /unknown tensors: vision_model\.extra\.weight/);
  assert.match(error.message, /wrong shapes: logit_scale \[1\] \(config implies \[\]\)/);
  assert.doesNotMatch(error.message, /position_ids/);
});

test('a config that is not JSON, a missing checkpoint and impossible sizes are clear errors', async () => {
  const badJson = join(work, 'bad-json');
  mkdirSync(badJson);
  writeFileSync(join(badJson, 'config.json'), '{ not json');
  copyFileSync(join(FIXTURE, 'model.safetensors'), join(badJson, 'model.safetensors'));
  assert.match((await buildError(badJson)).message, /invalid X-CLIP config .*not valid JSON/);

  const noWeights = join(work, 'no-weights');
  mkdirSync(noWeights);
  copyFileSync(join(FIXTURE, 'config.json'), join(noWeights, 'config.json'));
  assert.match((await buildError(noWeights)).message, /model\.safetensors not found/);

  const oddHeads = join(work, 'odd-heads');
  mkdirSync(oddHeads);
  writeFileSync(
    join(oddHeads, 'config.json'),
    JSON.stringify({ vision_config: { hidden_size: 30, num_attention_heads: 4 } }),
  );
  copyFileSync(join(FIXTURE, 'model.safetensors'), join(oddHeads, 'model.safetensors'));
  assert.match((await buildError(oddHeads)).message, /not divisible by 4 heads/);
});
