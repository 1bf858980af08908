import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchRuns, buildDecodeCommand, frameFilters } from '../../layers/media/decode.js';
import { resolveLimits } from '../../layers/media/limits.js';
import type { DecodeRun } from '../../layers/media/plan.js';
import { parseProbe } from '../../layers/media/probe.js';

const probe = parseProbe(
  'clip.mp4',
  1,
  {
    format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', start_time: '1.000000', duration: '60' },
    streams: [
      {
        index: 2,
        codec_type: 'video',
        codec_name: 'h264',
        width: 1280,
        height: 720,
        pix_fmt: 'yuv420p',
        time_base: '1/90000',
        start_time: '1.000000',
        duration: '60',
      },
    ],
  },
  resolveLimits(),
);

test('one input per run, seeking just past its keyframe; one trimmed branch and output pipe per sample', () => {
  const runs: DecodeRun[] = [
    { seekTo: 11, samples: [{ segment: 1, time: 11 }] },
    {
      seekTo: 21,
      samples: [
        { segment: 2, time: 21 },
        { segment: 3, time: 23.5 },
      ],
    },
  ];
  const { args, samples } = buildDecodeCommand(probe, runs, { width: 398, height: 224 });
  assert.deepEqual(
    samples.map((s) => s.segment),
    [1, 2, 3],
  );
  // -ss counts from the file's start time (1 s); the keyframe-only run skips frame threading.
  assert.deepEqual(args.slice(args.indexOf('-thread_type'), args.indexOf('-i') + 2), [
    '-thread_type',
    'slice',
    '-noautorotate',
    '-noaccurate_seek',
    '-ss',
    '10.000100',
    '-i',
    'file:clip.mp4',
  ]);
  const graph = args[args.indexOf('-filter_complex') + 1]!;
  assert.match(graph, /\[1:2\]split=2\[r1s0\]\[r1s1\]/);
  assert.match(graph, /\[r1s1\]trim=start=2\.499800,trim=end_frame=1,/);
  assert.deepEqual(
    args.filter((a) => a.startsWith('pipe:')),
    ['pipe:3', 'pipe:4', 'pipe:5'],
  );
});

test('per-frame filters: alpha flattened, scaled before turning, tone mapped when HDR', () => {
  const stream = {
    ...probe.stream,
    rotation: 90,
    hasAlpha: true,
    hdr: true,
    colorTransfer: 'smpte2084',
    colorPrimaries: 'bt2020',
  };
  const filters = frameFilters(stream, { width: 224, height: 398 });
  assert.deepEqual(filters.slice(0, 3), [
    'format=rgba',
    'premultiply=inplace=1',
    'scale=w=398:h=224:flags=bilinear+accurate_rnd+full_chroma_int',
  ]);
  assert.ok(filters.includes('tonemap=hable:desat=0'));
  assert.equal(filters.at(-1), 'transpose=clock');
});

test('runs are shared over processes by decoding cost', () => {
  const keyframe = (t: number): DecodeRun => ({ seekTo: t, samples: [{ segment: t, time: t }] });
  const long: DecodeRun = {
    seekTo: 100,
    samples: [
      { segment: 100, time: 100 },
      { segment: 101, time: 108 },
    ],
  };
  const batches = batchRuns([keyframe(0), keyframe(10), keyframe(20), long], 2, 25);
  assert.equal(batches.length, 2);
  assert.deepEqual(
    batches.map((b) => b.map((r) => r.seekTo)),
    [[100], [0, 10, 20]],
  );
  assert.equal(batchRuns([long], 2).length, 1);
  assert.equal(
    batchRuns(
      Array.from({ length: 30 }, (_, i) => keyframe(i)),
      1,
    ).length,
    3,
  );
});
