import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWholeFile } from '../../layers/common/read-whole-file.js';

test('a file read in concurrent parts equals the file, whatever its size; a size other than expected is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-whole-file-'));
  try {
    // Sizes around the part boundaries: empty, one part, and four parts that do not divide evenly.
    for (const size of [0, 1, 16 * 1024 * 1024 - 1, 16 * 1024 * 1024, 37 * 1024 * 1024 + 5]) {
      const bytes = Buffer.alloc(size);
      for (let at = 0; at < size; at += 4093) bytes[at] = (at / 4093) % 251;
      const path = join(dir, `file-${size}`);
      writeFileSync(path, bytes);
      assert.ok((await readWholeFile(path, size)).equals(readFileSync(path)), `${size} bytes`);
    }
    const path = join(dir, 'file-1');
    await assert.rejects(readWholeFile(path, 2), /has 1 bytes, 2 were expected/);
    await assert.rejects(readWholeFile(join(dir, 'absent')), { code: 'ENOENT' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
