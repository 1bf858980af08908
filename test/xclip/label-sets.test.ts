import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LabelSetError, resolveLabelSet } from '../../layers/xclip/label-sets.js';

test('built-in label sets have the published sizes and order', () => {
  const sizes = { k400: 400, k600: 600, ucf101: 101, hmdb51: 51 };
  for (const [id, size] of Object.entries(sizes)) {
    const set = resolveLabelSet(id);
    assert.equal(set.id, id);
    assert.equal(set.names.length, size, id);
  }
  const k400 = resolveLabelSet();
  assert.equal(k400.names[0], 'abseiling');
  assert.equal(k400.names[399], 'zumba');
});

test('user sets come from files or comma lists with a stable id', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labels-'));
  const plain = join(dir, 'labels.txt');
  writeFileSync(plain, 'cat\n  dog \n\nbird\n');
  const csv = join(dir, 'labels.csv');
  writeFileSync(csv, 'id,name\n0,cat\n1,dog\n2,bird\n');
  const fromPlain = resolveLabelSet(plain);
  assert.deepEqual(fromPlain.names, ['cat', 'dog', 'bird']);
  assert.deepEqual(resolveLabelSet(csv), fromPlain);
  assert.deepEqual(resolveLabelSet('cat, dog,bird'), fromPlain);
  assert.match(fromPlain.id, /^custom-[0-9a-f]{12}$/);
  assert.notEqual(resolveLabelSet('cat,dog').id, fromPlain.id);
});

test('bad label sets give a typed error', () => {
  for (const spec of ['k4000', 'dancing', ',', 'cat,cat', `a,${'x'.repeat(400)}`]) {
    assert.throws(() => resolveLabelSet(spec), LabelSetError, spec);
  }
});
