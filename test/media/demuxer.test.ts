import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { AV_OPT_TYPE_INT } from 'node-av/constants';
import { fileByteSource } from '../../layers/media/byte-source.js';
import { openDemuxer } from '../../layers/media/demuxer.js';
import { videos } from './generated-videos.js';

test("MP4 files skip the stream analysis's waits their index makes needless; Matroska's and MPEG-TS's keep them", async () => {
  for (const [path, limit] of [
    [videos.basic(), 0],
    [videos.lateVideo(), undefined],
    [videos.farTimestamps(), undefined],
  ] as const) {
    const source = await fileByteSource(path);
    const demuxer = await openDemuxer(path, source);
    try {
      // FFmpeg's defaults: -1 (estimate the frame rate) and 50 packets.
      assert.equal(demuxer.format.getOption('fpsprobesize', AV_OPT_TYPE_INT), limit ?? -1, basename(path));
      assert.equal(demuxer.format.getOption('max_ts_probe', AV_OPT_TYPE_INT), limit ?? 50, basename(path));
    } finally {
      await demuxer.close();
      await source.close();
    }
  }
});
