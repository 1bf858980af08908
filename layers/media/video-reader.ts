import type { DecodedSamples, FrameSize } from './decode.js';
import type { DecodeRun } from './plan.js';
import type { VideoProbe } from './probe.js';
import type { StreamIndex } from './stream-index.js';

/** How frames are decoded: FFmpeg's libraries inside this process (the default), or ffmpeg/ffprobe processes. */
export type DecoderKind = 'in-process' | 'ffmpeg';

/** One video opened for sampling: its probe, its stream index at chosen times, and the decode of planned runs. */
export interface VideoReader {
  readonly probe: VideoProbe;
  index(times: readonly number[]): Promise<StreamIndex>;
  decode(runs: readonly DecodeRun[], size: FrameSize): Promise<DecodedSamples>;
  /** Bytes read from the video so far, where the reader reads them itself. */
  bytesRead(): number | undefined;
  close(): Promise<void>;
}

/** The decoder XCLIP_DECODER names (`ffmpeg` for the command-line tools), else the in-process one. */
export function defaultDecoder(env: NodeJS.ProcessEnv = process.env): DecoderKind {
  return env.XCLIP_DECODER === 'ffmpeg' ? 'ffmpeg' : 'in-process';
}
