import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrencyLimit, mapConcurrently } from '../../layers/common/concurrency.js';

test('results come back in the items order, whatever order the calls finish in', async () => {
  const delays = [30, 5, 20, 1, 10];
  assert.deepEqual(
    await mapConcurrently(delays, 2, async (ms) => {
      await sleep(ms);
      return ms * 2;
    }),
    delays.map((ms) => ms * 2),
  );
});

test('never more than `limit` calls in flight, and a free slot is refilled at once', async () => {
  let inFlight = 0;
  let most = 0;
  const finished: number[] = [];
  await mapConcurrently([150, 5, 5, 5, 5], 2, async (ms) => {
    most = Math.max(most, ++inFlight);
    await sleep(ms);
    inFlight--;
    finished.push(ms);
  });
  assert.equal(most, 2);
  // The four short items all ran in the second slot while the long first item held the first (fixed groups of
  // two would have waited for it).
  assert.deepEqual(finished, [5, 5, 5, 5, 150]);
});

test('a rejection rejects the whole and starts no further items', async () => {
  const seen: number[] = [];
  await assert.rejects(
    mapConcurrently([1, 2, 3, 4, 5, 6], 2, async (n) => {
      seen.push(n);
      await sleep(1);
      if (n === 2) throw new Error('item 2 failed');
      return n;
    }),
    /item 2 failed/,
  );
  await sleep(20);
  assert.ok(seen.length <= 3, `started ${seen.join(',')}`);
});

test('an empty list maps to an empty list; a limit below one is refused', async () => {
  assert.deepEqual(await mapConcurrently([], 4, async (n: number) => n), []);
  await assert.rejects(
    mapConcurrently([1], 0, async (n) => n),
    RangeError,
  );
});

test('a shared limit holds every caller together to `limit` running tasks, started in arrival order', async () => {
  const slots = new ConcurrencyLimit(2);
  let most = 0;
  const started: string[] = [];
  const task = (name: string, ms: number) =>
    slots.run(async () => {
      started.push(name);
      most = Math.max(most, slots.active);
      await sleep(ms);
      return name;
    });
  const first = [task('a1', 20), task('a2', 20), task('a3', 5)];
  const second = [task('b1', 5), task('b2', 5)];
  assert.deepEqual(await Promise.all([...first, ...second]), ['a1', 'a2', 'a3', 'b1', 'b2']);
  assert.equal(most, 2);
  assert.deepEqual(started, ['a1', 'a2', 'a3', 'b1', 'b2']);
  assert.equal(slots.active, 0, 'every slot is given back');
});

test('a failing task gives its slot back; the ones waiting still run', async () => {
  const slots = new ConcurrencyLimit(1);
  const failing = slots.run(async () => {
    await sleep(2);
    throw new Error('boom');
  });
  const after = slots.run(async () => 'ran');
  await assert.rejects(failing, /boom/);
  assert.equal(await after, 'ran');
  assert.equal(slots.active, 0);
  assert.throws(() => new ConcurrencyLimit(1.5), RangeError);
});

test('waiting groups take turns for freed slots, first come first served within each', async () => {
  const slots = new ConcurrencyLimit(1);
  const started: string[] = [];
  const task = (name: string, group: string) =>
    slots.run(async () => {
      started.push(name);
      await sleep(1);
    }, group);
  await Promise.all([
    task('a1', 'a'),
    task('a2', 'a'),
    task('a3', 'a'),
    task('a4', 'a'),
    task('b1', 'b'),
    task('b2', 'b'),
  ]);
  assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3', 'b2', 'a4']);
});
