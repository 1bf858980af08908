import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeRepeatedVideo } from '../../layers/media/repeated-video.js';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';
import { sampleFrames } from '../../layers/media/views.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-repeated-'));
after(() => rmSync(work, { recursive: true, force: true }));

const piece = join(work, 'piece.mp4');
writeSyntheticFile(piece, {
  streams: [
    {
      source: 'testsrc2=size=64x48:rate=25,trim=duration=1,format=yuv420p',
      encoder: 'libx264',
      options: { preset: 'veryfast', bf: '2', g: '10', keyint_min: '10', sc_threshold: '0' },
    },
  ],
});

test('copies of a video with B-frames play back to back as one: every frame, the whole length, each copy the same picture', async () => {
  const path = join(work, 'three.mp4');
  writeRepeatedVideo(piece, 3, path);
  const long = await sampleFrames(path, { frames: 3, size: 32, exact: true });
  assert.equal(long.probe.stream.frameCount, 75);
  assert.equal(long.probe.stream.duration, 3);
  const source = await sampleFrames(piece, { frames: 1, size: 32, exact: true });
  for (const frame of long.frames) assert.deepEqual(frame, source.frames[0]);
  assert.deepEqual(long.times, [0.5, 1.5, 2.5]);
});

test('no copies, or a source without video, is an error and leaves no file', () => {
  const path = join(work, 'none.mp4');
  assert.throws(() => writeRepeatedVideo(piece, 0, path), /positive integer/);
  const audio = join(work, 'audio.m4a');
  writeSyntheticFile(audio, { streams: [{ source: 'sine=duration=1,aformat=sample_fmts=fltp', encoder: 'aac' }] });
  assert.throws(() => writeRepeatedVideo(audio, 2, path), /no video stream/);
  assert.equal(existsSync(path), false);
});
