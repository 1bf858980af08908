import { MAX_KEY_BYTES } from '../adapters/aws/index.js';
import { hasVideoSuffix, InvalidRequestError } from '../core/index.js';

/** Where browser uploads may go: keys under `prefix` with a video suffix. */
export interface UploadKeyRules {
  /** Every upload key starts with it (UPLOAD_PREFIX). */
  prefix: string;
  videoSuffixes: readonly string[];
}

/** Why `key` (relative to the prefix) cannot be an upload key, or undefined. */
function keyProblem(key: string, rules: UploadKeyRules): string | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f\\]/.test(key)) return 'it contains a control character or a backslash';
  if (key.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return 'it has an empty, "." or ".." path segment';
  if (Buffer.byteLength(rules.prefix + key) > MAX_KEY_BYTES)
    return `with the prefix it is longer than ${MAX_KEY_BYTES} bytes`;
  if (!hasVideoSuffix(key, rules.videoSuffixes))
    return `it does not end in a video suffix (${rules.videoSuffixes.join(' ')})`;
  return undefined;
}

/** The object key of a new upload named `key` under the prefix; an InvalidRequestError when it cannot be one. */
export function uploadKeyFor(key: string, rules: UploadKeyRules, what: string): string {
  const problem = keyProblem(key, rules);
  if (problem) throw new InvalidRequestError(`invalid ${what}`, `key ${JSON.stringify(key)}: ${problem}`);
  return rules.prefix + key;
}

/** `key` itself when it is a whole upload key (prefix included) that uploadKeyFor could have made. */
export function checkedUploadKey(key: string, rules: UploadKeyRules, what: string): string {
  if (!key.startsWith(rules.prefix))
    throw new InvalidRequestError(`invalid ${what}`, `key ${JSON.stringify(key)}: it is not under ${rules.prefix}`);
  return uploadKeyFor(key.slice(rules.prefix.length), rules, what);
}
