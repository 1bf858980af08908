import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';

test('bench --search --json prints one row per distribution and size, with the DESIGN.md search fields', () => {
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--search', '--vectors', '1000,3000', '--distributions', 'clustered', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const { engine, dimension, search } = JSON.parse(run.stdout);
  assert.equal(engine, 'lancedb');
  assert.equal(dimension, 512);
  assert.deepEqual(
    search.map((row: { vectors: number; distribution: string }) => [row.distribution, row.vectors]),
    [
      ['clustered', 1000],
      ['clustered', 3000],
    ],
  );
  for (const row of search) {
    for (const field of ['p50Ms', 'p99Ms', 'insertPerSecond', 'rssMb', 'peakRssMb']) assert.ok(row[field] > 0, field);
    assert.ok(row.p99Ms >= row.p50Ms);
    // The settled queries ran in a process of their own (the server's), which reports its own memory.
    for (const field of ['p50Ms', 'p99Ms', 'rssMb', 'peakRssMb']) assert.ok(row.settled[field] > 0, `settled.${field}`);
    assert.ok(row.settled.peakRssMb >= row.settled.rssMb);
    // Below the index threshold every query is exact, so it must find exactly what brute force finds.
    assert.equal(row.recallAt10, 1);
    assert.equal(row.settled.recallAt10, 1);
  }
});

test('bench --search refuses an unknown distribution', () => {
  const run = spawnSync(process.execPath, ['bin/xclip.js', 'bench', '--search', '--distributions', 'gaussian'], {
    encoding: 'utf8',
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /gaussian is not one of random, clustered/);
});

test('bench --search-api --json times POST /search on the local server over seeded DONE videos', async () => {
  const modelDir = await buildSmallTextModel();
  const run = spawnSync(
    process.execPath,
    ['bin/xclip.js', 'bench', '--search-api', '30', '--model', modelDir, '--runs', '3', '--json'],
    { encoding: 'utf8' },
  );
  assert.equal(run.status, 0, run.stderr);
  const { searchApi } = JSON.parse(run.stdout);
  assert.equal(searchApi.videos, 30);
  assert.equal(searchApi.dimension, 16);
  assert.equal(searchApi.queries, 3);
  for (const field of ['p50Ms', 'p99Ms', 'seedSeconds', 'peakRssMb']) assert.ok(searchApi[field] > 0, field);
  assert.ok(searchApi.p99Ms >= searchApi.p50Ms);
});
