import assert from 'node:assert/strict';
import { test } from 'node:test';
import { artifactKeysFor, thumbnailKey } from '../../layers/pipeline/core/storage-keys.js';

const bytes = (key: string) => Buffer.byteLength(key);

test('artifact keys carry the video key where it fits', () => {
  assert.deepEqual(artifactKeysFor('videos/a b+ü.mp4'), {
    result: 'results/videos/a b+ü.mp4.json',
    embedding: 'embeddings/videos/a b+ü.mp4.f32',
    visualTokens: 'tokens/videos/a b+ü.mp4.f32',
    segments: 'segments/videos/a b+ü.mp4.f32',
    thumbnails: 'thumbnails/videos/a b+ü.mp4',
  });
  assert.equal(thumbnailKey(artifactKeysFor('videos/a b+ü.mp4'), 'poster'), 'thumbnails/videos/a b+ü.mp4.poster.jpg');
  assert.equal(thumbnailKey(artifactKeysFor('videos/a b+ü.mp4'), 'frames'), 'thumbnails/videos/a b+ü.mp4.frames.jpg');
});

test('keys near S3 limit and file names near 255 bytes get digest keys that fit, distinct per key', () => {
  const nearLimit = `videos/${'d/'.repeat(400)}${'é'.repeat(100)}.mp4`;
  assert.ok(bytes(nearLimit) <= 1024 && bytes(nearLimit) > 1000);
  const longName = `videos/${'n'.repeat(250)}.mp4`;
  for (const key of [nearLimit, longName]) {
    const keys = artifactKeysFor(key);
    for (const artifact of Object.values(keys)) {
      assert.ok(bytes(artifact) <= 1024, artifact);
      assert.ok(
        artifact.split('/').every((part: string) => bytes(part) <= 255),
        artifact,
      );
    }
    assert.match(keys.result, /^results\/_hashed\/[0-9a-f]{64}\.json$/);
  }
  assert.notEqual(artifactKeysFor(nearLimit).result, artifactKeysFor(longName).result);
  assert.deepEqual(artifactKeysFor(longName), artifactKeysFor(longName), 'the same key always maps the same way');
});
