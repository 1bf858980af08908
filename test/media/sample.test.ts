import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CorruptVideoError,
  DecodeTimeoutError,
  NotAVideoError,
  NoVideoStreamError,
  VideoTooLargeError,
  VideoTooLongError,
} from '../../layers/media/errors.js';
import { MediaToolMissingError, mediaTools } from '../../layers/media/tools.js';
import { readMultiView, readPixelValues, readTimeline, sampleFrames } from '../../layers/media/views.js';
import { ffmpegProgramMissing } from './ffmpeg-program.js';
import { meanAbsoluteError, referenceFrame, videos } from './generated-videos.js';

const T = 8;

function assertIncreasing(times: number[]): void {
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `times go back: ${times.join(', ')}`);
}

test('T frames, one inside each equal segment, resized so the shorter side is the size', async () => {
  const sampled = await sampleFrames(videos.basic(), { frames: T, size: 224 });
  assert.deepEqual(sampled.frameSize, { width: 298, height: 224 });
  assert.equal(sampled.frames.length, T);
  assert.ok(sampled.frames.every((frame) => frame.length === 298 * 224 * 3));
  sampled.times.forEach((time, i) => {
    assert.ok(time >= i * 0.25 && time < (i + 1) * 0.25, `frame ${i} at ${time} s`);
  });
});

test('exact sampling takes the segment midpoints', async () => {
  const sampled = await sampleFrames(videos.oneKeyframe(), { frames: 4, size: 32, exact: true });
  assert.deepEqual(sampled.times, [0.25, 0.75, 1.25, 1.75]);
});

test('model input is float32 [T,3,size,size] of finite normalised values', async () => {
  const view = await readPixelValues(videos.basic(), { frames: T, size: 32 });
  assert.deepEqual(view.shape, [T, 3, 32, 32]);
  assert.equal(view.pixelValues.length, T * 3 * 32 * 32);
  assert.ok(view.pixelValues.every((v) => Number.isFinite(v) && v > -2.2 && v < 2.7));
});

test('a single-frame video and one with fewer frames than T still give T frames', async () => {
  const single = await sampleFrames(videos.singleFrame(), { frames: T, size: 32 });
  assert.equal(single.frames.length, T);
  assert.ok(single.frames.every((frame) => meanAbsoluteError(frame, single.frames[0]!) === 0));
  const three = await sampleFrames(videos.threeFrames(), { frames: T, size: 32 });
  assert.equal(three.frames.length, T);
  assertIncreasing(three.times);
  assert.ok(three.times.at(-1)! <= 1, 'no target past the last frame (at 1 s)');
});

test("rotation from the display matrix is applied like ffmpeg's own autorotation", async () => {
  const path = videos.rotated90();
  const sampled = await sampleFrames(path, { frames: 2, size: 48 });
  assert.equal(sampled.probe.stream.rotation, 90);
  assert.deepEqual(sampled.frameSize, { width: 48, height: 64 });
  // Turned as ffmpeg's autorotation turns it, the frame is 48x64 too. Chroma is upsampled before rather than
  // after the turn, hence a few levels apart on this sharp-edged pattern; turned the wrong way it would be far off.
  const upright = await referenceFrame(path, 'transpose=clock,format=rgb24');
  const upsideDown = await referenceFrame(path, 'transpose=cclock,format=rgb24');
  assert.ok(meanAbsoluteError(sampled.frames[0]!, upright) < 8);
  assert.ok(meanAbsoluteError(sampled.frames[0]!, upsideDown) > 40);
});

test('non-square pixels are stretched to the display aspect ratio', async () => {
  const sampled = await sampleFrames(videos.sar2(), { frames: 2, size: 48 });
  assert.deepEqual(sampled.frameSize, { width: 128, height: 48 });
});

test('cover art is skipped for the real video; a file with only cover art has no video', async () => {
  const sampled = await sampleFrames(videos.videoWithCoverArt(), { frames: 4, size: 32 });
  assert.equal(sampled.probe.stream.codec, 'h264');
  await assert.rejects(sampleFrames(videos.coverArtOnly(), { frames: 4, size: 32 }), NoVideoStreamError);
});

test('a late-starting video stream and a clock far from zero are sampled over the video itself', async () => {
  const late = await sampleFrames(videos.lateVideo(), { frames: 4, size: 32 });
  assert.ok(Math.abs(late.probe.stream.start - 1) < 0.05, `video starts at ${late.probe.stream.start}`);
  assert.ok(Math.abs(late.span.end - 2) < 0.05, `span ${late.span.end}`);
  late.times.forEach((time, i) => {
    assert.ok(time >= i * 0.5 - 0.05 && time < (i + 1) * 0.5, `frame ${i} at ${time} s`);
  });
  const far = await sampleFrames(videos.farTimestamps(), { frames: 4, size: 32 });
  assert.ok(far.probe.stream.start >= 1000);
  far.times.forEach((time, i) => {
    assert.ok(time >= i * 0.5 && time < (i + 1) * 0.5, `frame ${i} at ${time} s`);
  });
  // The same picture content as the MP4 made from the same pattern, frame for frame.
  const reference = await sampleFrames(videos.basic(), { frames: 4, size: 32, exact: true });
  far.frames.forEach((frame, i) => {
    assert.ok(meanAbsoluteError(frame, reference.frames[i]!) < 8, `frame ${i}`);
  });
});

test('alpha is flattened onto black; 10-bit and interlaced inputs decode to 8-bit RGB', async () => {
  const alpha = await sampleFrames(videos.alpha(), { frames: 2, size: 48 });
  const frame = alpha.frames[0]!;
  const { width } = alpha.frameSize;
  const leftMax = Math.max(...Array.from({ length: 48 }, (_, y) => frame[(y * width + 2) * 3]!));
  assert.equal(leftMax, 0, 'transparent half is black');
  for (const path of [videos.tenBit(), videos.interlaced()]) {
    const sampled = await sampleFrames(path, { frames: 4, size: 32 });
    assert.equal(sampled.frames.length, 4);
  }
  assert.equal((await sampleFrames(videos.interlaced(), { frames: 1, size: 32 })).probe.stream.interlaced, true);
});

test('a file under the wrong extension is read by its content', async () => {
  const sampled = await sampleFrames(videos.wrongExtension(), { frames: 4, size: 32 });
  assert.match(sampled.probe.container, /matroska/);
});

test('files that are not videos fail with typed errors', async () => {
  await assert.rejects(sampleFrames(videos.empty(), { frames: T, size: 32 }), NotAVideoError);
  await assert.rejects(sampleFrames(videos.text(), { frames: T, size: 32 }), NotAVideoError);
  await assert.rejects(sampleFrames(videos.stillImage(), { frames: T, size: 32 }), NotAVideoError);
  await assert.rejects(sampleFrames(videos.audioOnly(), { frames: T, size: 32 }), NoVideoStreamError);
  await assert.rejects(sampleFrames(videos.truncated(), { frames: T, size: 32 }), CorruptVideoError);
  await assert.rejects(sampleFrames(videos.missingIndex(), { frames: T, size: 32 }), CorruptVideoError);
});

test('limits: size, duration and time', async () => {
  const path = videos.basic();
  await assert.rejects(sampleFrames(path, { frames: T, size: 32, limits: { maxFileBytes: 100 } }), VideoTooLargeError);
  await assert.rejects(
    sampleFrames(path, { frames: T, size: 32, limits: { maxFramePixels: 64 * 47 } }),
    VideoTooLargeError,
  );
  await assert.rejects(
    sampleFrames(path, { frames: T, size: 32, limits: { maxDurationSeconds: 1 } }),
    VideoTooLongError,
  );
  await assert.rejects(sampleFrames(path, { frames: T, size: 32, limits: { probeTimeoutMs: 1 } }), DecodeTimeoutError);
  await assert.rejects(sampleFrames(path, { frames: T, size: 32, limits: { decodeTimeoutMs: 1 } }), DecodeTimeoutError);
});

test('FFMPEG_PATH and FFPROBE_PATH choose the binaries', async () => {
  assert.deepEqual(mediaTools({ FFMPEG_PATH: '/opt/ff/ffmpeg', FFPROBE_PATH: '/opt/ff/ffprobe' }), {
    ffmpeg: '/opt/ff/ffmpeg',
    ffprobe: '/opt/ff/ffprobe',
  });
  assert.deepEqual(mediaTools({}), { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' });
  await assert.rejects(
    sampleFrames(videos.basic(), {
      frames: 2,
      size: 32,
      decoder: 'ffmpeg',
      tools: { ffmpeg: 'ffmpeg', ffprobe: '/nonexistent/ffprobe' },
    }),
    MediaToolMissingError,
  );
});

test('multi-view: C clips x 3 crops, each clip from its own part of every segment', async () => {
  const { views, sampled } = await readMultiView(videos.basic(), { frames: 4, clips: 2, crops: 3, size: 32 });
  assert.equal(sampled.frames.length, 8, 'one decoded frame per segment of every clip');
  assert.equal(views.length, 6);
  assert.ok(views.every((view) => view.pixelValues.length === 4 * 3 * 32 * 32));
  const [first, , , second] = views;
  first!.times.forEach((time, i) => {
    assert.ok(time >= i * 0.5 && time < i * 0.5 + 0.25, `clip 0 frame ${i} at ${time}`);
  });
  second!.times.forEach((time, i) => {
    assert.ok(time >= i * 0.5 + 0.25 && time < (i + 1) * 0.5, `clip 1 frame ${i} at ${time}`);
  });
  assert.notDeepEqual(views[0]!.pixelValues, views[2]!.pixelValues, 'left and right crops differ');
});

test('timeline: one T-frame input per window of S seconds', async () => {
  const windows = await readTimeline(videos.basic(), { frames: 4, windowSeconds: 0.8, size: 32 });
  assert.deepEqual(
    windows.map((w) => [w.start, Number(w.end.toFixed(3))]),
    [
      [0, 0.8],
      [0.8, 1.6],
      [1.6, 2],
    ],
  );
  for (const window of windows) {
    assert.deepEqual(window.shape, [4, 3, 32, 32]);
    assert.ok(window.times.every((time) => time >= window.start - 1e-9 && time < window.end));
  }
});

test('a probe handed over from an earlier sampling of the file is used instead of probing it again', {
  skip: ffmpegProgramMissing(),
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'xclip-probe-count-'));
  const calls = join(dir, 'calls');
  const ffprobe = join(dir, 'ffprobe');
  writeFileSync(ffprobe, `#!/bin/sh\necho "$@" >> ${calls}\nexec ${mediaTools().ffprobe} "$@"\n`);
  chmodSync(ffprobe, 0o755);
  const tools = { ...mediaTools(), ffprobe };
  const decoder = 'ffmpeg';
  const probes = () =>
    readFileSync(calls, 'utf8')
      .split('\n')
      .filter((line) => line.includes('-show_format')).length;
  const request = { frames: 4, windowSeconds: 0.8, size: 32, tools, decoder } as const;
  const { probe } = await sampleFrames(videos.basic(), { frames: T, size: 32, tools, decoder });
  assert.equal(probes(), 1);
  const handedOver = await readTimeline(videos.basic(), { ...request, probe });
  assert.equal(probes(), 1, 'no second probe');
  assert.deepEqual(
    handedOver,
    await readTimeline(videos.basic(), request),
    'the same windows as when it probes itself',
  );
  assert.equal(probes(), 2);
});
