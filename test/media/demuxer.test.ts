import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { test } from 'node:test';
import { AV_OPT_TYPE_INT } from 'node-av/constants';
import { fileByteSource } from '../../layers/media/byte-source.js';
import { openDemuxer } from '../../layers/media/demuxer.js';
import { videos } from './generated-videos.js';

test("MP4 files skip the frame-rate analysis their index makes needless; Matroska's and MPEG-TS's keep it", async () => {
  for (const [path, frames] of [
    [videos.basic(), 0],
    [videos.lateVideo(), -1],
    [videos.farTimestamps(), -1],
  ] as const) {
    const source = await fileByteSource(path);
    const demuxer = await openDemuxer(path, source);
    try {
      assert.equal(demuxer.format.getOption('fpsprobesize', AV_OPT_TYPE_INT), frames, basename(path));
    } finally {
      await demuxer.close();
      await source.close();
    }
  }
});
