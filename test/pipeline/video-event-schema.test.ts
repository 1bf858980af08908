import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { videoEventSchema } from '../../layers/pipeline/core/ports/notifier.js';
import { jsonSchema } from '../../layers/pipeline/http/openapi.js';

test('docs/video-event.schema.json is the JSON Schema of the events the pipeline sends', () => {
  const documented = JSON.parse(readFileSync(new URL('../../docs/video-event.schema.json', import.meta.url), 'utf8'));
  const { $id: _id, title: _title, ...schema } = documented;
  assert.deepEqual(schema, jsonSchema(videoEventSchema, 'output'));
});
