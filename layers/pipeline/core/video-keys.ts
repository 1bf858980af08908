/** Whether `key` ends in one of `suffixes` (lower case), whatever the key's case. */
export function hasVideoSuffix(key: string, suffixes: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return suffixes.some((suffix) => lower.endsWith(suffix));
}

/** Which keys of the bucket are uploads the classifier takes. */
export interface UploadRules {
  uploadPrefix: string;
  /** Lower-case key suffixes of videos. */
  videoSuffixes: readonly string[];
}

/**
 * Why `key` is not an upload the classifier takes under `rules`, or undefined when it is one. `extraSuffixes` are
 * other uploads it takes (GPU manifests).
 */
export function uploadKeyProblem(
  key: string,
  rules: UploadRules,
  extraSuffixes: readonly string[] = [],
): string | undefined {
  if (!key.startsWith(rules.uploadPrefix)) return `the key is outside the upload prefix ${rules.uploadPrefix}`;
  if (!hasVideoSuffix(key, [...rules.videoSuffixes, ...extraSuffixes]))
    return `the key does not end in a video suffix (${rules.videoSuffixes.join(' ')})`;
  return undefined;
}
