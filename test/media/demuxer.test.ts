import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { AV_OPT_TYPE_INT } from 'node-av/constants';
import { fileByteSource } from '../../layers/media/byte-source.js';
import { openDemuxReader } from '../../layers/media/demux-reader.js';
import { openDemuxer } from '../../layers/media/demuxer.js';
import { DEFAULT_MEDIA_LIMITS } from '../../layers/media/limits.js';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';
import { mediaTools } from '../../layers/media/tools.js';
import { ffmpegProgramMissing } from './ffmpeg-program.js';
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

/** 1080i AVCHD: H.264 coded a field at a time (PAFF), with AC-3 audio. */
const AVCHD = join(process.cwd(), '..', 'shared', 'videos', 'real', 'h264-high-1080i-interlaced-avchd-ac3.mts');

test('interlaced H.264 stored a field per sample, with audio, is still probed as interlaced', {
  skip: existsSync(AVCHD) ? ffmpegProgramMissing() : `${AVCHD} is absent: the PAFF case is not checked`,
}, async (t) => {
  // Copying AVCHD into MP4 without re-encoding (`ffmpeg -c copy`) puts each field in a sample of its own; the field
  // order is known only once the parser has seen a pair.
  const path = join(mkdtempSync(join(tmpdir(), 'xclip-paff-')), 'paff.mp4');
  t.after(() => rmSync(dirname(path), { recursive: true, force: true }));
  execFileSync(mediaTools().ffmpeg, ['-v', 'error', '-i', AVCHD, '-c', 'copy', '-t', '2', path]);
  const reader = await openDemuxReader(path, DEFAULT_MEDIA_LIMITS);
  try {
    assert.equal(reader.probe.stream.interlaced, true);
  } finally {
    await reader.close();
  }
});
