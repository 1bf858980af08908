import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { InvalidKeyError } from '../../layers/pipeline/core/errors.js';

async function keys(store: FsObjectStore, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const object of store.list(prefix)) out.push(object.key);
  return out;
}

test('put, head, get and list by key; hidden files are not objects', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-fs-store-'));
  const store = new FsObjectStore(root, 'bucket');
  await store.put('results/a b+ü.mp4.json', Buffer.from('{}'), 'application/json');
  await store.put('tokens/x.f16', Buffer.from([1, 2]), 'application/octet-stream');
  writeFileSync(join(root, '.partial.tmp'), 'x');
  assert.deepEqual(await keys(store), ['results/a b+ü.mp4.json', 'tokens/x.f16']);
  assert.deepEqual(await keys(store, 'tokens/'), ['tokens/x.f16']);
  assert.equal((await store.get('results/a b+ü.mp4.json'))!.toString(), '{}');
  assert.equal((await store.head('tokens/x.f16'))!.bytes, 2);
  assert.equal(await store.get('missing'), undefined);
  assert.equal(await store.head('missing'), undefined);
  assert.deepEqual(readdirSync(join(root, 'tokens')), ['x.f16'], 'no temporary file left behind');
});

test('a rewritten file gets a new version and a later sequence', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-fs-store-'));
  const store = new FsObjectStore(root);
  writeFileSync(join(root, 'v.mp4'), 'one');
  const first = (await store.head('v.mp4'))!;
  writeFileSync(join(root, 'v.mp4'), 'two!');
  utimesSync(join(root, 'v.mp4'), new Date(), new Date(Date.now() + 5000));
  const second = (await store.head('v.mp4'))!;
  assert.notEqual(second.version, first.version);
  assert.ok(second.sequence >= first.sequence);
  assert.equal(second.sequence.length, first.sequence.length);
  const copy = join(root, '.copy');
  assert.deepEqual(await store.download('v.mp4', copy), second);
});

test('keys that would escape the folder or name hidden files are refused', async () => {
  const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'xclip-fs-store-')));
  for (const key of ['', '../x', 'a/../../x', '/abs', 'a//b', '.hidden', 'a/./b', 'nul\0']) {
    await assert.rejects(store.put(key, Buffer.from('x'), 'text/plain'), InvalidKeyError, JSON.stringify(key));
  }
});

test('a file name of 255 bytes is written through a short temporary name; a longer one is an invalid key', async () => {
  const store = new FsObjectStore(mkdtempSync(join(tmpdir(), 'xclip-fs-store-')));
  const longest = `results/${'ü'.repeat(125)}.json`;
  await store.put(longest, Buffer.from('{}'), 'application/json');
  assert.equal((await store.get(longest))?.toString(), '{}');
  await assert.rejects(store.put(`results/${'ü'.repeat(126)}.json`, Buffer.from('{}'), 'application/json'), {
    code: 'INVALID_KEY',
    message: /longer than the file system's 255 bytes/,
  });
});

test('a backslash is an ordinary character of a POSIX file name: such a file is listed, read and written', async () => {
  const root = mkdtempSync(join(tmpdir(), 'xclip-fs-store-'));
  const store = new FsObjectStore(root);
  writeFileSync(join(root, 'a\\b.mp4'), 'video');
  writeFileSync(join(root, 'z.mp4'), 'other');
  const keys: string[] = [];
  for await (const info of store.list()) keys.push(info.key);
  assert.deepEqual(keys, ['a\\b.mp4', 'z.mp4'], 'the file after it is listed too');
  assert.equal((await store.get('a\\b.mp4'))?.toString(), 'video');
});
