import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { type EncodeVideos, VideoBatcher } from '../../layers/xclip/video-batcher.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { maxAbsDiff } from '../helpers/tensors.js';

/** A stand-in vision run over 2 floats per video: the embedding is [sum, batch-size], the tokens [first, last]. */
function fakeEncoder(runs: number[], fail?: (pixelValues: Float32Array, batch: number) => boolean): EncodeVideos {
  return async (pixelValues, batch) => {
    runs.push(batch);
    await sleep(5);
    if (fail?.(pixelValues, batch)) throw new Error(`run of ${batch} failed`);
    const videoEmbeds = new Float32Array(batch * 2);
    const visualTokens = new Float32Array(batch * 2);
    for (let b = 0; b < batch; b++) {
      const [x, y] = [pixelValues[b * 2]!, pixelValues[b * 2 + 1]!];
      videoEmbeds.set([x + y, batch], b * 2);
      visualTokens.set([x, y], b * 2);
    }
    return { batch, videoEmbeds, visualTokens };
  };
}

const video = (n: number, count = 1) => Float32Array.from({ length: count * 2 }, (_, i) => n * 10 + i);

test('requests made while a run is busy share the next run, each getting back its own rows', async () => {
  const runs: number[] = [];
  const batcher = new VideoBatcher(fakeEncoder(runs), 8);
  const results = await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.encodeVideos(video(n), 1)));
  // The first runs alone at once; the other four queued behind it and went together.
  assert.deepEqual(runs, [1, 4]);
  results.forEach((features, i) => {
    const n = i + 1;
    assert.equal(features.batch, 1);
    assert.deepEqual([...features.visualTokens], [n * 10, n * 10 + 1]);
    assert.equal(features.videoEmbeds[0], n * 20 + 1);
  });
});

test('runs hold at most maxBatch videos; a multi-video request keeps its rows together; a larger one runs alone', async () => {
  const runs: number[] = [];
  const batcher = new VideoBatcher(fakeEncoder(runs), 4);
  const [first, multi, ...rest] = await Promise.all([
    batcher.encodeVideos(video(1), 1),
    batcher.encodeVideos(video(2, 3), 3),
    batcher.encodeVideos(video(3), 1),
    batcher.encodeVideos(video(4), 1),
    batcher.encodeVideos(video(5, 6), 6),
  ]);
  assert.deepEqual(runs, [1, 4, 1, 6]);
  assert.equal(first!.batch, 1);
  assert.equal(multi!.batch, 3);
  assert.deepEqual([...multi!.visualTokens], [20, 21, 22, 23, 24, 25]);
  assert.deepEqual(
    rest.map((features) => features.batch),
    [1, 1, 6],
  );
  assert.deepEqual([...rest[1]!.visualTokens], [40, 41]);
});

test('a failed merged run is run again request by request, so only the bad request fails', async () => {
  const runs: number[] = [];
  // Video 2 (its pixels start at 20) breaks any run it is in.
  const batcher = new VideoBatcher(
    fakeEncoder(runs, (pixelValues, batch) => Array.from({ length: batch }, (_, b) => pixelValues[b * 2]).includes(20)),
    2,
  );
  const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.encodeVideos(video(n), 1)));
  assert.deepEqual(runs, [1, 2, 1, 1, 1]);
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  assert.deepEqual(
    [...(outcomes[2] as PromiseFulfilledResult<{ visualTokens: Float32Array }>).value.visualTokens],
    [30, 31],
  );
  // The batcher goes on after a failed run.
  assert.equal((await batcher.encodeVideos(video(9), 1)).batch, 1);
});

test('a batch size below one is refused', () => {
  assert.throws(() => new VideoBatcher(fakeEncoder([]), 0), RangeError);
});

test('on a real model, videos encoded together match each encoded alone', async () => {
  const dir = await buildSmallTextModel();
  const alone = await XclipRuntime.load(dir, { threads: 1 });
  const batched = await XclipRuntime.load(dir, { threads: 1, maxVideoBatch: 4 });
  try {
    const size = alone.frames * 3 * alone.imageSize * alone.imageSize;
    const pixels = [1, 2, 3, 4, 5].map((seed) =>
      Float32Array.from({ length: size }, (_, i) => Math.sin(seed * 7 + i * 0.37)),
    );
    const together = await Promise.all(pixels.map((p) => batched.encodeVideos(p, 1)));
    for (const [i, p] of pixels.entries()) {
      const single = await alone.encodeVideos(p, 1);
      assert.ok(maxAbsDiff(together[i]!.videoEmbeds, single.videoEmbeds) < 1e-5, `video ${i} embeds`);
      assert.ok(maxAbsDiff(together[i]!.visualTokens, single.visualTokens) < 1e-5, `video ${i} tokens`);
    }
  } finally {
    await Promise.all([alone.release(), batched.release()]);
  }
});
