import assert from 'node:assert/strict';
import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { LanceVectorIndex } from '../../layers/pipeline/adapters/local/lance-vector-index.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { VideoClassifier } from '../../layers/pipeline/core/classifier.js';
import { videoResultSchema } from '../../layers/pipeline/core/result-schema.js';
import { artifactKeysFor } from '../../layers/pipeline/core/storage-keys.js';
import { decodeFloat16, decodeFloat32, encodeFloat16, encodeFloat32 } from '../../layers/pipeline/core/tensor-codec.js';
import { type ClassifyDeps, classifyObject } from '../../layers/pipeline/core/use-cases/classify.js';
import { relabelVideo } from '../../layers/pipeline/core/use-cases/relabel.js';
import { searchVideos, similarVideos } from '../../layers/pipeline/core/use-cases/search.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { videoVectorsOf } from '../../layers/pipeline/core/video-vectors.js';
import { writeLabelFeatures } from '../../layers/xclip/label-features.js';
import { customLabelSet, type LabelSet, resolveLabelSet } from '../../layers/xclip/label-sets.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { folderDeps, resultFor, sourceObject } from './records.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-use-cases-'));
const bucketDir = join(work, 'bucket');
let modelDir: string;
let model: VideoClassifier;
let deps: ClassifyDeps & { results: SqliteResultStore; sources: FsObjectStore; vectors: LanceVectorIndex };
const settings = { labels: resolveLabelSet('k400'), top: 5 };

async function classifyKey(key: string) {
  const info = (await deps.sources.head(key))!;
  return classifyObject(deps, { bucket: deps.sources.bucket, ...info }, settings);
}

before(async () => {
  modelDir = await buildSmallTextModel();
  model = await VideoClassifier.load({
    modelDir,
    threads: 1,
    labelFeatureCacheDir: join(work, 'label-cache'),
  });
  mkdirSync(bucketDir);
  mkdirSync(join(work, 'scratch'));
  makeTestVideo(bucketDir, 'pattern one+ü.mp4');
  copyFileSync(join(bucketDir, 'pattern one+ü.mp4'), join(bucketDir, 'copy of pattern.mp4'));
  makeTestVideo(bucketDir, 'bars.mp4', { pattern: 'smptebars' });
  writeFileSync(join(bucketDir, 'notes.mp4'), 'not a video');
  deps = await folderDeps(work, bucketDir, model);
});
after(async () => {
  deps.results.close();
  await model.release();
});

test('classify stores a versioned result, its embedding and float32 visual tokens; the same version twice leaves one result', async () => {
  const outcome = await classifyKey('pattern one+ü.mp4');
  assert.equal(outcome.status, 'DONE');
  const result = videoResultSchema.parse(
    JSON.parse((await deps.artifacts.get('results/pattern one+ü.mp4.json'))!.toString()),
  );
  assert.equal(result.videoId, videoIdFor(deps.sources.bucket, 'pattern one+ü.mp4'));
  assert.equal(result.labels.length, 5);
  assert.equal(result.video.width, 96);
  assert.deepEqual(result.model, {
    id: model.model.id,
    precision: 'fp32',
    sha256: model.model.sha256,
    executionProvider: 'cpu',
  });
  assert.deepEqual(result.embedding.shape, [16]);
  assert.equal((await deps.artifacts.get(result.embedding.key))!.byteLength, 16 * 4);
  assert.equal(result.visualTokens.dtype, 'float32');
  assert.equal((await deps.artifacts.get(result.visualTokens.key))!.byteLength, result.visualTokens.shape[0]! * 16 * 4);

  const again = await classifyKey('pattern one+ü.mp4');
  assert.equal(again.status, 'SKIPPED');
  assert.equal((await deps.results.list({ limit: 10 })).items.length, 1);
});

test('a folder file is read in place, not copied, and one that changes while it is read stores nothing', async () => {
  const key = 'rewritten.mp4';
  copyFileSync(join(bucketDir, 'bars.mp4'), join(bucketDir, key));
  const read: string[] = [];
  const rewriting = {
    ...deps,
    model: Object.assign(Object.create(model), {
      classifyFile: async (path: string, options: Parameters<VideoClassifier['classifyFile']>[1]) => {
        read.push(path);
        const classified = await model.classifyFile(path, options);
        // A writer appends while the model reads: this version's result must not be stored.
        appendFileSync(path, 'more bytes');
        return classified;
      },
    }) as VideoClassifier,
  };
  const info = (await deps.sources.head(key))!;
  const outcome = await classifyObject(rewriting, { bucket: deps.sources.bucket, ...info }, settings);
  assert.deepEqual(read, [join(bucketDir, key)], 'the watched file itself, no scratch copy');
  assert.equal(outcome.status, 'SKIPPED');
  assert.match((outcome as { reason: string }).reason, /changed while it was read/);
  assert.equal(await deps.artifacts.head(artifactKeysFor(key).result), undefined);
  assert.notEqual((await deps.results.get(outcome.id))!.status, 'DONE');
});

test('segment mode adds a timeline of labelled windows to the result', async () => {
  makeTestVideo(bucketDir, 'long.mp4', { seconds: 3, pattern: 'rgbtestsrc' });
  const info = (await deps.sources.head('long.mp4'))!;
  const outcome = await classifyObject(
    deps,
    { bucket: deps.sources.bucket, ...info },
    { ...settings, top: 2, timelineSeconds: 1 },
  );
  assert.equal(outcome.status, 'DONE');
  const timeline = outcome.status === 'DONE' ? outcome.result.timeline! : [];
  assert.ok(timeline.length >= 2, `${timeline.length} windows`);
  assert.ok(timeline.every((window) => window.labels.length === 2 && window.endSeconds > window.startSeconds));
  assert.deepEqual((await deps.results.get(outcome.id))!.result!.timeline, timeline);
  const relabelled = await relabelVideo(deps, outcome.id, customLabelSet(['juggling', 'surfing']), 2);
  assert.equal(relabelled.timeline, undefined, 'windows labelled with the old set are not kept under the new one');
  assert.equal((await deps.results.get(outcome.id))!.result!.timeline, undefined);
});

test('a file that is not a video ends FAILED with the object named, not the scratch copy', async () => {
  const outcome = await classifyKey('notes.mp4');
  assert.equal(outcome.status, 'FAILED');
  const record = (await deps.results.get(outcome.id))!;
  assert.equal(record.status, 'FAILED');
  assert.ok(['NOT_A_VIDEO', 'CORRUPT_VIDEO'].includes(record.error!.code), record.error!.code);
  assert.match(record.error!.message, /^notes\.mp4 /);
  assert.doesNotMatch(record.error!.message, /scratch/);
});

test('relabel scores stored features through the score graph only: no ffmpeg or ffprobe runs', async () => {
  const labels = customLabelSet(['juggling balls', 'surfing water', 'playing guitar', 'cooking']);
  const id = videoIdFor(deps.sources.bucket, 'pattern one+ü.mp4');
  const direct = await model.classifyFile(join(bucketDir, 'pattern one+ü.mp4'), { labels, top: 4 });

  const marker = join(work, 'media-tool-ran');
  const trap = join(work, 'trap.sh');
  writeFileSync(trap, `#!/bin/sh\ntouch '${marker}'\nexit 1\n`);
  chmodSync(trap, 0o755);
  const saved = { ffmpeg: process.env.FFMPEG_PATH, ffprobe: process.env.FFPROBE_PATH };
  process.env.FFMPEG_PATH = trap;
  process.env.FFPROBE_PATH = trap;
  try {
    const relabelled = await relabelVideo(deps, id, labels, 4);
    assert.equal(relabelled.labelSetId, labels.id);
    assert.deepEqual(
      relabelled.labels.map((l) => l.label),
      direct.labels.map((l) => l.label),
      'same ranking as classifying the file',
    );
    relabelled.labels.forEach((l, i) => {
      assert.ok(Math.abs(l.logit - direct.labels[i]!.logit) < 1e-3, `logit of ${l.label}`);
    });
    const stored = (await deps.results.get(id))!;
    assert.equal(stored.result!.labelSetId, labels.id);
    assert.equal((await deps.results.list({ label: 'cooking', limit: 5 })).items[0]?.id, id);
    const document = JSON.parse((await deps.artifacts.get(artifactKeysFor('pattern one+ü.mp4').result))!.toString());
    assert.equal(document.labelSetId, labels.id);
  } finally {
    process.env.FFMPEG_PATH = saved.ffmpeg ?? '';
    process.env.FFPROBE_PATH = saved.ffprobe ?? '';
    if (saved.ffmpeg === undefined) delete process.env.FFMPEG_PATH;
    if (saved.ffprobe === undefined) delete process.env.FFPROBE_PATH;
  }
  assert.equal(existsSync(marker), false, 'a media tool was started');
});

test('similar finds an identical copy first', async () => {
  await classifyKey('copy of pattern.mp4');
  await classifyKey('bars.mp4');
  const hits = await similarVideos(deps, videoIdFor(deps.sources.bucket, 'pattern one+ü.mp4'), 5);
  assert.equal(hits[0]!.key, 'copy of pattern.mp4');
  assert.ok(Math.abs(hits[0]!.similarity - 1) < 1e-5);
  assert.ok(
    hits.every((hit) => hit.key !== 'pattern one+ü.mp4'),
    'the video itself is excluded',
  );
});

test('text search ranks videos by the video-conditioned score graph, known by construction', async () => {
  // Videos that share one set of visual tokens share the conditioned query direction d, and each
  // one's logit is scale * cos(embedding, d): embeddings at known angles to d have a known order.
  const storeDir = mkdtempSync(join(tmpdir(), 'xclip-search-'));
  const store = {
    results: new SqliteResultStore(':memory:'),
    artifacts: new FsObjectStore(storeDir),
    vectors: await LanceVectorIndex.open({
      directory: join(storeDir, 'vectors'),
      dimension: model.model.projectionDim,
    }),
  };
  const P = model.model.projectionDim;
  const N = model.model.patches;
  const tokens = decodeFloat16(encodeFloat16(Float32Array.from({ length: N * P }, (_, i) => Math.sin(i * 0.7))));
  const query = await model.textFeatures(['surfing water']);
  const probes = new Float32Array(P);
  for (let j = 0; j < P; j++) {
    const basis = new Float32Array(P);
    basis[j] = 1;
    probes[j] = (await model.scoreTexts(basis, tokens, query, 1))[0]!;
  }
  const scale = Math.hypot(...probes);
  const d = probes.map((v) => v / scale);
  const other = Float32Array.from({ length: P }, (_, i) => (i % 3) - 1);
  const along = other.reduce((sum, v, i) => sum + v * d[i]!, 0);
  const u = other.map((v, i) => v - along * d[i]!);
  const uNorm = Math.hypot(...u);

  for (const degrees of [120, 0, 60, 30]) {
    const angle = (degrees * Math.PI) / 180;
    const embedding = d.map((v, i) => Math.cos(angle) * v + (Math.sin(angle) * u[i]!) / uNorm);
    const source = sourceObject(`at ${degrees} degrees.mp4`);
    const id = videoIdFor(source.bucket, source.key);
    const result = resultFor(source, [['surfing water', 0.5]], { P, N });
    await store.artifacts.put(result.embedding.key, encodeFloat32(embedding), 'application/octet-stream');
    await store.artifacts.put(result.visualTokens.key, encodeFloat16(tokens), 'application/octet-stream');
    await store.results.enqueue(id, source, new Date().toISOString());
    await store.results.claim(id, source.version, new Date().toISOString(), '2100-01-01T00:00:00.000Z');
    await store.results.complete(id, source.version, result, new Date().toISOString());
    const vectors = videoVectorsOf(result, embedding);
    await store.vectors.upsert(id, vectors.version, vectors.entries);
  }

  const hits = await searchVideos({ model: async () => model, ...store }, { text: 'surfing water' }, { k: 3 });
  assert.deepEqual(
    hits.map((hit) => hit.key),
    ['at 0 degrees.mp4', 'at 30 degrees.mp4', 'at 60 degrees.mp4'],
  );
  [0, 30, 60].forEach((degrees, i) => {
    assert.ok(
      Math.abs(hits[i]!.score! - scale * Math.cos((degrees * Math.PI) / 180)) < 1e-3 * scale,
      `score at ${degrees} degrees`,
    );
  });
  store.results.close();
});

test('concurrent first uses of a label set encode its texts once', async () => {
  const labels = customLabelSet(['rowing a boat', 'baking bread', 'walking a dog']);
  const encode = model.textFeatures.bind(model);
  let encodes = 0;
  model.textFeatures = async (texts) => {
    encodes++;
    return encode(texts);
  };
  try {
    const [a, b, c] = await Promise.all([
      model.labelFeatures(labels),
      model.labelFeatures(labels),
      model.labelFeatures(labels),
    ]);
    assert.equal(encodes, 1);
    assert.ok(a === b && b === c && a.count === 3);
  } finally {
    model.textFeatures = encode;
  }
});

test('relabel with the label set a video was classified with reproduces its logits within 1e-3, int8 too', async () => {
  const int8 = await VideoClassifier.load({
    modelDir: await buildSmallTextModel('int8'),
    threads: 1,
    labelFeatureCacheDir: join(work, 'label-cache-int8'),
  });
  const results = new SqliteResultStore(':memory:');
  try {
    const int8Deps = {
      ...deps,
      model: int8,
      results,
      artifacts: new FsObjectStore(join(work, 'objects-int8')),
      vectors: await LanceVectorIndex.open({
        directory: join(work, 'vectors-int8'),
        dimension: int8.model.projectionDim,
      }),
    };
    const labels = customLabelSet(['juggling balls', 'surfing water', 'playing guitar', 'cooking', 'dancing']);
    const info = (await deps.sources.head('bars.mp4'))!;
    const outcome = await classifyObject(int8Deps, { bucket: deps.sources.bucket, ...info }, { labels, top: 5 });
    assert.equal(outcome.status, 'DONE');
    const classified = outcome.status === 'DONE' ? outcome.result.labels : [];
    const relabelled = await relabelVideo(int8Deps, outcome.id, labels, 5);
    assert.deepEqual(
      relabelled.labels.map((l) => l.label),
      classified.map((l) => l.label),
    );
    relabelled.labels.forEach((l, i) => {
      assert.ok(Math.abs(l.logit - classified[i]!.logit) < 1e-3, `logit of ${l.label}`);
    });
  } finally {
    results.close();
    await int8.release();
  }
});

test('the label feature cache drops the least recently used sets, in memory and on disk, within its bounds', async () => {
  const sets = ['rowing', 'baking', 'walking'].map((verb) => customLabelSet([`${verb} fast`, `${verb} slow`, verb]));
  const [a, b, c] = sets as [LabelSet, LabelSet, LabelSet];
  const P = model.model.projectionDim;
  const probe = join(work, 'probe.safetensors');
  writeLabelFeatures(probe, a, new Float32Array(3 * P), P);
  const fileBytes = statSync(probe).size;
  const cacheDir = join(work, 'bounded-cache');
  const bounded = await VideoClassifier.load({
    modelDir,
    threads: 1,
    labelFeatureCacheDir: cacheDir,
    // Two sets fit, three do not.
    labelFeatureCacheBytes: { memory: 2 * 3 * P * 4, disk: 2.5 * fileBytes },
  });
  const encode = bounded.textFeatures.bind(bounded);
  let encodes = 0;
  bounded.textFeatures = async (texts) => {
    encodes++;
    return encode(texts);
  };
  const cachedFiles = () =>
    readdirSync(cacheDir, { recursive: true }).filter((name) => String(name).endsWith('.safetensors'));
  try {
    const counts: number[] = [];
    for (const labels of [a, b, a, c, b, a]) {
      await bounded.labelFeatures(labels);
      counts.push(encodes);
      assert.ok(cachedFiles().length <= 2, `${cachedFiles().length} files`);
    }
    // a and b encoded; a from memory; c encoded (b leaves memory, a the disk); b from disk; a encoded again.
    assert.deepEqual(counts, [1, 2, 2, 3, 3, 4]);
  } finally {
    await bounded.release();
  }
});

/** Every vector the index holds of video `id` (the test index is small enough for one query to see them all). */
async function indexedVectors(id: string) {
  const probe = new Float32Array(model.model.projectionDim);
  probe[0] = 1;
  return (await deps.vectors.query(probe, { k: 100 })).filter((hit) => hit.videoId === id);
}

test('classify indexes the video and its timeline windows; search finds moments; relabel updates the indexed labels', async () => {
  makeTestVideo(bucketDir, 'moments.mp4', { seconds: 3, pattern: 'rgbtestsrc' });
  const info = (await deps.sources.head('moments.mp4'))!;
  const outcome = await classifyObject(
    deps,
    { bucket: deps.sources.bucket, ...info },
    { ...settings, timelineSeconds: 1 },
  );
  assert.equal(outcome.status, 'DONE');
  const { id } = outcome;
  const result = (await deps.results.get(id))!.result!;
  const spans = result.timeline!.map(({ startSeconds, endSeconds }) => ({ startSeconds, endSeconds }));
  assert.deepEqual(result.segments!.spans, spans);
  assert.deepEqual(result.segments!.embeddings.shape, [spans.length, 16]);
  assert.equal((await deps.artifacts.get(result.segments!.embeddings.key))!.byteLength, spans.length * 16 * 4);

  const vectors = await indexedVectors(id);
  assert.equal(vectors.length, 1 + spans.length, 'the video and each window');
  const video = vectors.find((hit) => hit.metadata.kind === 'video')!;
  assert.deepEqual(video.metadata, {
    kind: 'video',
    labels: result.labels.map((label) => label.label),
    objectKey: 'moments.mp4',
    completedAt: result.completedAt,
  });

  const search = { ...deps, model: async () => model };
  const [hit] = await searchVideos(
    search,
    { text: 'a colourful test pattern' },
    {
      k: 1,
      moments: 2,
      filter: { labels: [result.labels[0]!.label], completedFrom: result.completedAt },
    },
  );
  assert.equal(hit!.id, id, 'the only video completed since');
  assert.equal(hit!.moments!.length, 2);
  assert.ok(hit!.moments![0]!.score >= hit!.moments![1]!.score, 'best first');
  assert.ok(hit!.moments!.every((moment) => spans.some((span) => span.startSeconds === moment.startSeconds)));

  const byRange = await searchVideos(search, { example: { videoId: id, fromSeconds: 0, toSeconds: 1 } }, { k: 3 });
  assert.ok(byRange.length > 0 && byRange.every((other) => other.id !== id), 'the example itself is left out');

  const relabelled = await relabelVideo(deps, id, customLabelSet(['juggling pins', 'rowing']), 2);
  assert.deepEqual(relabelled.segments, result.segments, 'window embeddings do not depend on labels');
  const names = relabelled.labels.map((label) => label.label);
  for (const vector of await indexedVectors(id)) assert.deepEqual(vector.metadata.labels, names);
  const byLabel = await searchVideos(search, { text: 'juggling' }, { k: 5, filter: { labels: ['juggling pins'] } });
  assert.deepEqual(
    byLabel.map((other) => other.id),
    [id],
  );
});

test('a newer version replaces the indexed vectors; a version that fails leaves none behind', async () => {
  const key = 'replaced.mp4';
  const classifyCurrent = async () => {
    const info = (await deps.sources.head(key))!;
    return classifyObject(deps, { bucket: deps.sources.bucket, ...info }, settings);
  };
  copyFileSync(join(bucketDir, 'pattern one+ü.mp4'), join(bucketDir, key));
  const first = await classifyCurrent();
  assert.equal(first.status, 'DONE');
  makeTestVideo(bucketDir, key, { pattern: 'smptebars', seconds: 3 });
  const second = await classifyCurrent();
  assert.equal(second.status, 'DONE');
  const [video, ...others] = await indexedVectors(second.id);
  assert.equal(others.length, 0, 'one vector, of the newer version');
  const embedding = decodeFloat32((await deps.artifacts.get(artifactKeysFor(key).embedding))!);
  const [nearest] = await deps.vectors.query(embedding, { k: 1, filter: { kind: 'video' } });
  assert.ok(nearest!.videoId === second.id || Math.abs(nearest!.similarity - 1) < 1e-5);
  assert.equal(video!.metadata.completedAt, (second as { result: { completedAt: string } }).result.completedAt);

  writeFileSync(join(bucketDir, key), 'now not a video at all');
  const third = await classifyCurrent();
  assert.equal(third.status, 'FAILED');
  assert.deepEqual(await indexedVectors(third.id), [], 'nothing stale is left to find');
  const hits = await similarVideos(deps, videoIdFor(deps.sources.bucket, 'pattern one+ü.mp4'), 20);
  assert.ok(hits.every((hit) => hit.key !== key));
});

test('an index that cannot be written leaves the video unfinished, and the next delivery indexes it', async () => {
  makeTestVideo(bucketDir, 'index-down.mp4', { pattern: 'mandelbrot' });
  const info = (await deps.sources.head('index-down.mp4'))!;
  const source = { bucket: deps.sources.bucket, ...info };
  const down = Object.assign(Object.create(deps.vectors), {
    upsert: async () => {
      throw new Error('index unavailable');
    },
  }) as LanceVectorIndex;
  await assert.rejects(classifyObject({ ...deps, vectors: down }, source, settings), /index unavailable/);
  const id = videoIdFor(source.bucket, source.key);
  assert.equal((await deps.results.get(id))!.status, 'QUEUED', 'released for the next delivery, not DONE');
  assert.deepEqual(await indexedVectors(id), []);
  assert.equal((await classifyObject(deps, source, settings)).status, 'DONE');
  assert.equal((await indexedVectors(id)).length, 1);
});

test('an image query embeds the picture as a video of that still: close to classifying such a video', async () => {
  // A still picture, and a video showing only it: the same bars each frame, losslessly coded, so both decode
  // to the same pixels.
  const bars = 'smptebars=size=160x120:rate=10';
  const png = join(work, 'still.png');
  writeSyntheticFile(png, { streams: [{ source: `${bars},trim=end_frame=1,format=rgb24`, encoder: 'png' }] });
  const still = join(work, 'still.mkv');
  writeSyntheticFile(still, { streams: [{ source: `${bars},trim=duration=2,format=bgr0`, encoder: 'ffv1' }] });
  const fromImage = await model.embedImage(readFileSync(png));
  const fromVideo = (await model.classifyFile(still)).embedding;
  const cosine = fromImage.reduce((sum, value, i) => sum + value * fromVideo[i]!, 0);
  assert.ok(cosine > 0.99, `cosine ${cosine}`);

  const hits = await searchVideos({ ...deps, model: async () => model }, { image: readFileSync(png) }, { k: 2 });
  assert.equal(hits.length, 2);
  assert.ok(hits[0]!.similarity >= hits[1]!.similarity, 'nearest first');
  await assert.rejects(model.embedImage(readFileSync(still)), { code: 'NOT_AN_IMAGE' });
});
