import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exampleSearchHref, libraryHref, parseRoute, searchHref, videoHref } from '../../web/src/router.js';

const NO_FILTERS = { status: undefined, label: undefined, since: undefined };

test('routes round-trip through the URL fragment', () => {
  const filters = { status: 'FAILED' as const, label: 'dog agility', since: '2026-11-30' };
  assert.deepEqual(parseRoute(libraryHref(filters)), { view: 'library', filters });
  assert.deepEqual(parseRoute(libraryHref()), { view: 'library', filters: NO_FILTERS });
  assert.deepEqual(parseRoute(''), { view: 'library', filters: NO_FILTERS });
  assert.deepEqual(parseRoute(searchHref('waves & sand', 20)), { view: 'search', text: 'waves & sand', k: 20 });
  assert.deepEqual(parseRoute(searchHref()), { view: 'search', text: '', k: 10 });
  const id = 'a/b+c=';
  assert.equal(videoHref(id), '#/videos/a%2Fb%2Bc%3D');
  assert.deepEqual(parseRoute(videoHref(id)), { view: 'video', id });
  assert.equal(videoHref(id, 12.5), '#/videos/a%2Fb%2Bc%3D?t=12.5');
  assert.deepEqual(parseRoute(videoHref(id, 12.5)), { view: 'video', id, at: 12.5 });
  assert.deepEqual(parseRoute(videoHref(id, 0)), { view: 'video', id, at: 0 });
  const example = { videoId: id, fromSeconds: 2, toSeconds: 4.5 };
  assert.deepEqual(parseRoute(exampleSearchHref(example, 20)), { view: 'search', text: '', k: 20, example });
  assert.deepEqual(parseRoute(exampleSearchHref({ videoId: id })), {
    view: 'search',
    text: '',
    k: 10,
    example: { videoId: id },
  });
});

test('values a URL cannot be trusted with fall back instead of reaching the API', () => {
  assert.deepEqual(parseRoute('#/?status=DELETED&since=yesterday&label='), { view: 'library', filters: NO_FILTERS });
  assert.deepEqual(parseRoute('#/search?q=x&k=1000'), { view: 'search', text: 'x', k: 10 });
  assert.deepEqual(parseRoute('#/videos/%E0%A4%A'), { view: 'missing' });
  assert.deepEqual(parseRoute('#/admin'), { view: 'missing' });
  assert.deepEqual(parseRoute('#/videos/x?t=-3'), { view: 'video', id: 'x' });
  assert.deepEqual(parseRoute('#/videos/x?t=1e400'), { view: 'video', id: 'x' });
  assert.deepEqual(parseRoute('#/search?like=v&from=5&to=2&q=ignored'), {
    view: 'search',
    text: '',
    k: 10,
    example: { videoId: 'v' },
  });
});
