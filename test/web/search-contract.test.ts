import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openApiDocument } from '../../layers/pipeline/http/openapi.js';
import { searchRequestSchema } from '../../layers/pipeline/http/schemas.js';
import {
  base64Of,
  ImageRefusedError,
  imageQuery,
  MAX_IMAGE_BYTES,
  PAGE_MOMENTS,
  searchesByExample,
  searchRequest,
} from '../../web/src/api/search-contract.js';

test('the page asks for moments and example or image queries only of a server whose OpenAPI document takes them', () => {
  assert.equal(searchesByExample({}), false);
  assert.equal(searchesByExample({ components: { schemas: { SearchRequest: { properties: { text: {} } } } } }), false);
  assert.equal(
    searchesByExample({ components: { schemas: { SearchRequest: { properties: { example: {}, image: {} } } } } }),
    true,
  );
  // This server's own document decides; a text search body it gets is one its schema takes either way.
  const extended = searchesByExample(openApiDocument() as Parameters<typeof searchesByExample>[0]);
  const body = searchRequest({ text: 'surfing' }, 5, extended);
  assert.deepEqual(body, extended ? { text: 'surfing', k: 5, moments: PAGE_MOMENTS } : { text: 'surfing', k: 5 });
  assert.ok(searchRequestSchema.safeParse(body).success);
});

test('search bodies follow the contract: one query, k, and moments where asked', () => {
  assert.deepEqual(searchRequest({ example: { videoId: 'v', fromSeconds: 2, toSeconds: 4 } }, 10, true), {
    example: { videoId: 'v', fromSeconds: 2, toSeconds: 4 },
    k: 10,
    moments: PAGE_MOMENTS,
  });
  assert.deepEqual(searchRequest({ label: 'surfing water', labelSet: 'k400' }, 20, false), {
    label: 'surfing water',
    labelSet: 'k400',
    k: 20,
  });
});

test('an image query carries the file as base64 with its type; other types and files over 4 MiB are refused', async () => {
  const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256);
  assert.equal(base64Of(bytes), Buffer.from(bytes).toString('base64'));
  const query = await imageQuery(new Blob([bytes], { type: 'image/png' }));
  assert.deepEqual(query, { image: { data: Buffer.from(bytes).toString('base64'), contentType: 'image/png' } });
  await assert.rejects(imageQuery(new Blob([bytes], { type: 'image/gif' })), ImageRefusedError);
  await assert.rejects(imageQuery(new Blob([new Uint8Array(MAX_IMAGE_BYTES + 1)], { type: 'image/jpeg' })), /4 MiB/);
});
