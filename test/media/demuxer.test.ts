import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { AV_OPT_TYPE_INT } from 'node-av/constants';
import { fileByteSource } from '../../layers/media/byte-source.js';
import { openDemuxer } from '../../layers/media/demuxer.js';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';
import { videos } from './generated-videos.js';

/** The analysis's frame-rate estimate and wait for first timestamps as `path`'s demuxer is left with them. */
async function analysisLimits(path: string): Promise<{ fpsprobesize: unknown; maxTsProbe: unknown }> {
  const source = await fileByteSource(path);
  const demuxer = await openDemuxer(path, source);
  try {
    return {
      fpsprobesize: demuxer.format.getOption('fpsprobesize', AV_OPT_TYPE_INT),
      maxTsProbe: demuxer.format.getOption('max_ts_probe', AV_OPT_TYPE_INT),
    };
  } finally {
    await demuxer.close();
    await source.close();
  }
}

// FFmpeg's defaults: -1 (estimate the frame rate where the container states none) and 50 packets.
const FFMPEG_DEFAULTS = { fpsprobesize: -1, maxTsProbe: 50 };

test("MP4 files skip the stream analysis's waits their index makes needless; Matroska's and MPEG-TS's keep them", async () => {
  assert.deepEqual(await analysisLimits(videos.basic()), { fpsprobesize: 0, maxTsProbe: 0 });
  assert.deepEqual(await analysisLimits(videos.lateVideo()), FFMPEG_DEFAULTS);
  assert.deepEqual(await analysisLimits(videos.farTimestamps()), FFMPEG_DEFAULTS);
});

test('a fragmented MP4, whose first timestamps are in its fragments, still waits for them', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'xclip-fragmented-')), 'fragmented.mp4');
  t.after(() => rmSync(dirname(path), { recursive: true, force: true }));
  writeSyntheticFile(path, {
    streams: [{ source: 'testsrc2=size=64x48:rate=25,trim=duration=1,format=yuv420p', encoder: 'libx264' }],
    muxerOptions: { movflags: 'frag_keyframe+empty_moov' },
  });
  assert.deepEqual(await analysisLimits(path), { fpsprobesize: 0, maxTsProbe: 50 });
});
