import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import {
  relabelResponseSchema,
  searchResponseSchema,
  videoListSchema,
  videoRecordSchema,
} from '../../layers/pipeline/api/schemas.js';
import { videoIdFor } from '../../layers/pipeline/video-id.js';
import { killServes, type ServeProcess, startServe, stopServe } from '../helpers/serve-process.js';
import { buildSmallTextModel } from '../helpers/small-model.js';
import { makeTestVideo } from '../helpers/videos.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-serve-'));
const watch = join(work, 'bucket');
const data = join(work, 'data');
const scratch = join(work, 'scratch');
let modelDir: string;

function serveArgs(): string[] {
  return ['--watch', watch, '--data', data, '--model', modelDir, '--threads', '1'];
}
async function getJson(server: ServeProcess, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(
    `${server.base}${path}`,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return { status: response.status, body: await response.json() };
}

/** Polls GET /videos/{id} until the video reaches DONE or FAILED. */
async function settled(server: ServeProcess, key: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await getJson(server, `/videos/${encodeURIComponent(videoIdFor('bucket', key))}`);
    if (status === 200) {
      const record = videoRecordSchema.parse(body);
      if (record.status === 'DONE' || record.status === 'FAILED') return record;
    }
    if (Date.now() > deadline) throw new Error(`${key} did not finish in time:\n${server.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Makes a video outside the bucket and moves it in, as an upload would appear. */
function drop(name: string, pattern = 'testsrc'): void {
  copyFileSync(makeTestVideo(scratch, name, { pattern }), join(watch, name));
}

before(async () => {
  modelDir = await buildSmallTextModel();
  mkdirSync(watch);
  mkdirSync(scratch);
});
after(killServes);

test('xclip serve: a dropped file is classified and served over HTTP; search, relabel, failures; graceful stop', async () => {
  const server = await startServe(serveArgs());
  drop('drop one+ü.mp4');
  writeFileSync(join(watch, 'notes.txt'), 'not a video');

  const record = await settled(server, 'drop one+ü.mp4');
  assert.equal(record.status, 'DONE', JSON.stringify(record.error));
  assert.equal(record.result!.labelSetId, 'k400');
  assert.equal(record.result!.labels.length, 5);
  assert.equal(record.result!.source.key, 'drop one+ü.mp4');
  const failed = await settled(server, 'notes.txt');
  assert.equal(failed.status, 'FAILED');
  assert.match(failed.error!.message, /^notes\.txt /);

  const listed = videoListSchema.parse((await getJson(server, '/videos?status=DONE')).body);
  assert.deepEqual(
    listed.items.map((item) => item.key),
    ['drop one+ü.mp4'],
  );
  const search = await getJson(server, '/search', { text: 'a colourful test pattern', k: 3 });
  assert.equal(search.status, 200);
  assert.equal(searchResponseSchema.parse(search.body).items[0]!.key, 'drop one+ü.mp4');
  const relabel = await getJson(server, '/relabel', { ids: [record.id], labels: 'ucf101', top: 3 });
  const [relabelled] = relabelResponseSchema.parse(relabel.body).items;
  assert.ok(relabelled && 'result' in relabelled, JSON.stringify(relabel.body));
  assert.equal(relabelled.result.labelSetId, 'ucf101');
  const cached = readdirSync(join(data, 'label-features'), { recursive: true }).map(String);
  assert.ok(
    cached.some((file) => file.endsWith('ucf101.safetensors')),
    `label features cached per model and set: ${cached}`,
  );

  assert.match(server.log(), /queued drop one\+ü\.mp4/);
  assert.match(server.log(), /done drop one\+ü\.mp4 in [\d.]+ s: /);
  assert.match(server.log(), /failed notes\.txt: /);
  await stopServe(server);
});

test('on restart xclip serve resumes unfinished work and picks up files that arrived or changed meanwhile', async () => {
  const store = new SqliteResultStore(join(data, 'results.db'));
  const previous = (await store.get(videoIdFor('bucket', 'drop one+ü.mp4')))!;

  // A crash mid-classification leaves a record PROCESSING; the watcher alone would not queue it again.
  drop('crashed.mp4', 'smptebars');
  const crashed = (await new FsObjectStore(watch).head('crashed.mp4'))!;
  const crashedId = videoIdFor('bucket', 'crashed.mp4');
  await store.enqueue(crashedId, { bucket: 'bucket', ...crashed }, new Date().toISOString());
  await store.claim(crashedId, crashed.version, new Date().toISOString());
  store.close();
  drop('later.mp4', 'mandelbrot');
  drop('drop one+ü.mp4', 'rgbtestsrc');

  const server = await startServe(serveArgs());
  assert.equal((await settled(server, 'crashed.mp4')).status, 'DONE');
  assert.equal((await settled(server, 'later.mp4')).status, 'DONE');
  const replaced = await settled(server, 'drop one+ü.mp4');
  assert.notEqual(replaced.source.version, previous.source.version);
  assert.equal(replaced.id, previous.id);
  assert.match(server.log(), /resuming crashed\.mp4 \(PROCESSING when the last run stopped\)/);
  const all = videoListSchema.parse((await getJson(server, '/videos?limit=100')).body);
  assert.deepEqual(all.items.map((item) => item.key).sort(), [
    'crashed.mp4',
    'drop one+ü.mp4',
    'later.mp4',
    'notes.txt',
  ]);
  await stopServe(server);
});

test('xclip serve refuses to keep its own files in the watched folder, before writing anything', () => {
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'serve', '--watch', watch, '--data', join(watch, 'data'), '--model', modelDir],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 1);
  assert.match(run.stderr, /^xclip: cannot watch .* \(--data .* is inside it; put it elsewhere\)\n$/);
  assert.equal(existsSync(join(watch, 'data')), false);
});
