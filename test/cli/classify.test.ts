import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-classify-'));
let modelDir: string;
let video: string;

/** With onnxruntime-node's CUDA provider installed (its install script's cuda12 option), CUDA may start here. */
const CUDA_PROVIDER_INSTALLED = existsSync(
  join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')),
    'bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so',
  ),
);

function xclip(...args: string[]) {
  return spawnSync(process.execPath, ['bin/xclip.js', ...args], { encoding: 'utf8' });
}

before(async () => {
  modelDir = await buildSmallTextModel();
  video = makeTestVideo(work, 'pattern clip +1.mp4');
});

test('classify --json gives top labels, a unit embedding and timings', () => {
  const run = xclip('classify', video, '--model', modelDir, '--json', '--top', '3');
  assert.equal(run.status, 0, run.stderr);
  const [result] = JSON.parse(run.stdout) as Array<{
    file: string;
    labelSetId: string;
    labels: Array<{ label: string; score: number }>;
    embedding: number[];
    timings: Record<string, number>;
    video: { width: number };
  }>;
  assert.equal(result!.file, video);
  assert.equal(result!.labelSetId, 'k400');
  assert.equal(result!.labels.length, 3);
  assert.ok(result!.labels[0]!.score >= result!.labels[2]!.score);
  assert.equal(result!.embedding.length, 16);
  assert.ok(Math.abs(Math.hypot(...result!.embedding) - 1) < 1e-5);
  assert.equal(result!.video.width, 96);
  for (const stage of ['decodeMs', 'visionMs', 'scoreMs', 'totalMs']) assert.ok(result!.timings[stage]! >= 0, stage);
});

test('classify prints a table with custom labels and multi-view', () => {
  const run = xclip('classify', video, '--model', modelDir, '--labels', 'juggling,surfing,cooking', '--views', '4x3');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /pattern clip \+1\.mp4/);
  assert.equal(run.stdout.trim().split('\n').length, 4);
  for (const label of ['juggling', 'surfing', 'cooking']) assert.match(run.stdout, new RegExp(`%\\s+${label}`));
});

test('--execution-providers: a provider that cannot start here (CUDA) is skipped with a warning; a malformed list is refused', {
  skip: CUDA_PROVIDER_INSTALLED && "onnxruntime-node's CUDA provider is installed here, so CUDA may start",
}, () => {
  const run = xclip('classify', video, '--model', modelDir, '--execution-providers', 'cuda,cpu', '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /xclip: warning: execution provider cuda is unavailable, falling back to cpu/);
  assert.equal((JSON.parse(run.stdout) as unknown[]).length, 1);
  const bad = xclip('classify', video, '--model', modelDir, '--execution-providers', 'cu da');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /expected provider names like cuda,cpu/);
});

test('one line per failed file and a non-zero exit, the other files still classified', () => {
  const notVideo = join(work, 'notes.mp4');
  writeFileSync(notVideo, 'this is text, not a video');
  const run = xclip('classify', notVideo, video, '--model', modelDir, '--json');
  assert.equal(run.status, 1);
  const results = JSON.parse(run.stdout) as Array<{ file: string; error?: { code: string } }>;
  assert.equal(results.length, 2);
  assert.ok(results[0]!.error);
  assert.ok(!results[1]!.error);
  assert.equal(
    run.stderr
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('xclip: ')).length,
    1,
  );
});

test('unknown label sets and missing models fail with one clear line', () => {
  const badLabels = xclip('classify', video, '--model', modelDir, '--labels', 'k4000');
  assert.equal(badLabels.status, 1);
  assert.match(badLabels.stderr, /^xclip: invalid label set "k4000"/);
  const noModel = xclip('classify', video, '--model', join(work, 'missing'));
  assert.equal(noModel.status, 1);
  assert.match(noModel.stderr, /^xclip: cannot load model/);
});

test('a model whose tokenizer files are damaged fails with the tokenizer error, not "no tokenizer"', () => {
  const damaged = join(work, 'damaged-model');
  cpSync(modelDir, damaged, { recursive: true });
  writeFileSync(join(damaged, 'vocab.json'), '{ not json');
  // Labels whose features are not stored with the model: the tokenizer is read on first use.
  const run = xclip('classify', video, '--model', damaged, '--labels', 'surfing,cooking');
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^xclip: .*vocab\.json/);
  assert.doesNotMatch(run.stderr, /cannot encode label text/);
});
