import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FsObjectStore } from '../../layers/pipeline/adapters/local/fs-object-store.js';
import { SqliteResultStore } from '../../layers/pipeline/adapters/local/sqlite-result-store.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import {
  relabelResponseSchema,
  searchResponseSchema,
  videoListSchema,
  videoRecordSchema,
} from '../../layers/pipeline/http/schemas.js';
import {
  killServes,
  type ServeProcess,
  type ServeProcessOptions,
  startServe as startServeProcess,
} from '../../scripts/lib/serve-process.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

const work = mkdtempSync(join(tmpdir(), 'xclip-serve-'));
const watch = join(work, 'bucket');
const data = join(work, 'data');
const scratch = join(work, 'scratch');
let modelDir: string;
type Server = ServeProcess;

interface ServeOptions extends ServeProcessOptions {
  watchDir?: string;
  dataDir?: string;
  args?: string[];
}

function startServe(options: ServeOptions = {}): Promise<Server> {
  return startServeProcess(
    [
      ...['--watch', options.watchDir ?? watch, '--data', options.dataDir ?? data, '--model', modelDir],
      ...['--threads', '1', '--settle-seconds', '1', ...(options.args ?? [])],
    ],
    options,
  );
}

async function getJson(
  server: Server,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(
    `${server.base}${path}`,
    body === undefined
      ? { headers }
      : { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) },
  );
  return { status: response.status, body: await response.json() };
}

/** Polls GET /videos/{id} until the video reaches DONE or FAILED. */
async function settled(server: Server, key: string, bucket = 'bucket', headers: Record<string, string> = {}) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    // A loaded machine may refuse a connection now and then: only the deadline fails the test, with the server's log.
    const reply = await getJson(
      server,
      `/videos/${encodeURIComponent(videoIdFor(bucket, key))}`,
      undefined,
      headers,
    ).catch((error: unknown) => error as Error);
    if (!(reply instanceof Error) && reply.status === 200) {
      const record = videoRecordSchema.parse(reply.body);
      if (record.status === 'DONE' || record.status === 'FAILED') return record;
    }
    if (Date.now() > deadline) {
      const last = reply instanceof Error ? ` (last request: ${reply.message})` : '';
      throw new Error(`${key} did not finish in time${last}:\n${server.log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  assert.equal(await server.exited, 0, server.log());
  assert.match(server.log(), /stopped/);
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
after(() => {
  killServes();
});

test('xclip serve: a dropped file is classified and served over HTTP; search, relabel, failures; graceful stop', async () => {
  const server = await startServe();
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
  await stop(server);
});

test('on restart xclip serve resumes unfinished work and picks up files that arrived or changed meanwhile', async () => {
  const store = new SqliteResultStore(join(data, 'results.db'));
  const previous = (await store.get(videoIdFor('bucket', 'drop one+ü.mp4')))!;

  // A crash mid-classification leaves a record PROCESSING; the watcher alone would not queue it again.
  drop('crashed.mp4', 'smptebars');
  const crashed = (await new FsObjectStore(watch).head('crashed.mp4'))!;
  const crashedId = videoIdFor('bucket', 'crashed.mp4');
  await store.enqueue(crashedId, { bucket: 'bucket', ...crashed }, new Date().toISOString());
  await store.claim(crashedId, crashed.version, new Date().toISOString(), '2100-01-01T00:00:00.000Z');
  store.close();
  drop('later.mp4', 'mandelbrot');
  drop('drop one+ü.mp4', 'rgbtestsrc');

  const server = await startServe();
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
  await stop(server);
});

test('kill -9 in the middle of a burst and a restart: every video ends DONE once, no scratch folder piles up', async () => {
  const burst = join(work, 'burst');
  const burstData = join(work, 'burst-data');
  mkdirSync(burst);
  const names = Array.from({ length: 6 }, (_, i) => `burst ${i}.mp4`);
  const first = await startServe({ watchDir: burst, dataDir: burstData });
  for (const name of names) copyFileSync(makeTestVideo(scratch, name), join(burst, name));
  await settled(first, names[0]!, 'burst');
  first.child.kill('SIGKILL');
  await first.exited;

  const second = await startServe({ watchDir: burst, dataDir: burstData });
  for (const name of names) assert.equal((await settled(second, name, 'burst')).status, 'DONE', name);
  const listed = videoListSchema.parse((await getJson(second, '/videos?limit=100')).body).items.map((item) => item.key);
  assert.deepEqual(listed.sort(), [...names].sort(), 'one record per video');
  assert.equal(
    readdirSync(burstData).filter((name) => name.startsWith('.work-')).length,
    1,
    "only the running server's scratch folder is left",
  );
  await stop(second);
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

/** Bytes the files under `dir` take on disk (a sparse file only its written blocks). */
function diskBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).blocks * 512, 0);
}

test('a port in use, or another address without a token, fails at once with nothing written', async () => {
  const occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
  const port = (occupied.address() as AddressInfo).port;
  const fresh = join(work, 'never');
  const { XCLIP_TOKEN: _token, ...withoutToken } = process.env;
  try {
    const runs = [
      { args: ['--port', String(port)], error: `cannot listen on 127.0.0.1:${port} \\(the port is in use\\)` },
      { args: ['--host', '0.0.0.0'], error: 'cannot listen on 0.0.0.0 without a token \\(.*XCLIP_TOKEN' },
      { args: ['--host', '0.0.0.0', '--token', 'short'], error: 'the token is too short' },
    ];
    for (const { args, error } of runs) {
      const run = spawnSync(
        process.execPath,
        [
          'bin/xclip.js',
          'serve',
          '--watch',
          join(fresh, 'bucket'),
          '--data',
          join(fresh, 'data'),
          '--model',
          modelDir,
          ...args,
        ],
        { encoding: 'utf8', env: withoutToken },
      );
      assert.equal(run.status, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`^xclip: ${error}.*\\n$`));
      assert.equal(existsSync(fresh), false, 'no folder, database or record was made');
    }
  } finally {
    occupied.close();
  }
});

test('a 20 GiB sparse file is refused by its size in place, names up to 255 bytes work, the label cache stays bounded, and the token is required', async () => {
  const bucket = join(work, 'limits');
  const limitsData = join(work, 'limits-data');
  mkdirSync(bucket);
  const token = 'serve-test-token-0123456789';
  const auth = { authorization: `Bearer ${token}` };
  const cacheBytes = 0.02 * 1024 ** 2;
  const server = await startServe({
    watchDir: bucket,
    dataDir: limitsData,
    args: ['--label-cache-disk-mb', '0.02'],
    env: { XCLIP_TOKEN: token },
    // Copying the sparse file, or any other large write, kills the server.
    maxFileBytes: 64 * 1024 ** 2,
  });
  assert.equal((await getJson(server, '/videos')).status, 401);

  const huge = join(bucket, 'huge.mp4');
  closeSync(openSync(huge, 'w'));
  truncateSync(huge, 20 * 1024 ** 3);
  const longest = `${'b'.repeat(251)}.mp4`;
  const long = `${'ü'.repeat(123)}.mp4`;
  copyFileSync(makeTestVideo(scratch, 'long source.mp4'), join(bucket, long));
  copyFileSync(join(bucket, long), join(bucket, longest));
  assert.equal(Buffer.byteLength(long), 250);
  assert.equal(Buffer.byteLength(longest), 255);

  const tooLarge = await settled(server, 'huge.mp4', 'limits', auth);
  assert.equal(tooLarge.status, 'FAILED');
  assert.equal(tooLarge.error!.code, 'VIDEO_TOO_LARGE');
  assert.equal(tooLarge.attempts, 1);
  const done = await settled(server, long, 'limits', auth);
  assert.equal(done.status, 'DONE', JSON.stringify(done.error));
  const longestDone = await settled(server, longest, 'limits', auth);
  assert.equal(longestDone.status, 'DONE', JSON.stringify(longestDone.error));
  assert.ok(!tooLarge.error!.message.includes(work), `no server path in ${tooLarge.error!.message}`);
  assert.ok(diskBytes(limitsData) < 64 * 1024 ** 2, `${diskBytes(limitsData)} bytes under the data folder`);

  const cacheDir = join(limitsData, 'label-features');
  for (let set = 0; set < 8; set++) {
    const labels = Array.from({ length: 100 }, (_, i) => `label ${set} ${i}`);
    const relabel = await getJson(server, '/relabel', { ids: [done.id], labels, top: 1 }, auth);
    assert.equal(relabel.status, 200, JSON.stringify(relabel.body));
    const files = readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    const bytes = files.reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
    assert.ok(bytes <= cacheBytes, `${bytes} bytes of label features after ${set + 1} sets`);
    assert.ok(files.some((entry) => entry.name.endsWith('.safetensors')));
  }
  const tooMany = Array.from({ length: 1001 }, (_, i) => `label ${i}`);
  const refusedLabels = await getJson(server, '/relabel', { ids: [done.id], labels: tooMany.join(',') }, auth);
  assert.equal(refusedLabels.status, 400);
  assert.match(JSON.stringify(refusedLabels.body), /at most 1000 labels/);
  await stop(server);
});
