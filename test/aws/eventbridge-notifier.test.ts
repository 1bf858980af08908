import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAwsClients } from '../../layers/pipeline/adapters/aws/clients.js';
import { EventBridgeNotifier } from '../../layers/pipeline/adapters/aws/eventbridge-notifier.js';
import { videoEventSchema } from '../../layers/pipeline/core/ports/notifier.js';
import { settleGoodAndBad } from '../pipeline/records.js';
import { EventBridgeStandIn } from './eventbridge-server.js';

const standIn = new EventBridgeStandIn();
const logged: Array<{ message: string; details: Record<string, unknown> }> = [];
let notifier: EventBridgeNotifier;

before(async () => {
  // The SDK's own endpoint variable, as a deployment's AWS_ENDPOINT_URL_* would be read.
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = await standIn.start();
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  const { events } = createAwsClients(process.env, {
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    maxAttempts: 2,
  });
  notifier = new EventBridgeNotifier(events, 'default', (message, details) => logged.push({ message, details }));
});
after(() => standIn.close());

test('classification puts one event per video that ends DONE or FAILED on the bus', async () => {
  const results = await settleGoodAndBad(notifier, ['good.mp4', 'bad.mp4']);
  assert.deepEqual(
    standIn.entries.map(({ Source, DetailType, EventBusName }) => ({ Source, DetailType, EventBusName })),
    [
      { Source: 'xclip', DetailType: 'Video Classified', EventBusName: 'default' },
      { Source: 'xclip', DetailType: 'Video Failed', EventBusName: 'default' },
    ],
  );
  const [done, failed] = standIn.entries.map((entry) => videoEventSchema.parse(JSON.parse(entry.Detail)));
  assert.equal(done!.key, 'good.mp4');
  assert.deepEqual(done!.labels, [{ label: 'a', score: 1 }]);
  assert.equal(standIn.entries[0]!.Time, Date.parse(done!.at) / 1000);
  assert.equal(failed!.error?.code, 'NOT_A_VIDEO');
  assert.deepEqual(logged, []);
  results.close();
});

test('a failed entry or a bus that keeps failing is logged, never thrown', async () => {
  const event = videoEventSchema.parse({
    schemaVersion: 1,
    id: 'x',
    bucket: 'b',
    key: 'k.mp4',
    version: 'v',
    status: 'DONE',
    at: new Date(0).toISOString(),
  });
  const before = standIn.entries.length;
  standIn.failNext = 1;
  await notifier.notify(event);
  assert.equal(standIn.entries.length, before + 1, "the SDK's retry put it");

  standIn.rejectNext = 1;
  await notifier.notify(event);
  standIn.failNext = 2;
  const requests = standIn.requests;
  await notifier.notify(event);
  assert.equal(standIn.requests - requests, 2, 'the client bounds its tries');
  assert.deepEqual(
    logged.map(({ message, details }) => `${message}: ${details.why}`),
    [
      'video event not put: InternalFailure: stand-in rejection',
      'video event not put: InternalException: stand-in failure',
    ],
  );
});
