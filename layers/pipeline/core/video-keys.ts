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

/** Whether `key` ends in one of `suffixes` (lower case), whatever the key's case. */
export function hasVideoSuffix(key: string, suffixes: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return suffixes.some((suffix) => lower.endsWith(suffix));
}
