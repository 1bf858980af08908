import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cropOrigin, IMAGENET_MEAN, IMAGENET_STD, resizedSize, toPixelValues } from '../../layers/media/preprocess.js';
import { sampleFrames } from '../../layers/media/views.js';
import { meanAbsoluteError, referenceFrame, videos } from './generated-videos.js';
import { referenceResize } from './reference-resize.js';

const REAL_VIDEOS = join(process.cwd(), '..', 'shared', 'videos', 'real');

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 3);
  return { width, height, data };
}

test('resized size follows Hugging Face: shorter side to the target, longer side truncated', () => {
  assert.deepEqual(resizedSize(1280, 720, 224), { width: 398, height: 224 });
  assert.deepEqual(resizedSize(720, 1280, 224), { width: 224, height: 398 });
  assert.deepEqual(resizedSize(161, 121, 224), { width: 298, height: 224 });
  assert.deepEqual(resizedSize(1, 1, 224), { width: 224, height: 224 });
});

test('reference resize keeps flat colour flat and an image of the same size unchanged', () => {
  const flat = image(97, 61, () => [10, 128, 250]);
  const small = referenceResize(flat, 13, 7);
  assert.ok(small.data.every((v, i) => v === [10, 128, 250][i % 3]));
  const noisy = image(9, 5, (x, y) => [(x * 37 + y * 11) % 256, (x * y * 7) % 256, 3]);
  assert.deepEqual(referenceResize(noisy, 9, 5).data, noisy.data);
});

test('reference resize antialiases: halving averages neighbouring pixel pairs with a triangle kernel', () => {
  // Stripes 0/255 one pixel wide: Pillow's bilinear at 2x reduction gives a near-uniform grey, not stripes.
  const stripes = image(16, 2, (x) => (x % 2 ? [255, 255, 255] : [0, 0, 0]));
  const half = referenceResize(stripes, 8, 2);
  for (let x = 1; x < 7; x++) assert.ok(Math.abs(half.data[x * 3]! - 128) <= 1, `column ${x}: ${half.data[x * 3]}`);
  // Upscaling 2 pixels to 4 interpolates between them with edges clamped, as Pillow does: 0, 64, 191, 255.
  const ramp = referenceResize(
    image(2, 1, (x) => (x ? [255, 255, 255] : [0, 0, 0])),
    4,
    1,
  );
  assert.deepEqual(
    [...ramp.data].filter((_, i) => i % 3 === 0),
    [0, 64, 191, 255],
  );
});

test("reference resize equals Pillow's BILINEAR within one level (golden outputs from Pillow)", () => {
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'pillow-bilinear.json'), 'utf8')) as {
    input: { width: number; height: number };
    resized: { width: number; height: number; rgb: string }[];
  };
  const input = image(golden.input.width, golden.input.height, (x, y) => [
    (x * x * 7 + y * 13) % 256,
    ((x * 31) ^ (y * 17)) % 256,
    ((x + y) * 9 + ((x * y) % 23)) % 256,
  ]);
  for (const expected of golden.resized) {
    const pillow = Buffer.from(expected.rgb, 'base64');
    const ours = referenceResize(input, expected.width, expected.height).data;
    const worst = ours.reduce((max, v, i) => Math.max(max, Math.abs(v - pillow[i]!)), 0);
    assert.ok(worst <= 1, `${expected.width}x${expected.height}: off by ${worst}`);
    assert.ok(meanAbsoluteError(ours, pillow) < 0.05);
  }
});

test('pixel values are the normalised center crop in [T,3,H,W] order', () => {
  const frame = { width: 6, height: 4 };
  assert.deepEqual(cropOrigin(frame, 4, 'center'), { left: 1, top: 0 });
  assert.deepEqual(cropOrigin(frame, 4, 'start'), { left: 0, top: 0 });
  assert.deepEqual(cropOrigin(frame, 4, 'end'), { left: 2, top: 0 });
  const rgb = image(6, 4, (x, y) => [x * 40, y * 60, 255]).data;
  const values = toPixelValues([rgb, rgb], frame, 4);
  assert.equal(values.length, 2 * 3 * 16);
  const at = (t: number, c: number, y: number, x: number) => values[((t * 3 + c) * 4 + y) * 4 + x]!;
  const normalised = (v: number, c: number) => (v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  assert.ok(Math.abs(at(1, 0, 2, 0) - normalised(40, 0)) < 1e-6);
  assert.ok(Math.abs(at(1, 1, 2, 3) - normalised(120, 1)) < 1e-6);
  assert.ok(Math.abs(at(0, 2, 3, 3) - normalised(255, 2)) < 1e-6);
});

/**
 * FFmpeg's RGB at full size (turned by `turn`, a filter), resized by the reference, against what sampling returns
 * for the same frame.
 */
async function assertMatchesReference(
  path: string,
  frame: Uint8Array,
  size: { width: number; height: number },
  full: { width: number; height: number },
  turn = 'null',
): Promise<void> {
  const rgb = await referenceFrame(
    path,
    `${turn},scale=flags=bicubic+accurate_rnd+full_chroma_int+full_chroma_inp,format=rgb24`,
  );
  const reference = referenceResize({ ...full, data: rgb }, size.width, size.height);
  const error = meanAbsoluteError(frame, reference.data);
  assert.ok(error <= 1.0, `mean absolute error ${error.toFixed(3)} > 1.0 for ${path}`);
}

test('the ffmpeg resize matches the reference resize within 1/255 on average', async () => {
  const path = videos.detailedFrame();
  const sampled = await sampleFrames(path, { frames: 2, size: 224 });
  assert.deepEqual(sampled.frameSize, { width: 398, height: 224 });
  await assertMatchesReference(path, sampled.frames[0]!, sampled.frameSize, { width: 640, height: 360 });
});

test('the ffmpeg resize matches the reference on real footage, rotated 4K included', async (t) => {
  const files = [
    ['h264-main-426x240-opus-kinetics-clip.mkv', 426, 240, 'null'],
    // Its display matrix says 90 degrees clockwise.
    ['h264-high-4k60-android-phone-rotate90-aac.mp4', 2160, 3840, 'transpose=clock'],
  ] as const;
  if (!existsSync(REAL_VIDEOS)) return t.skip(`${REAL_VIDEOS} is absent`);
  for (const [name, width, height, turn] of files) {
    const path = join(REAL_VIDEOS, name);
    const sampled = await sampleFrames(path, { frames: 8, size: 224 });
    assert.equal(sampled.times[0], 0);
    await assertMatchesReference(path, sampled.frames[0]!, sampled.frameSize, { width, height }, turn);
  }
});

test("pixel values follow the model's normalisation when it is not ImageNet's", () => {
  const rgb = Uint8Array.from([255, 0, 51]);
  const [r, g, b] = toPixelValues([rgb], { width: 1, height: 1 }, 1, 'center', {
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.25, 0.2],
  });
  assert.ok(Math.abs(r! - 1) < 1e-6);
  assert.ok(Math.abs(g! - -2) < 1e-6);
  assert.ok(Math.abs(b! - -1.5) < 1e-6);
});
