import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { markUsed, pruneFolder } from '../../layers/common/prune-folder.js';

test('files marked one after the other are pruned in that order, even where the clock gave them one time', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'xclip-prune-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [first, second, third] = ['first', 'second', 'third'].map((name) => join(dir, `${name}.bin`)) as [
    string,
    string,
    string,
  ];
  // As the kernel's coarse clock can stamp files written in a row: all at one time.
  const sameTime = new Date();
  for (const path of [first, second, third]) {
    writeFileSync(path, new Uint8Array(100));
    utimesSync(path, sameTime, sameTime);
  }
  for (const path of [second, first, third]) markUsed(path);
  assert.ok(statSync(second).mtimeMs < statSync(first).mtimeMs);
  assert.ok(statSync(first).mtimeMs < statSync(third).mtimeMs);
  pruneFolder(dir, 200, third);
  assert.deepEqual([first, second, third].map(existsSync), [true, false, true]);
});
