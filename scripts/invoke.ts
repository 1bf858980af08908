// Runs a real handler on a sample event: `npm run invoke -- events/sqs-s3-put.json`.
//
// SQS events (and bare S3 notifications, wrapped in one) go to the classifier, API Gateway v2
// requests to the API. Without AWS_ENDPOINT_URL_S3 in the environment, local servers (s3rver,
// dynalite, local-aws-sqs, the S3 Vectors stand-in) are started for the run and every video the event names is uploaded
// first (a generated test pattern) with the event's eTag set to the stored one, as S3 would have
// sent it. Without MODEL_DIR, a tiny untrained model is built: the labels are then meaningless.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../functions/shared/config.js';
import { videoIdFor } from '../layers/pipeline/core/index.js';
import { createAwsServices } from '../layers/pipeline/runtimes/aws/index.js';
import { readManifest } from '../layers/xclip/manifest.js';
import { lambdaContext, notificationKeys, sqsEvent, withStoredVersions } from './lib/lambda-events.js';
import { type LocalAws, startLocalAws } from './lib/local-aws.js';
import { type LocalVectorIndex, startLocalVectorIndex } from './lib/local-vector-index.js';
import { buildSmallTextModel } from './lib/small-model.js';
import { makeTestVideo } from './lib/test-video.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: npm run invoke -- EVENT.json\n');
  process.exit(2);
}
const event = JSON.parse(readFileSync(file, 'utf8')) as {
  Records?: Array<{ eventSource?: string; body?: string }>;
  version?: string;
};
const work = mkdtempSync(join(tmpdir(), 'xclip-invoke-'));

const startsLocalServers = !process.env.AWS_ENDPOINT_URL_S3 && !process.env.AWS_ENDPOINT_URL;
if (!process.env.MODEL_DIR) {
  process.env.MODEL_DIR = await buildSmallTextModel();
  process.env.LABEL_FEATURE_CACHE_DIR ??= join(work, 'label-features');
  process.stderr.write(
    `MODEL_DIR unset: using a tiny untrained model (${process.env.MODEL_DIR}); its labels are meaningless\n`,
  );
}
let local: LocalAws | undefined;
let vectors: LocalVectorIndex | undefined;
if (startsLocalServers) {
  local = await startLocalAws();
  vectors = await startLocalVectorIndex(readManifest(process.env.MODEL_DIR).config.projection_dim);
  process.stderr.write(`local servers: ${JSON.stringify({ ...local.env, ...vectors.env })}\n`);
}

try {
  if (event.version === '2.0') {
    const { handler } = await import('../functions/api/handler.js');
    process.stdout.write(
      `${JSON.stringify(await handler(event as unknown as APIGatewayProxyEventV2, lambdaContext), null, 2)}\n`,
    );
  } else {
    const sqs: SQSEvent =
      event.Records?.[0]?.eventSource === 'aws:s3' ? sqsEvent([JSON.stringify(event)]) : (event as unknown as SQSEvent);
    const { bucket, results } = createAwsServices(loadConfig());
    if (local) {
      const video = readFileSync(makeTestVideo(work, 'pattern.mp4'));
      for (const record of sqs.Records) {
        for (const key of notificationKeys(record.body)) await bucket.put(key, video, 'video/mp4');
        record.body = await withStoredVersions(record.body, bucket);
      }
    }
    const { handler } = await import('../functions/classifier/handler.js');
    process.stdout.write(`${JSON.stringify(await handler(sqs, lambdaContext), null, 2)}\n`);
    for (const key of sqs.Records.flatMap((record) => notificationKeys(record.body))) {
      const record = await results.get(videoIdFor(bucket.bucket, key));
      process.stdout.write(
        `${key}: ${record ? `${record.status} ${JSON.stringify(record.result?.labels.slice(0, 3).map(({ label, score }) => ({ label, score })) ?? record.error ?? null)}` : 'no record'}\n`,
      );
    }
  }
} finally {
  await vectors?.close();
  await local?.close();
  rmSync(work, { recursive: true, force: true });
}
