import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryQueue } from '../../layers/pipeline/adapters/local/memory-queue.js';

test('a received message is invisible until retried, and gone once acked', async () => {
  const queue = new MemoryQueue<string>({ maxReceives: 3 });
  await queue.send('a');
  const [first] = await queue.receive(10, 0);
  assert.equal(first!.body, 'a');
  assert.equal(first!.receiveCount, 1);
  assert.deepEqual(await queue.receive(10, 0), [], 'in flight');
  await queue.retry(first!, 0);
  const [second] = await queue.receive(10, 50);
  assert.equal(second!.receiveCount, 2);
  await queue.ack(first!);
  assert.equal(queue.stats().inFlight, 1, 'a stale receipt cannot ack the new delivery');
  await queue.ack(second!);
  assert.deepEqual(queue.stats(), { visible: 0, inFlight: 0, deadLetters: 0 });
});

test('after maxReceives deliveries a message goes to the dead-letter list, also when its visibility lapses', async () => {
  const queue = new MemoryQueue<string>({ maxReceives: 2, visibilityTimeoutMs: 20 });
  await queue.send('retried');
  for (let delivery = 1; delivery <= 2; delivery++) {
    const [message] = await queue.receive(1, 100);
    assert.equal(message!.receiveCount, delivery);
    await queue.retry(message!, 0);
  }
  assert.deepEqual(queue.deadLetters, ['retried']);

  await queue.send('abandoned');
  assert.equal((await queue.receive(1, 100))[0]!.receiveCount, 1);
  assert.equal((await queue.receive(1, 200))[0]!.receiveCount, 2, 'redelivered after the visibility timeout');
  assert.deepEqual(await queue.receive(1, 60), []);
  assert.deepEqual(queue.deadLetters, ['retried', 'abandoned']);
});

test('receive waits for a message sent meanwhile, and returns early when aborted', async () => {
  const queue = new MemoryQueue<string>();
  const waiting = queue.receive(1, 5000);
  setTimeout(() => void queue.send('late'), 20);
  assert.equal((await waiting)[0]!.body, 'late');
  const abort = new AbortController();
  const aborted = queue.receive(1, 5000, abort.signal);
  setTimeout(() => abort.abort(), 20);
  assert.deepEqual(await aborted, []);
});
