import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';
import { sampleFrames } from '../../layers/media/views.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-synthetic-'));
after(() => rmSync(work, { recursive: true, force: true }));

const PATTERN = 'testsrc2=size=64x48:rate=25,trim=duration=2';

test('a lavfi source is encoded and muxed as ffmpeg would: every frame, the whole duration, its SAR and offset', async () => {
  const path = join(work, 'clip.mkv');
  writeSyntheticFile(path, {
    streams: [
      { source: 'sine=duration=3,aformat=sample_fmts=fltp', encoder: 'aac' },
      {
        source: `${PATTERN},setsar=2,format=yuv420p`,
        encoder: 'libx264',
        options: { preset: 'ultrafast', g: '10' },
        offsetSeconds: 1,
      },
    ],
  });
  const { probe } = await sampleFrames(path, { frames: 2, size: 32 });
  assert.equal(probe.stream.codec, 'h264');
  assert.deepEqual([probe.stream.width, probe.stream.height, probe.stream.sampleAspectRatio], [64, 48, 2]);
  assert.ok(Math.abs(probe.stream.start - 1) < 0.01, `starts at ${probe.stream.start}`);

  const mp4 = join(work, 'clip.mp4');
  writeSyntheticFile(mp4, { streams: [{ source: `${PATTERN},format=yuv420p`, encoder: 'libx264' }] });
  const whole = (await sampleFrames(mp4, { frames: 2, size: 32 })).probe.stream;
  assert.equal(whole.frameCount, 50);
  // The last frame's duration counts: the MP4 edit list would otherwise end at 1.96 s.
  assert.equal(whole.duration, 2);
});

test('an encoder or option FFmpeg does not have is an error that names it, and leaves no file', () => {
  const path = join(work, 'bad.mp4');
  assert.throws(
    () => writeSyntheticFile(path, { streams: [{ source: `${PATTERN},format=yuv420p`, encoder: 'libx999' }] }),
    /no libx999 encoder/,
  );
  assert.throws(
    () =>
      writeSyntheticFile(path, {
        streams: [{ source: `${PATTERN},format=yuv420p`, encoder: 'libx264', options: { presett: 'fast' } }],
      }),
    /presett=fast/,
  );
  assert.throws(
    () =>
      writeSyntheticFile(path, {
        streams: [{ source: `${PATTERN},format=yuv420p`, encoder: 'libx264' }],
        muxerOptions: { movflags: '+nonsense' },
      }),
    /movflags/,
  );
  assert.equal(existsSync(path), false);
});
