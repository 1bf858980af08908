import { readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

/** The last time markUsed gave a file, in ms. */
let lastMarkMs = 0;

/**
 * Marks `path` as used now, for pruneFolder's least-recently-used order. The kernel stamps a write with its coarse
 * clock (a few ms), so two files written one after the other could share a time and be pruned in either order;
 * each mark in this process is at least 1 ms after the one before.
 */
export function markUsed(path: string): void {
  lastMarkMs = Math.max(Date.now(), lastMarkMs + 1);
  const at = new Date(lastMarkMs);
  utimesSync(path, at, at);
}

/**
 * Deletes the files under `dir` least recently modified first until they take at most `maxBytes`;
 * `keep` (a file just written) stays. Writers and readers that want least-recently-used order mark what they
 * write and read (markUsed).
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
