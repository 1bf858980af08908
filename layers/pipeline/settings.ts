import { commaList } from '../common/comma-list.js';

/**
 * Defaults, limits and parsers that the command line's option definitions share with the pipeline's rooms. This
 * module imports nothing heavy, unlike a room's face (core's loads ONNX Runtime and FFmpeg's libraries, the local
 * adapters' LanceDB), so `xclip` defines every command's options without loading a room; core's face re-exports them.
 */

/** Labels kept per result when a caller names no number. */
export const DEFAULT_TOP = 5;
/** The most labels a result may keep. */
export const MAX_TOP = 50;

export interface LabelFeatureCacheBytes {
  memory: number;
  /** The whole cache folder, every model's sets together. */
  disk: number;
}

/** About 30 sets of 1,000 labels at 512 dimensions in memory, 120 on disk. */
export const DEFAULT_LABEL_FEATURE_CACHE: Readonly<LabelFeatureCacheBytes> = {
  memory: 64 * 1024 ** 2,
  disk: 256 * 1024 ** 2,
};

/**
 * Provider names in order of preference from a comma-separated list (`cuda, WebGPU,cpu` -> cuda, webgpu, cpu);
 * undefined unless there is at least one and each is a plain word.
 */
export function parseProviderList(text: string): string[] | undefined {
  const names = commaList(text).map((name) => name.toLowerCase());
  return names.length > 0 && names.every((name) => /^[a-z0-9]+$/.test(name)) ? names : undefined;
}

/** Object key suffixes taken for videos when none are configured (VIDEO_SUFFIXES). */
export const DEFAULT_VIDEO_SUFFIXES = [
  '.mp4',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.m4v',
  '.mpg',
  '.mpeg',
  '.ts',
  '.mts',
  '.3gp',
  '.flv',
  '.wmv',
];

/** Where uploads go when none is configured (UPLOAD_PREFIX): other keys of the bucket are not classified. */
export const DEFAULT_UPLOAD_PREFIX = 'videos/';

/** How long a watched file must keep its size and modification time before it is taken: longer than a writer's usual pause. */
export const DEFAULT_SETTLE_MS = 5000;
