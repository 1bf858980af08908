import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { XclipError } from '../../layers/common/errors.js';
import { buildModel } from '../../layers/xclip/build.js';
import { readXclipConfig } from '../../layers/xclip/config.js';
import { PREPROCESSOR_CONFIG_FILE, preprocessingFor, readManifest } from '../../layers/xclip/manifest.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-preprocessing-'));
const config = readXclipConfig(join(FIXTURE, 'config.json'));

function checkpointWith(name: string, processor: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, PREPROCESSOR_CONFIG_FILE), JSON.stringify(processor));
  return dir;
}

test("without preprocessor_config.json the model's frames and size take ImageNet's statistics", () => {
  const preprocessing = preprocessingFor(config, FIXTURE);
  assert.equal(preprocessing.frames, config.vision_config.num_frames);
  assert.equal(preprocessing.size, config.vision_config.image_size);
  assert.deepEqual(preprocessing.mean, [0.485, 0.456, 0.406]);
  assert.deepEqual(preprocessing.std, [0.229, 0.224, 0.225]);
});

test("the checkpoint's image_mean and image_std reach the built model's manifest", async () => {
  const size = config.vision_config.image_size;
  const from = checkpointWith('custom', {
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.25, 0.5, 0.75],
    crop_size: { height: size, width: size },
    size: { shortest_edge: size },
  });
  copyFileSync(join(FIXTURE, 'config.json'), join(from, 'config.json'));
  copyFileSync(join(FIXTURE, 'model.safetensors'), join(from, 'model.safetensors'));
  const out = join(work, 'custom-model');
  await buildModel({ from, out });
  const { preprocessing } = readManifest(out);
  assert.deepEqual(preprocessing.mean, [0.5, 0.5, 0.5]);
  assert.deepEqual(preprocessing.std, [0.25, 0.5, 0.75]);
});

test('a crop size the vision graph cannot take, a zero std or broken JSON is a typed error', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['crop', { crop_size: { height: 7, width: 7 } }, /crop_size 7x7 is not the model's image size/],
    ['std', { image_std: [0.2, 0, 0.2] }, /image_std\.1/],
  ];
  for (const [name, processor, message] of cases) {
    assert.throws(
      () => preprocessingFor(config, checkpointWith(name, processor)),
      (error: unknown) =>
        error instanceof XclipError && error.code === 'INVALID_PREPROCESSOR_CONFIG' && message.test(error.message),
    );
  }
  const broken = join(work, 'broken');
  mkdirSync(broken);
  writeFileSync(join(broken, PREPROCESSOR_CONFIG_FILE), '{ nope');
  assert.throws(() => preprocessingFor(config, broken), /cannot read .*preprocessor_config\.json/);
});
