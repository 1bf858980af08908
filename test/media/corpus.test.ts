import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MediaError } from '../../layers/media/errors.js';
import { defaultDecoder } from '../../layers/media/video-reader.js';
import { readPixelValues } from '../../layers/media/views.js';

const REAL_VIDEOS = join(process.cwd(), '..', 'shared', 'videos', 'real');

/** What each real file must give: frames, or the code of the error that says why not. */
const EXPECTED: Record<string, 'frames' | string> = {
  'aac-audio-only.mp4': 'NO_VIDEO_STREAM',
  'empty-0-bytes.webm': 'NOT_A_VIDEO',
  'h264-aac-truncated-tail.mkv': 'CORRUPT_VIDEO',
  'h264-cbaseline-1080p-truncated-mdat.mp4': 'CORRUPT_VIDEO',
  // FFmpeg 8.1 (in process) decodes H.266; the 5.1 command-line tools cannot.
  'vvc-h266-320x180-unsupported.mp4': defaultDecoder() === 'ffmpeg' ? 'UNSUPPORTED_CODEC' : 'frames',
  'webp-animated-245x245.webp': 'NOT_A_VIDEO',
};

const manifest = existsSync(join(REAL_VIDEOS, 'MANIFEST.json'))
  ? (JSON.parse(readFileSync(join(REAL_VIDEOS, 'MANIFEST.json'), 'utf8')) as { files: { file: string }[] }).files.map(
      (f) => f.file,
    )
  : [];

if (manifest.length === 0) {
  test('real videos', (t) => t.skip(`${REAL_VIDEOS}/MANIFEST.json is absent: the real-video corpus is not checked`));
}

for (const file of manifest) {
  const expected = EXPECTED[file] ?? 'frames';
  test(`${file}: ${expected}`, { timeout: 30_000 }, async () => {
    const outcome = await readPixelValues(join(REAL_VIDEOS, file), { frames: 8, size: 224 }).then(
      (view) => view,
      (error: unknown) => {
        assert.ok(error instanceof MediaError, `not a typed media error: ${String(error)}`);
        return error;
      },
    );
    if (outcome instanceof MediaError) {
      assert.equal(outcome.code, expected, outcome.message);
      return;
    }
    assert.equal(expected, 'frames', `expected ${expected}, got frames`);
    assert.deepEqual(outcome.shape, [8, 3, 224, 224]);
    assert.ok(outcome.pixelValues.every(Number.isFinite));
    for (let i = 1; i < 8; i++)
      assert.ok(outcome.times[i]! >= outcome.times[i - 1]!, `times go back: ${outcome.times.join(', ')}`);
    assert.ok(
      outcome.times.every((time) => time >= 0 && time <= outcome.sampled.span.end),
      `times outside the video: ${outcome.times.join(', ')}`,
    );
  });
}
