import type { ObjectStore } from './ports/object-store.js';
import type { VideoResult } from './result-schema.js';
import { artifactKeysFor } from './storage-keys.js';

/** Writes the result document (results/<key>.json) of `result`. */
export function writeResultDocument(artifacts: ObjectStore, result: VideoResult): Promise<void> {
  return artifacts.put(
    artifactKeysFor(result.source.key).result,
    Buffer.from(`${JSON.stringify(result, null, 2)}\n`),
    'application/json',
  );
}
