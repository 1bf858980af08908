import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  APPROXIMATE_SEEK_PREROLL_SECONDS,
  clipSegments,
  type DecodeRun,
  indexQueryTimes,
  planRuns,
  timelineWindows,
  uniformSegments,
} from '../../layers/media/plan.js';

const span = { start: 0, end: 60 };
const keyframesEvery10s = { keyframes: [0, 10, 20, 30, 40, 50], lastFrame: { start: 59.96, end: 60 } };

function targets(runs: DecodeRun[]): number[] {
  return runs
    .flatMap((run) => run.samples)
    .sort((a, b) => a.segment - b.segment)
    .map((s) => s.time);
}

test('uniform segments tile the span', () => {
  assert.deepEqual(uniformSegments({ start: 10, end: 18 }, 4), [
    { start: 10, end: 12 },
    { start: 12, end: 14 },
    { start: 14, end: 16 },
    { start: 16, end: 18 },
  ]);
});

test('a keyframe inside a segment is used; a segment without one takes its first frame, decoded from the keyframe before', () => {
  const runs = planRuns(uniformSegments(span, 8), keyframesEvery10s, { exact: false, precision: 'keyframe' });
  // Segments are 7.5 s long: [22.5, 30) and [52.5, 60) hold no keyframe.
  assert.deepEqual(targets(runs), [0, 10, 20, 22.5, 30, 40, 50, 52.5]);
  // Those two share the runs from keyframes 20 and 50 with the keyframe samples there: 6 seeks for 8 frames.
  assert.equal(runs.length, 6);
  assert.deepEqual(
    runs.find((run) => run.seekTo === 20)!.samples.map((s) => s.time),
    [20, 22.5],
  );
});

test('a segment sharing a run with a later one takes its midpoint, which costs nothing extra', () => {
  const runs = planRuns(
    uniformSegments({ start: 0, end: 10 }, 8),
    { keyframes: [0], lastFrame: { start: 9.96, end: 10 } },
    { exact: false, precision: 'keyframe' },
  );
  assert.equal(runs.length, 1);
  assert.deepEqual(targets(runs), [0, 1.875, 3.125, 4.375, 5.625, 6.875, 8.125, 8.75]);
});

test('the keyframe nearest the midpoint wins when a segment has several', () => {
  const runs = planRuns(
    [{ start: 0, end: 10 }],
    { keyframes: [0, 2, 4.5, 6, 8], lastFrame: { start: 9.9, end: 10 } },
    { exact: false, precision: 'keyframe' },
  );
  assert.deepEqual(targets(runs), [4.5]);
});

test('exact takes midpoints and still groups them by keyframe', () => {
  const runs = planRuns(uniformSegments(span, 4), keyframesEvery10s, { exact: true, precision: 'keyframe' });
  assert.deepEqual(targets(runs), [7.5, 22.5, 37.5, 52.5]);
  assert.deepEqual(
    runs.map((run) => run.seekTo),
    [0, 20, 30, 50],
  );
});

test('targets never pass the last frame: a 1-frame video gives the same frame for every segment', () => {
  const runs = planRuns(
    uniformSegments({ start: 0, end: 0.067 }, 8),
    { keyframes: [0], lastFrame: { start: 0, end: 0.067 } },
    { exact: false, precision: 'keyframe' },
  );
  assert.deepEqual(targets(runs), Array(8).fill(0));
  assert.equal(runs.length, 1);
});

test('without keyframe hints every target seeks on its own', () => {
  const runs = planRuns(
    uniformSegments(span, 4),
    { keyframes: [], lastFrame: undefined },
    { exact: false, precision: 'keyframe' },
  );
  assert.deepEqual(
    runs.map((run) => run.seekTo),
    [0, 15, 30, 45],
  );
});

test('approximate seeking starts a pre-roll early at midpoints and merges overlapping runs', () => {
  const runs = planRuns(uniformSegments(span, 8), keyframesEvery10s, { exact: false, precision: 'approximate' });
  assert.deepEqual(targets(runs), [3.75, 11.25, 18.75, 26.25, 33.75, 41.25, 48.75, 56.25]);
  assert.deepEqual(
    runs.map((run) => run.seekTo),
    targets(runs).map((t) => t - APPROXIMATE_SEEK_PREROLL_SECONDS),
  );
  const short = planRuns(
    uniformSegments({ start: 0, end: 4 }, 8),
    { keyframes: [], lastFrame: undefined },
    { exact: false, precision: 'approximate' },
  );
  assert.equal(short.length, 1);
  assert.equal(short[0]!.samples.length, 8);
});

test('clip segments interleave clips inside every frame segment, returned clip by clip', () => {
  const segments = clipSegments({ start: 0, end: 8 }, 4, 2);
  assert.deepEqual(segments.slice(0, 4), [
    { start: 0, end: 1 },
    { start: 2, end: 3 },
    { start: 4, end: 5 },
    { start: 6, end: 7 },
  ]);
  assert.deepEqual(segments.slice(4), [
    { start: 1, end: 2 },
    { start: 3, end: 4 },
    { start: 5, end: 6 },
    { start: 7, end: 8 },
  ]);
});

test('timeline windows cover the span, the last one shorter', () => {
  assert.deepEqual(timelineWindows({ start: 1, end: 26 }, 10), [
    { start: 1, end: 11 },
    { start: 11, end: 21 },
    { start: 21, end: 26 },
  ]);
  assert.deepEqual(timelineWindows({ start: 0, end: 20 }, 10), [
    { start: 0, end: 10 },
    { start: 10, end: 20 },
  ]);
});

test('the index is asked about each segment midpoint and just before its end', () => {
  const times = indexQueryTimes(uniformSegments({ start: 0, end: 20 }, 2));
  assert.deepEqual(times, [5, 9.999, 15, 19.999]);
});
