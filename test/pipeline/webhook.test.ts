import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { UsageError } from '../../layers/common/errors.js';
import {
  checkWebhook,
  WEBHOOK_HEADERS,
  WebhookNotifier,
  webhookSignature,
} from '../../layers/pipeline/adapters/local/webhook-notifier.js';
import { type VideoEvent, videoEventSchema } from '../../layers/pipeline/core/ports/notifier.js';
import { settleGoodAndBad } from './records.js';

const SECRET = 'webhook-secret-0123456789';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP receiver: records every request and answers with the next of `answers` (then 200). */
class Receiver {
  readonly requests: Received[] = [];
  answers: number[] = [];
  /** While set, requests wait for it before they are answered. */
  hold: Promise<void> | undefined;
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', async () => {
        this.requests.push({ headers: request.headers, body });
        await this.hold;
        response.writeHead(this.answers.shift() ?? 200).end();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let receiver: Receiver;
let url: string;

before(async () => {
  receiver = new Receiver();
  url = await receiver.start();
});
after(() => receiver.close());

function event(key: string): VideoEvent {
  return { schemaVersion: 1, id: key, bucket: 'b', key, version: 'v1', status: 'DONE', at: new Date(0).toISOString() };
}

function notifier(log: string[], options: { maxPending?: number } = {}) {
  return new WebhookNotifier({ url, secret: SECRET, baseDelayMs: 5, log: (line) => log.push(line), ...options });
}

test('classification posts one signed event per video that ends DONE or FAILED', async () => {
  receiver.requests.length = 0;
  const log: string[] = [];
  const webhook = notifier(log);
  const results = await settleGoodAndBad(webhook, ['good.mp4', 'bad.mp4', 'good.mp4']);
  await webhook.idle();

  assert.equal(receiver.requests.length, 2, 'the second delivery of good.mp4 was skipped: no event');
  const events = receiver.requests.map(({ headers, body }) => {
    const timestamp = String(headers[WEBHOOK_HEADERS.timestamp]);
    assert.equal(headers[WEBHOOK_HEADERS.signature], webhookSignature(SECRET, timestamp, body));
    assert.notEqual(headers[WEBHOOK_HEADERS.signature], webhookSignature('another secret!!', timestamp, body));
    assert.equal(headers['content-type'], 'application/json');
    return { type: headers[WEBHOOK_HEADERS.event], event: videoEventSchema.parse(JSON.parse(body)) };
  });
  assert.equal(events[0]!.type, 'Video Classified');
  assert.deepEqual(events[0]!.event.labels, [{ label: 'a', score: 1 }]);
  assert.equal(events[0]!.event.key, 'good.mp4');
  assert.equal(events[1]!.type, 'Video Failed');
  assert.equal(events[1]!.event.error?.code, 'NOT_A_VIDEO');
  assert.equal((await results.get(events[1]!.event.id))?.status, 'FAILED');
  assert.deepEqual(log, []);
  results.close();
});

test('a refused delivery is retried with backoff up to its bound; a 4xx answer is not retried', async () => {
  receiver.requests.length = 0;
  const log: string[] = [];
  const webhook = notifier(log);
  receiver.answers = [503, 429];
  await webhook.notify(event('flaky.mp4'));
  await webhook.idle();
  assert.equal(receiver.requests.length, 3, 'two refusals, then delivered');
  assert.deepEqual(log, []);

  receiver.requests.length = 0;
  receiver.answers = [500, 500, 500, 500, 500];
  await webhook.notify(event('down.mp4'));
  await webhook.idle();
  assert.equal(receiver.requests.length, 5, 'five tries at most');
  assert.match(log.join('\n'), /gave up on the DONE event of down\.mp4: answered 500/);

  receiver.requests.length = 0;
  receiver.answers = [404];
  await webhook.notify(event('gone.mp4'));
  await webhook.idle();
  assert.equal(receiver.requests.length, 1);
  assert.match(log.join('\n'), /gave up on the DONE event of gone\.mp4: answered 404/);
});

test('notify never waits for the receiver; the waiting events are bounded, and shutdown is too', async () => {
  receiver.requests.length = 0;
  let release!: () => void;
  receiver.hold = new Promise((resolve) => (release = resolve));
  const log: string[] = [];
  const webhook = notifier(log, { maxPending: 2 });
  for (const key of ['1.mp4', '2.mp4', '3.mp4', '4.mp4']) await webhook.notify(event(key));
  assert.ok(receiver.requests.length <= 1, 'notify returned while the first request hangs');
  assert.match(log.join('\n'), /dropped the DONE event of 2\.mp4: too many waiting/);
  await webhook.close(50);
  assert.match(log.join('\n'), /not sent on shutdown: the DONE event of 4\.mp4/);
  release();
  receiver.hold = undefined;
  await webhook.notify(event('late.mp4'));
  await webhook.idle();
  assert.deepEqual(
    receiver.requests.map(({ body }) => JSON.parse(body).key),
    ['1.mp4'],
    'nothing after close',
  );
});

test('a webhook needs an http(s) URL and a secret of 16 characters or more', () => {
  assert.throws(() => checkWebhook({ url: 'ftp://example.test/', secret: SECRET }), UsageError);
  assert.throws(() => checkWebhook({ url: 'not a url', secret: SECRET }), UsageError);
  assert.throws(() => checkWebhook({ url, secret: 'short' }), /too short/);
  assert.doesNotThrow(() => checkWebhook({ url, secret: SECRET }));
});
