import { join } from 'node:path';
import { writeSyntheticFile } from '../../layers/media/synthetic-video.js';

/** A small H.264 test-pattern video (x264's default settings) made with FFmpeg's libraries; returns its path. */
export function makeTestVideo(
  dir: string,
  name: string,
  options: { seconds?: number; size?: string; pattern?: string } = {},
): string {
  const path = join(dir, name);
  const { seconds = 2, size = '96x64', pattern = 'testsrc' } = options;
  writeSyntheticFile(path, {
    streams: [
      { source: `${pattern}=size=${size}:rate=10,trim=duration=${seconds},format=yuv420p`, encoder: 'libx264' },
    ],
  });
  return path;
}
