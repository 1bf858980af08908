import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultStore } from '../../layers/pipeline/core/index.js';
import { videoIdFor } from '../../layers/pipeline/core/video-id.js';
import { sourceObject } from './records.js';

const T = (second: number) => new Date(Date.UTC(2026, 1, 1, 0, 0, second)).toISOString();

/**
 * What every ResultStore does with failures and claims, so nothing stays stuck: transient failures and abandoned
 * claims are queued again by the same version, final failures only by an explicit retry.
 */
export function retryContract(storeName: string, store: () => ResultStore): void {
  test(`${storeName}: a retryable failure is queued again by the same version; a final one only by requeue`, async () => {
    const results = store();
    const transient = sourceObject('transient.mp4');
    const transientId = videoIdFor('bucket', 'transient.mp4');
    await results.enqueue(transientId, transient, T(0));
    assert.ok(await results.fail(transientId, 'v1', { code: 'INTERNAL', message: 'x', retryable: true }, T(1)));
    assert.deepEqual((await results.get(transientId))!.error, { code: 'INTERNAL', message: 'x', retryable: true });
    assert.equal(await results.enqueue(transientId, transient, T(2)), 'queued', 'QUEUED records may fail too');
    const requeued = (await results.get(transientId))!;
    assert.equal(requeued.status, 'QUEUED');
    assert.equal(requeued.error, undefined);

    const bad = sourceObject('bad.mp4');
    const badId = videoIdFor('bucket', 'bad.mp4');
    await results.enqueue(badId, bad, T(0));
    assert.ok(await results.claim(badId, 'v1', T(1), T(100)));
    assert.ok(await results.fail(badId, 'v1', { code: 'NOT_A_VIDEO', message: 'no' }, T(2)));
    assert.equal((await results.get(badId))!.leaseUntil, undefined, 'a finished record holds no claim');
    assert.equal(await results.enqueue(badId, bad, T(3)), 'finished');
    const retried = await results.requeue(badId, T(4));
    assert.equal(retried?.status, 'QUEUED');
    assert.equal(retried?.source.version, 'v1');
    assert.equal(await results.requeue(badId, T(5)), undefined, 'a QUEUED record is not retried');
    assert.ok(await results.claim(badId, 'v1', T(6), T(100)));
  });

  test(`${storeName}: a claim holds until its lease ends, then enqueue, claim and requeue take it over`, async () => {
    const results = store();
    const source = sourceObject('held.mp4');
    const id = videoIdFor('bucket', 'held.mp4');
    await results.enqueue(id, source, T(0));
    assert.ok(await results.claim(id, 'v1', T(1), T(10)));
    assert.ok(await results.release(id, 'v1', T(1)), 'a delivery that failed transiently releases its claim');
    assert.equal((await results.get(id))!.status, 'QUEUED');
    const claimed = await results.claim(id, 'v1', T(1), T(10));
    assert.equal(claimed?.leaseUntil, T(10));
    assert.equal(await results.claim(id, 'v1', T(2), T(20)), undefined);
    assert.equal(await results.enqueue(id, source, T(9)), 'pending');
    assert.equal(await results.requeue(id, T(9)), undefined, 'a live claim is not retried');
    assert.equal((await results.requeue(id, T(9), T(10)))?.status, 'QUEUED', 'a restart may declare it ended');
    assert.ok(await results.claim(id, 'v1', T(11), T(30)));
    assert.equal(await results.enqueue(id, source, T(30)), 'queued', 'an abandoned claim is queued again');
    assert.ok(await results.claim(id, 'v1', T(31), T(40)));
    const retried = await results.requeue(id, T(41));
    assert.equal(retried?.status, 'QUEUED', 'an abandoned claim can be retried');
    assert.equal(retried?.leaseUntil, undefined);
  });
}
