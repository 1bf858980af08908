import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MediaError } from '../../layers/media/errors.js';
import type { SampledFrames } from '../../layers/media/sample.js';
import type { DecoderKind } from '../../layers/media/video-reader.js';
import { sampleFrames } from '../../layers/media/views.js';
import { ffmpegProgramMissing } from './ffmpeg-program.js';
import { meanAbsoluteError } from './generated-videos.js';

/**
 * The in-process decoder against the ffmpeg command-line path on every file of the real-world corpus: the same
 * sample times and frames within one level of 255 on average, or the same typed error.
 */
const REAL_VIDEOS = join(process.cwd(), '..', 'shared', 'videos', 'real');

/** Where FFmpeg 8.1 (in process) knows more than the 5.1 command-line tools: the outcome each gives. */
const KNOWN_DIFFERENCES: Record<string, Record<DecoderKind, string>> = {
  // FFmpeg 5.1 has no H.266 decoder; 8.1 has one.
  'vvc-h266-320x180-unsupported.mp4': { ffmpeg: 'UNSUPPORTED_CODEC', 'in-process': 'frames' },
};

const manifest = existsSync(join(REAL_VIDEOS, 'MANIFEST.json'))
  ? (JSON.parse(readFileSync(join(REAL_VIDEOS, 'MANIFEST.json'), 'utf8')) as { files: { file: string }[] }).files.map(
      (f) => f.file,
    )
  : [];

const skip =
  manifest.length === 0
    ? `${REAL_VIDEOS}/MANIFEST.json is absent: the real-video corpus is not compared`
    : ffmpegProgramMissing();

async function outcome(path: string, decoder: DecoderKind, exact: boolean): Promise<SampledFrames | string> {
  return sampleFrames(path, { frames: 8, size: 224, exact, decoder }).catch((error: unknown) => {
    assert.ok(error instanceof MediaError, `${decoder}: not a typed media error: ${String(error)}`);
    return error.code;
  });
}

function describe(result: SampledFrames | string): string {
  return typeof result === 'string' ? result : 'frames';
}

if (skip) test('in-process decoder against ffmpeg on real videos', (t) => t.skip(skip));

for (const file of skip ? [] : manifest) {
  for (const exact of [false, true]) {
    test(`${file}${exact ? ' (exact)' : ''}: the in-process decoder gives what ffmpeg gives`, {
      timeout: 60_000,
    }, async () => {
      const path = join(REAL_VIDEOS, file);
      const reference = await outcome(path, 'ffmpeg', exact);
      const inProcess = await outcome(path, 'in-process', exact);
      const known = KNOWN_DIFFERENCES[file];
      if (known) {
        assert.deepEqual([describe(reference), describe(inProcess)], [known.ffmpeg, known['in-process']]);
        return;
      }
      if (typeof reference === 'string' || typeof inProcess === 'string') {
        assert.equal(describe(inProcess), describe(reference));
        return;
      }
      assert.deepEqual(inProcess.frameSize, reference.frameSize);
      assert.equal(inProcess.frames.length, reference.frames.length);
      inProcess.times.forEach((time, i) => {
        const expected = reference.times[i]!;
        assert.ok(Math.abs(time - expected) < 0.01, `sample ${i}: ${time} s against ${expected} s`);
      });
      inProcess.frames.forEach((frame, i) => {
        const error = meanAbsoluteError(frame, reference.frames[i]!);
        assert.ok(error <= 1, `frame ${i} differs by ${error.toFixed(2)} levels on average`);
      });
    });
  }
}
