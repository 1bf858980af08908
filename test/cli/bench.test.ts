import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

test('bench --json prints one object with every DESIGN.md benchmark field', async () => {
  const modelDir = await buildSmallTextModel();
  const reference = await buildSmallTextModel('fp32');
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--model', modelDir, '--runs', '1', '--reference', reference, '--videos', '2', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  for (const stage of ['decode', 'vision', 'score', 'total']) {
    assert.ok(result[stage].medianMs >= result[stage].minMs && result[stage].minMs > 0, stage);
  }
  for (const field of ['textMsPerLabel', 'loadMs', 'peakRssMb', 'threads']) assert.ok(result[field] > 0, field);
  assert.equal(result.precision, 'fp32');
  assert.equal(result.labels, 400);
  assert.equal(result.fidelity.videos, 2);
  assert.ok(result.fidelity.videoEmbedCosine.min > 0.9999, 'same checkpoint and precision agree');
  assert.equal(result.fidelity.top1Agreement, 1);
});

test('bench --throughput times vision + score per batch size on the chosen execution provider', async () => {
  const modelDir = await buildSmallTextModel('int8');
  const run = spawnSync(
    process.execPath,
    [
      'bin/xclip.js',
      'bench',
      '--model',
      modelDir,
      '--throughput',
      '--execution-providers',
      'cpu',
      '--batch-sizes',
      '1,3',
      '--runs',
      '2',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(result.executionProviders, ['cpu']);
  assert.equal(result.precision, 'int8');
  assert.deepEqual(
    result.cases.map((c: { batch: number }) => c.batch),
    [1, 3],
  );
  for (const c of result.cases) {
    assert.equal(c.batchMs.runsMs.length, 2);
    assert.ok(c.videosPerSecond > 0 && Math.abs(c.perVideoMs * c.batch - c.batchMs.medianMs) < 1e-6);
  }
  const badBatch = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--model', modelDir, '--throughput', '--batch-sizes', '1,x'],
    { encoding: 'utf8' },
  );
  assert.notEqual(badBatch.status, 0);
});

test("bench --batch runs a request of n copies of a video through the GPU server's batch path", async () => {
  const modelDir = await buildSmallTextModel();
  const work = mkdtempSync(join(tmpdir(), 'xclip-batch-bench-test-'));
  const video = makeTestVideo(work, 'clip.mp4');
  const run = spawnSync(
    process.execPath,
    [
      'bin/xclip.js',
      'bench',
      '--model',
      modelDir,
      '--batch',
      '5',
      '--video',
      video,
      '--concurrency',
      '2',
      '--max-video-batch',
      '3',
      '--json',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const result = JSON.parse(run.stdout);
  assert.deepEqual(
    [result.videos, result.done, result.failed, result.concurrency, result.maxVideoBatch, result.executionProvider],
    [5, 5, 0, 2, 3, 'cpu'],
  );
  for (const stage of ['decode', 'vision', 'score', 'total'])
    assert.equal(result.perVideo[stage].runsMs.length, 5, stage);
  assert.ok(result.videosPerSecond > 0 && result.wallMs > 0);
  const { p50, p99, max } = result.eventLoopDelayMs;
  assert.ok(p50 > 0 && p50 <= p99 && p99 <= max, 'event loop delay percentiles');
  assert.equal(result.video, video);
  assert.deepEqual([result.skipped, result.failures], [0, []]);

  // A video on another filesystem cannot be hard-linked into the bench's folder: it is linked symbolically.
  const shm = '/dev/shm';
  if (existsSync(shm) && statSync(shm).dev !== statSync(tmpdir()).dev) {
    const elsewhere = join(mkdtempSync(join(shm, 'xclip-bench-')), 'clip.mp4');
    copyFileSync(video, elsewhere);
    const across = spawnSync(
      process.execPath,
      ['bin/xclip.js', 'bench', '--model', modelDir, '--batch', '2', '--video', elsewhere, '--json'],
      { encoding: 'utf8' },
    );
    rmSync(dirname(elsewhere), { recursive: true });
    assert.equal(across.status, 0, across.stderr);
    assert.equal(JSON.parse(across.stdout).done, 2);
  }

  writeFileSync(join(work, 'notes.mp4'), 'not a video');
  const bad = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--model', modelDir, '--batch', '2', '--video', join(work, 'notes.mp4')],
    { encoding: 'utf8' },
  );
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /cannot classify .*notes\.mp4/);
});
