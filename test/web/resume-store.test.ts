import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import { forgetUpload, rememberUpload, resumableUpload } from '../../web/src/uploads/resume-store.js';

const STORAGE_KEY = 'xclip-multipart-uploads';

/** localStorage's part the page uses, over a Map. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
}

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  Object.assign(globalThis, { localStorage: storage });
});

const file = (name: string, bytes = 10, lastModified = 1_700_000_000_000) =>
  new File([new Uint8Array(bytes)], name, { lastModified });
const upload = (n: number) => ({ key: `videos/clip ${n}.mp4`, uploadId: `upload-${n}`, partBytes: 5 * 1024 * 1024 });

test('an upload is found again by the same file: name, size and modification time, not the name alone', () => {
  rememberUpload(file('clip.mp4'), upload(1));
  assert.deepEqual(resumableUpload(file('clip.mp4')), upload(1));
  assert.equal(resumableUpload(file('clip.mp4', 11)), undefined);
  assert.equal(resumableUpload(file('clip.mp4', 10, 1_700_000_000_001)), undefined);
  rememberUpload(file('clip.mp4'), upload(2));
  assert.deepEqual(resumableUpload(file('clip.mp4')), upload(2), 'a new upload of the file replaces the old');
  forgetUpload(file('clip.mp4'));
  assert.equal(resumableUpload(file('clip.mp4')), undefined);
});

test('at most 20 uploads are remembered, the newest; one older than 6 days is forgotten', () => {
  for (let n = 1; n <= 25; n++) rememberUpload(file(`clip ${n}.mp4`), upload(n));
  assert.equal((JSON.parse(storage.getItem(STORAGE_KEY)!) as unknown[]).length, 20);
  assert.equal(resumableUpload(file('clip 5.mp4')), undefined);
  assert.deepEqual(resumableUpload(file('clip 6.mp4')), upload(6));

  const entries = JSON.parse(storage.getItem(STORAGE_KEY)!) as Array<{ savedAt: number }>;
  entries[0]!.savedAt = Date.now() - 6 * 24 * 60 * 60 * 1000 - 1;
  storage.setItem(STORAGE_KEY, JSON.stringify(entries));
  assert.equal(resumableUpload(file('clip 25.mp4')), undefined);
});

test('garbled or foreign storage counts as nothing remembered, and is replaced by the next upload', () => {
  for (const garbled of ['{not json', '{"a":1}', '[{"file":1}]', '[null]']) {
    storage.setItem(STORAGE_KEY, garbled);
    assert.equal(resumableUpload(file('clip.mp4')), undefined, garbled);
    rememberUpload(file('clip.mp4'), upload(1));
    assert.deepEqual(resumableUpload(file('clip.mp4')), upload(1), garbled);
  }
});
