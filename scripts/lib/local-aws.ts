import { fork } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { createSqsServer } from 'local-aws-sqs';
import { type AwsClients, createAwsClients, createTableInput } from '../../layers/pipeline/adapters/aws/index.js';

export interface LocalAws {
  /** The variables a function or the CLI needs to reach these servers (also set on process.env). */
  env: Record<string, string>;
  clients: AwsClients;
  /** Emits 'event' with s3rver's S3 event notification for each object written. */
  s3Events: EventEmitter;
  bucket: string;
  table: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  bucket?: string;
  table?: string;
  queue?: string;
  /** Deliveries before the queue's redrive policy moves a message to the dead-letter queue. */
  maxReceiveCount?: number;
}

// Powertools stays quiet in tests: no EMF metric lines, no info logs (set before any handler module makes its Logger).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** s3rver in its own process (see s3rver-process.mjs); its S3 events re-emitted on `events`. */
async function startS3rver(
  options: Record<string, unknown>,
  events: EventEmitter,
): Promise<{ port: number; close(): Promise<void> }> {
  const child = fork(new URL('./s3rver-process.mjs', import.meta.url), [JSON.stringify(options)], {
    execArgv: ['--openssl-legacy-provider'],
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)));
    child.on('message', (message: { port?: number; event?: unknown }) => {
      if (message.port !== undefined) resolve(message.port);
      else events.emit('event', message.event);
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    close: async () => {
      const exited = once(child, 'exit');
      child.disconnect();
      await exited;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * s3rver (S3, in a child process), dynalite (DynamoDB) and local-aws-sqs (SQS) on free ports, with the
 * bucket, the result table (from table-schema.ts) and a queue with a dead-letter queue created. The
 * SDK finds them through AWS_ENDPOINT_URL_S3/_DYNAMODB/_SQS, set on process.env with dummy
 * credentials, as a deployed function finds the real services.
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const { bucket = 'uploads', table = 'results', queue = 'ingest', maxReceiveCount = 3 } = options;
  const directory = mkdtempSync(join(tmpdir(), 'xclip-s3rver-'));
  const s3Events = new EventEmitter();
  const s3 = await startS3rver(
    {
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory,
      allowMismatchedSignatures: true,
      configureBuckets: [{ name: bucket, configs: [] }],
    },
    s3Events,
  );
  const dynamo = dynalite({ createTableMs: 0 });
  const dynamoPort = await listen(dynamo);
  const sqsPort = await freePort();
  const sqs = await createSqsServer({ port: sqsPort, hostname: '127.0.0.1', emulateQueueCreationLifecycle: false });

  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3.port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamoPort}`,
    AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${sqsPort}`,
    BUCKET_NAME: bucket,
    TABLE_NAME: table,
  };
  Object.assign(process.env, env);
  const clients = createAwsClients();
  await clients.dynamo.send(new CreateTableCommand(createTableInput(table)));
  const dlq = await clients.sqs.send(new CreateQueueCommand({ QueueName: `${queue}-dead-letters` }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const main = await clients.sqs.send(
    new CreateQueueCommand({
      QueueName: queue,
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount }) },
    }),
  );
  env.QUEUE_URL = main.QueueUrl!;
  process.env.QUEUE_URL = main.QueueUrl!;

  return {
    env,
    clients,
    s3Events,
    bucket,
    table,
    queueUrl: main.QueueUrl!,
    deadLetterQueueUrl: dlq.QueueUrl!,
    async close() {
      for (const client of Object.values(clients)) client.destroy();
      await Promise.all([s3.close(), closeServer(dynamo), closeServer(sqs)]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
