import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BENCHMARK_VIDEO,
  type BenchmarkCodec,
  type BenchmarkFormat,
  CAMERA_ENCODED_VIDEO,
  codecRatios,
  type DecodeBenchmarkCase,
  PHONE_VIDEO,
} from '../../layers/bench/decode-bench.js';
import { summarizeRuns } from '../../layers/bench/timing.js';

function benchCase(codec: BenchmarkCodec, durationSeconds: number, format: BenchmarkFormat, sampledMs: number[]) {
  const timing = summarizeRuns(sampledMs);
  return {
    codec,
    durationSeconds,
    format,
    file: `${codec}-${durationSeconds}.mp4`,
    fileBytes: 1,
    bytesRead: 1,
    sampled: timing,
    exact: timing,
  } satisfies DecodeBenchmarkCase;
}

test('HEVC and VP9 are timed against both 720p H.264 encodings of their own duration, by median', () => {
  const ratios = codecRatios([
    benchCase('h264', 10, BENCHMARK_VIDEO, [100, 400, 90]),
    benchCase('h264', 10, CAMERA_ENCODED_VIDEO, [200]),
    benchCase('hevc', 10, BENCHMARK_VIDEO, [150, 1, 160]),
    benchCase('vp9', 10, BENCHMARK_VIDEO, [300]),
    benchCase('h264', 60, BENCHMARK_VIDEO, [50]),
    benchCase('hevc', 60, BENCHMARK_VIDEO, [100]),
    // The 1080p phone clip is no yardstick for 720p videos.
    benchCase('h264', 60, PHONE_VIDEO, [1]),
  ]);
  assert.deepEqual(ratios, [
    { codec: 'hevc', durationSeconds: 10, overFastestH264: 1.5, overCameraH264: 0.75 },
    { codec: 'vp9', durationSeconds: 10, overFastestH264: 3, overCameraH264: 1.5 },
    { codec: 'hevc', durationSeconds: 60, overFastestH264: 2, overCameraH264: undefined },
  ]);
});

test('without H.264 among the cases there is no ratio to give', () => {
  assert.deepEqual(codecRatios([benchCase('vp9', 10, BENCHMARK_VIDEO, [300])]), [
    { codec: 'vp9', durationSeconds: 10, overFastestH264: undefined, overCameraH264: undefined },
  ]);
});
