import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchRequestSchema } from '../../layers/pipeline/http/schemas.js';
import { base64Of, ImageRefusedError, imageQuery, MAX_IMAGE_MIB } from '../../web/src/api/image-query.js';

test('a picked image becomes a query the server takes: its bytes in base64, with its type', async () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
  assert.equal(base64Of(bytes), Buffer.from(bytes).toString('base64'));
  const query = await imageQuery(new Blob([bytes], { type: 'image/png' }));
  assert.deepEqual(query, { image: { data: Buffer.from(bytes).toString('base64'), contentType: 'image/png' } });
  assert.ok(searchRequestSchema.safeParse({ ...query, k: 5 }).success);
});

test('an image of a type the server refuses, or larger than it takes, is refused before it is sent', async () => {
  await assert.rejects(imageQuery(new Blob([new Uint8Array(8)], { type: 'image/gif' })), ImageRefusedError);
  // The largest file the page sends is one the server's schema takes; past it (by a base64 group) both refuse.
  const largest = new Uint8Array(MAX_IMAGE_MIB * 1024 ** 2);
  const sent = await imageQuery(new Blob([largest], { type: 'image/jpeg' }));
  assert.ok(searchRequestSchema.safeParse(sent).success);
  const over = new Uint8Array(largest.length + 3);
  await assert.rejects(imageQuery(new Blob([over], { type: 'image/jpeg' })), /larger than 4 MiB/);
  const refused = searchRequestSchema.safeParse({ image: { data: Buffer.from(over).toString('base64') } });
  assert.equal(refused.success, false);
});
