import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameFilters } from '../../layers/media/decode.js';
import { sampleFrames } from '../../layers/media/views.js';
import { meanAbsoluteError, referenceFrames, videos } from './generated-videos.js';

// Independent of the ffmpeg program (the parity test's reference): every frame decoded from the start, in order.
const CASES = [
  { name: 'a keyframe a second with B-frames (one keyframe per sample, decoded in lanes)', path: videos.phoneLike },
  { name: 'one keyframe (one long run)', path: videos.oneKeyframe },
  { name: 'a keyframe every 10 frames (keyframes and runs mixed)', path: videos.basic },
];

for (const { name, path } of CASES) {
  for (const exact of [false, true]) {
    test(`${name}${exact ? ', exact' : ''}: each sample is the frame a full decode shows at its time`, async () => {
      const sampled = await sampleFrames(path(), { frames: 8, size: 48, exact });
      const filters = frameFilters(sampled.probe.stream, sampled.frameSize).join(',');
      const reference = await referenceFrames(path(), filters);
      sampled.times.forEach((time, i) => {
        const expected = reference.find((frame) => frame.seconds >= time - 1e-4);
        assert.ok(expected, `no frame at or after ${time} s`);
        assert.equal(meanAbsoluteError(sampled.frames[i]!, expected.rgb), 0, `sample ${i} at ${time} s`);
      });
    });
  }
}
