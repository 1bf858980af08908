import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import jpeg from 'jpeg-js';
import { encodeJpeg, readTimeline, sampleFrames, toPixelValues } from '../../layers/media/index.js';
import type { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import type { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { VideoClassifier } from '../../layers/pipeline/core/classifier.js';
import { videoResultSchema } from '../../layers/pipeline/core/result-schema.js';
import { artifactKeysFor, thumbnailKey } from '../../layers/pipeline/core/storage-keys.js';
import { halve, rgbOfPixelValues } from '../../layers/pipeline/core/thumbnails.js';
import { type ClassifyDeps, classifyObject } from '../../layers/pipeline/core/use-cases/classify.js';
import { resolveLabelSet } from '../../layers/xclip/label-sets.js';
import { readManifest } from '../../layers/xclip/manifest.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';
import { folderDeps } from './records.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-thumbnails-'));
const bucketDir = join(work, 'bucket');
let modelDir: string;
let model: VideoClassifier;
let deps: ClassifyDeps & { results: SqliteResultStore; sources: FsObjectStore };

before(async () => {
  modelDir = await buildSmallTextModel();
  model = await VideoClassifier.load({ modelDir, threads: 1 });
  mkdirSync(bucketDir);
  mkdirSync(join(work, 'scratch'));
  makeTestVideo(bucketDir, 'pattern.mp4', { seconds: 3, size: '96x64' });
  makeTestVideo(bucketDir, 'segments.mp4', { seconds: 3, size: '96x64' });
  deps = await folderDeps(work, bucketDir, model);
});
after(async () => {
  deps.results.close();
  await model.release();
});

async function classify(key: string, timelineSeconds?: number) {
  const info = (await deps.sources.head(key))!;
  const outcome = await classifyObject(
    deps,
    { bucket: deps.sources.bucket, ...info },
    { labels: resolveLabelSet('k400'), top: 3, timelineSeconds },
  );
  assert.equal(outcome.status, 'DONE');
  return videoResultSchema.parse(JSON.parse((await deps.artifacts.get(artifactKeysFor(key).result))!.toString()));
}

function decodeJpeg(bytes: Buffer | undefined) {
  assert.ok(bytes, 'the thumbnail is stored');
  assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG');
  return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
}

/** Tile `index` of a decoded frame sheet. */
function tile(
  sheet: { data: Uint8Array; width: number },
  layout: { columns: number; tileWidth: number; tileHeight: number },
  index: number,
) {
  const { columns, tileWidth, tileHeight } = layout;
  const left = (index % columns) * tileWidth;
  const top = Math.floor(index / columns) * tileHeight;
  const out = new Uint8Array(tileWidth * tileHeight * 3);
  for (let y = 0; y < tileHeight; y++)
    out.set(
      sheet.data.subarray(((top + y) * sheet.width + left) * 3, ((top + y) * sheet.width + left + tileWidth) * 3),
      y * tileWidth * 3,
    );
  return out;
}

function meanAbsoluteError(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('a JPEG of an RGB picture decodes back to it, near enough', async () => {
  const width = 40;
  const height = 24;
  const rgb = new Uint8Array(width * height * 3).map((_, i) => ((i % 3) * 80 + Math.floor(i / (width * 3)) * 4) % 256);
  const decoded = decodeJpeg(Buffer.from(await encodeJpeg(rgb, width, height)));
  assert.equal(decoded.width, width);
  assert.equal(decoded.height, height);
  assert.ok(meanAbsoluteError(decoded.data, rgb) < 6);
});

test('halving averages each 2x2 block; an odd last row or column is dropped', () => {
  // 3x3 pixels, one channel value per pixel repeated over R, G and B.
  const values = [0, 10, 99, 20, 30, 99, 99, 99, 99];
  const rgb = Uint8Array.from(values.flatMap((v) => [v, v, v]));
  assert.deepEqual(halve({ rgb, width: 3, height: 3 }), { rgb: Uint8Array.of(15, 15, 15), width: 1, height: 1 });
});

test('the model input of a frame turns back into the frame: the normalisation is undone exactly', () => {
  const size = 8;
  const frame = new Uint8Array(size * size * 3).map((_, i) => (i * 37) % 256);
  const normalization = { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } as const;
  const pixelValues = toPixelValues(
    [frame, frame.map((v) => 255 - v)],
    { width: size, height: size },
    size,
    'center',
    normalization,
  );
  assert.deepEqual([...rgbOfPixelValues(pixelValues, 0, size, normalization)], [...frame]);
  assert.deepEqual([...rgbOfPixelValues(pixelValues, 1, size, normalization)], [...frame.map((v) => 255 - v)]);
});

test('classify stores a poster and one thumbnail per sampled frame, from the frames it decoded', async () => {
  const result = await classify('pattern.mp4');
  const keys = artifactKeysFor('pattern.mp4');
  const { preprocessing } = readManifest(modelDir);
  const sampled = await sampleFrames(join(bucketDir, 'pattern.mp4'), preprocessing);
  assert.ok(result.thumbnails);
  assert.equal(result.thumbnails.contentType, 'image/jpeg');
  assert.equal(result.thumbnails.poster, thumbnailKey(keys, 'poster'));
  assert.deepEqual(
    result.thumbnails.frames,
    sampled.times.map((seconds) => ({ seconds })),
  );

  const { width, height } = sampled.frameSize;
  const poster = decodeJpeg(await deps.artifacts.get(result.thumbnails.poster));
  assert.deepEqual([poster.width, poster.height], [width, height]);
  const middle = sampled.frames[Math.floor(sampled.frames.length / 2)]!;
  assert.ok(meanAbsoluteError(poster.data, middle) < 12, 'the poster is the middle sampled frame');
  assert.ok(
    meanAbsoluteError(
      poster.data,
      middle.map((v) => 255 - v),
    ) > 40,
    'and not any picture',
  );
  const layout = result.thumbnails.frameSheet;
  assert.equal(layout.key, thumbnailKey(keys, 'frames'));
  assert.deepEqual(
    [layout.columns, layout.tileWidth, layout.tileHeight],
    [sampled.frames.length, width >> 1, height >> 1],
    'one row of half-size tiles',
  );
  const sheet = decodeJpeg(await deps.artifacts.get(layout.key));
  assert.deepEqual([sheet.width, sheet.height], [layout.columns * layout.tileWidth, layout.tileHeight]);
  for (const index of result.thumbnails.frames.keys()) {
    const half = halve({ rgb: sampled.frames[index]!, width, height });
    assert.ok(meanAbsoluteError(tile(sheet, layout, index), half.rgb) < 12, `frame ${index}`);
  }
  assert.deepEqual((await deps.results.get(result.videoId))?.result?.thumbnails, result.thumbnails);
});

test('in segment mode there is one thumbnail per timeline window: its middle frame, the crop the model saw', async () => {
  const result = await classify('segments.mp4', 1);
  const { size } = readManifest(modelDir).preprocessing;
  assert.ok(result.timeline && result.thumbnails);
  assert.equal(result.thumbnails.frames.length, result.timeline.length);
  result.timeline.forEach((window, w) => {
    const { seconds } = result.thumbnails!.frames[w]!;
    assert.ok(seconds >= window.startSeconds && seconds < window.endSeconds, `window ${w}`);
  });
  const layout = result.thumbnails.frameSheet;
  assert.deepEqual([layout.tileWidth, layout.tileHeight], [size / 2, size / 2]);
  const sheet = decodeJpeg(await deps.artifacts.get(layout.key));
  const { preprocessing } = readManifest(modelDir);
  const windows = await readTimeline(join(bucketDir, 'segments.mp4'), {
    ...preprocessing,
    normalization: preprocessing,
    windowSeconds: 1,
  });
  windows.forEach((window, w) => {
    const t = Math.floor(window.times.length / 2);
    const seen = halve({
      rgb: rgbOfPixelValues(window.pixelValues, t, size, preprocessing),
      width: size,
      height: size,
    });
    assert.ok(meanAbsoluteError(tile(sheet, layout, w), seen.rgb) < 12, `window ${w}`);
  });
});
