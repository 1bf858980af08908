import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Deletes the files under `dir` least recently modified first until they take at most `maxBytes`;
 * `keep` (a file just written) stays. Readers that want least-recently-used order touch what they read.
 */
export function pruneFolder(dir: string, maxBytes: number, keep?: string): void {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .flatMap((entry) => {
      const path = join(entry.parentPath, entry.name);
      // Another process may have removed it meanwhile.
      const stats = statSync(path, { throwIfNoEntry: false });
      return stats ? [{ path, size: stats.size, mtimeMs: stats.mtimeMs }] : [];
    })
    .sort((a, b) => a.mtimeMs - b.mtimeMs);
  let total = files.reduce((sum, file) => sum + file.size, 0);
  for (const file of files) {
    if (total <= maxBytes) break;
    if (file.path === keep) continue;
    rmSync(file.path, { force: true });
    total -= file.size;
  }
}
