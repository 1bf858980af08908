/** Bounds on what the media layer accepts and how long each ffmpeg/ffprobe process may run. */
export interface MediaLimits {
  maxFileBytes: number;
  maxDurationSeconds: number;
  /** Decoded frame area (width x height) before any scaling. */
  maxFramePixels: number;
  probeTimeoutMs: number;
  decodeTimeoutMs: number;
  /** Resident memory a decoder process may reach while reading one video (FFmpeg's frames and buffers included). */
  maxDecoderBytes: number;
}

export const DEFAULT_MEDIA_LIMITS: Readonly<MediaLimits> = {
  maxFileBytes: 4 * 1024 ** 3,
  maxDurationSeconds: 3 * 60 * 60,
  // 8192 x 8192 admits 8K (7680 x 4320) and the largest DCI / panoramic phone formats.
  maxFramePixels: 8192 * 8192,
  probeTimeoutMs: 20_000,
  decodeTimeoutMs: 60_000,
  maxDecoderBytes: 1024 ** 3,
};

export function resolveLimits(overrides: Partial<MediaLimits> = {}): MediaLimits {
  return { ...DEFAULT_MEDIA_LIMITS, ...overrides };
}
