import { execFileSync } from 'node:child_process';
import { mediaTools } from '../../layers/media/tools.js';

/**
 * Why tests of the command-line decoder (`XCLIP_DECODER=ffmpeg`) cannot run here, or undefined when the ffmpeg
 * and ffprobe programs start. Nothing else needs them: `npm ci` brings FFmpeg's libraries.
 */
export function ffmpegProgramMissing(): string | undefined {
  const tools = mediaTools();
  try {
    for (const program of [tools.ffmpeg, tools.ffprobe]) execFileSync(program, ['-version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'the ffmpeg and ffprobe programs are not installed: the command-line decoder is not tested';
  }
}
