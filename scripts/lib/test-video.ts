import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** A small H.264 test-pattern video made with ffmpeg; returns its path. */
export function makeTestVideo(
  dir: string,
  name: string,
  options: { seconds?: number; size?: string; pattern?: string } = {},
): string {
  const path = join(dir, name);
  const { seconds = 2, size = '96x64', pattern = 'testsrc' } = options;
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `${pattern}=size=${size}:rate=10`,
    '-t',
    String(seconds),
    '-pix_fmt',
    'yuv420p',
    '-y',
    path,
  ]);
  return path;
}
