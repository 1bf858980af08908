import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { webhookSignature } from '../../layers/pipeline/adapters/local/webhook-notifier.js';
import { videoEventSchema } from '../../layers/pipeline/core/ports/notifier.js';
import { killServes, startServe, stopServe } from '../../scripts/lib/serve-process.js';
import { buildSmallTextModel } from '../../scripts/lib/small-model.js';
import { makeTestVideo } from '../../scripts/lib/test-video.js';

after(() => killServes());

test('xclip serve --webhook posts a signed event for a video dropped into the watched folder', async () => {
  const work = mkdtempSync(join(tmpdir(), 'xclip-serve-webhook-'));
  mkdirSync(join(work, 'bucket'));
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
      receiver.emit('event');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const secret = 'serve-webhook-secret-0123';
  const server = await startServe(
    [
      ...['--watch', join(work, 'bucket'), '--data', join(work, 'data'), '--model', await buildSmallTextModel()],
      ...['--threads', '1', '--settle-seconds', '0.2'],
      ...['--webhook', `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`],
    ],
    { env: { XCLIP_WEBHOOK_SECRET: secret } },
  );
  try {
    makeTestVideo(join(work, 'bucket'), 'clip.mp4');
    await once(receiver, 'event');
    const [{ headers, body }] = received as [(typeof received)[number]];
    assert.equal(headers['x-xclip-event'], 'Video Classified');
    assert.equal(headers['x-xclip-signature'], webhookSignature(secret, String(headers['x-xclip-timestamp']), body));
    const event = videoEventSchema.parse(JSON.parse(body));
    assert.equal(event.key, 'clip.mp4');
    assert.equal(event.status, 'DONE');
  } finally {
    await stopServe(server);
    receiver.close();
  }
});

test('xclip serve refuses --webhook without a secret long enough, before it listens', async () => {
  await assert.rejects(
    startServe(['--model', await buildSmallTextModel(), '--webhook', 'http://127.0.0.1:9/hook'], {
      env: { XCLIP_WEBHOOK_SECRET: 'short' },
    }),
    /webhook secret is missing or too short/,
  );
});
