import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FolderWatcher } from '../../layers/pipeline/adapters/local/folder-watcher.js';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';

/** Waits until `condition` holds, polling; fails after `ms`. */
async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

test('a stable file is reported once; deleted and put back unchanged, it is reported again', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-watch-'));
  const path = join(root, 'clip.mp4');
  writeFileSync(path, 'video');
  const { atime, mtime } = statSync(path);
  const reported: string[] = [];
  const watcher = new FolderWatcher(new FsObjectStore(root), {
    intervalMs: 10,
    onStable: async (object) => {
      reported.push(object.key);
    },
  });
  watcher.start();
  try {
    await until(() => reported.length === 1);
    await sleep(60);
    assert.deepEqual(reported, ['clip.mp4'], 'an unchanged file is not reported twice');
    rmSync(path);
    await sleep(60);
    writeFileSync(path, 'video');
    utimesSync(path, atime, mtime);
    await until(() => reported.length === 2);
  } finally {
    await watcher.stop();
  }
});
