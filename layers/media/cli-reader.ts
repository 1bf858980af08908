import { decodeRuns } from './decode.js';
import type { MediaLimits } from './limits.js';
import { probeVideo, type VideoProbe } from './probe.js';
import { readStreamIndex } from './stream-index.js';
import type { MediaTools } from './tools.js';
import type { VideoReader } from './video-reader.js';

/** A VideoReader over ffprobe and ffmpeg processes: three process starts per video, four with two decoders. */
export async function openCommandLineReader(
  path: string,
  limits: MediaLimits,
  tools: MediaTools,
  knownProbe?: VideoProbe,
): Promise<VideoReader> {
  const probe = knownProbe ?? (await probeVideo(path, limits, tools));
  return {
    probe,
    index: (times) => readStreamIndex(probe, times, limits, tools),
    decode: (runs, size) => decodeRuns(probe, runs, size, limits, tools),
    bytesRead: () => undefined,
    close: async () => {},
  };
}
