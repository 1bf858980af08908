import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryQueue } from '../../layers/pipeline/adapters/local/memory-queue.js';
import { Worker } from '../../layers/pipeline/adapters/local/worker.js';

async function run(concurrency: number | undefined): Promise<{ mostAtOnce: number; handled: number[] }> {
  const queue = new MemoryQueue<number>({ maxReceives: 3 });
  for (let n = 0; n < 6; n++) await queue.send(n);
  let atOnce = 0;
  let mostAtOnce = 0;
  const handled: number[] = [];
  const worker = new Worker<number>({
    queue,
    pollMs: 10,
    concurrency,
    handle: async (n) => {
      mostAtOnce = Math.max(mostAtOnce, ++atOnce);
      // Long enough for the worker to take the next message while this one is in hand.
      await new Promise((resolve) => setTimeout(resolve, 50));
      atOnce--;
      handled.push(n);
    },
  });
  worker.start();
  while (handled.length < 6) await new Promise((resolve) => setTimeout(resolve, 10));
  await worker.stop();
  assert.deepEqual(queue.stats(), { visible: 0, inFlight: 0, deadLetters: 0 });
  return { mostAtOnce, handled: handled.sort() };
}

test('the worker holds two deliveries at once by default, so one video decodes while the model runs on another', async () => {
  const { mostAtOnce, handled } = await run(undefined);
  assert.equal(mostAtOnce, 2);
  assert.deepEqual(handled, [0, 1, 2, 3, 4, 5]);
});

test('concurrency bounds the deliveries in hand; stop waits for those in hand', async () => {
  assert.equal((await run(1)).mostAtOnce, 1);
  assert.equal((await run(3)).mostAtOnce, 3);
});
