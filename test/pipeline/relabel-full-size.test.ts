// Relabel against classify at the real model size (random base-patch32 weights, int8 as deployed): the stored
// float32 visual tokens must reproduce classify's logits, where float16 tokens once changed the top label.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { VideoClassifier } from '../../layers/pipeline/core/classifier.js';
import { classifyObject } from '../../layers/pipeline/core/use-cases/classify.js';
import { relabelVideo } from '../../layers/pipeline/core/use-cases/relabel.js';
import { buildModel } from '../../layers/xclip/build.js';
import { resolveLabelSet } from '../../layers/xclip/label-sets.js';
import { presetConfig, writeRandomModel } from '../../layers/xclip/random-weights.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-relabel-full-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('at full size (int8), relabel with the classify label set reproduces its top-5 and logits within 1e-3', async () => {
  writeRandomModel(join(work, 'hf'), presetConfig('base-patch32'), 7);
  await buildModel({ from: join(work, 'hf'), out: join(work, 'int8'), precision: 'int8' });
  rmSync(join(work, 'hf'), { recursive: true });
  const bucket = join(work, 'bucket');
  mkdirSync(bucket);
  mkdirSync(join(work, 'scratch'));
  const model = await VideoClassifier.load({ modelDir: join(work, 'int8'), labelFeatureCacheDir: join(work, 'cache') });
  const results = new SqliteResultStore(':memory:');
  try {
    const deps = {
      model,
      sources: new FsObjectStore(bucket),
      artifacts: new FsObjectStore(join(work, 'objects')),
      results,
      vectors: await LanceVectorIndex.open({ directory: join(work, 'vectors'), dimension: model.model.projectionDim }),
      workDir: join(work, 'scratch'),
    };
    const labels = resolveLabelSet('k400');
    for (const pattern of ['testsrc', 'smptebars', 'mandelbrot']) {
      makeTestVideo(bucket, `${pattern}.mp4`, { pattern, size: '320x240' });
      const info = (await deps.sources.head(`${pattern}.mp4`))!;
      const outcome = await classifyObject(deps, { bucket: deps.sources.bucket, ...info }, { labels, top: 5 });
      assert.equal(outcome.status, 'DONE');
      const classified = outcome.status === 'DONE' ? outcome.result.labels : [];
      const relabelled = await relabelVideo(deps, outcome.id, labels, 5);
      assert.deepEqual(
        relabelled.labels.map((l) => l.label),
        classified.map((l) => l.label),
        pattern,
      );
      relabelled.labels.forEach((l, i) => {
        assert.ok(Math.abs(l.logit - classified[i]!.logit) < 1e-3, `${pattern}: logit of ${l.label}`);
      });
    }
  } finally {
    results.close();
    await model.release();
  }
});
