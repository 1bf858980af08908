import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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
    settleMs: 0,
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

test('a writer that pauses for less than the settle time is not taken half-written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-watch-'));
  const path = join(root, 'slow.mp4');
  const reported: number[] = [];
  const watcher = new FolderWatcher(new FsObjectStore(root), {
    intervalMs: 50,
    settleMs: 3000,
    onStable: async (object) => {
      reported.push(object.bytes);
    },
  });
  watcher.start();
  try {
    writeFileSync(path, Buffer.alloc(3000, 1));
    // Many scans see the same size and time meanwhile; a pause shorter than the settle time is not the end.
    await sleep(800);
    assert.deepEqual(reported, [], 'nothing is taken while the writer pauses');
    appendFileSync(path, Buffer.alloc(1000, 2));
    await until(() => reported.length > 0);
    assert.deepEqual(reported, [4000], 'the whole file, once');
  } finally {
    await watcher.stop();
  }
});
