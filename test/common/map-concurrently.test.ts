import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapConcurrently } from '../../layers/common/map-concurrently.js';

test('results come back in the items order, whatever order the calls finish in', async () => {
  const delays = [30, 5, 20, 1, 10];
  assert.deepEqual(await mapConcurrently(delays, 2, async (ms) => { await sleep(ms); return ms * 2; }), delays.map((ms) => ms * 2));
});

test('never more than `limit` calls in flight, and a free slot is refilled at once', async () => {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  await mapConcurrently([40, 5, 5, 5, 5], 2, async (ms) => {
    started.push(ms);
    most = Math.max(most, ++inFlight);
    await sleep(ms);
    inFlight--;
  });
  assert.equal(most, 2);
  // The four short items all ran in the second slot while the long first item held the first.
  assert.deepEqual(started, [40, 5, 5, 5, 5]);
});

test('a rejection rejects the whole and starts no further items', async () => {
  const seen: number[] = [];
  await assert.rejects(mapConcurrently([1, 2, 3, 4, 5, 6], 2, async (n) => {
    seen.push(n);
    await sleep(1);
    if (n === 2) throw new Error('item 2 failed');
    return n;
  }), /item 2 failed/);
  await sleep(20);
  assert.ok(seen.length <= 3, `started ${seen.join(',')}`);
});

test('an empty list maps to an empty list; a limit below one is refused', async () => {
  assert.deepEqual(await mapConcurrently([], 4, async (n: number) => n), []);
  await assert.rejects(mapConcurrently([1], 0, async (n) => n), RangeError);
});
