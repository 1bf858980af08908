import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { SNSEvent } from 'aws-lambda';
import type { ObjectStore } from '../../layers/pipeline/core/ports/object-store.js';
import { GPU_OUTPUT_PREFIX } from '../../layers/pipeline/core/routing/gpu-keys.js';
import { keyInBucket, s3Uri } from '../../layers/pipeline/core/routing/s3-uri.js';

/** One InvokeEndpointAsync call the stand-in accepted. */
export interface AsyncInvocation {
  endpointName: string;
  inputLocation: string;
  inferenceId: string;
  contentType: string;
}

export interface LocalSageMaker {
  /** For AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME. */
  url: string;
  /** Accepted and not yet run. */
  queued: AsyncInvocation[];
  /** Runs every queued invocation as SageMaker asynchronous inference does; resolves when all are notified. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface LocalSageMakerOptions {
  /** The bucket of inputs and outputs. */
  objects: ObjectStore;
  /** The model container's POST /invocations. */
  invoke(body: Buffer, contentType: string): Promise<Response>;
  /** Where the success and error notifications go (the topics' subscriber). */
  notify(event: SNSEvent): Promise<void>;
}

/** An SNS event as Lambda receives one from a topic, with `message` as its body. */
export function snsEvent(message: unknown): SNSEvent {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:topic:subscription',
        Sns: {
          Type: 'Notification',
          MessageId: `message-${Math.random().toString(16).slice(2)}`,
          TopicArn: 'arn:aws:sns:us-east-1:123456789012:topic',
          Subject: '',
          Message: typeof message === 'string' ? message : JSON.stringify(message),
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: '',
          SigningCertUrl: '',
          UnsubscribeUrl: '',
          MessageAttributes: {},
        },
      },
    ],
  };
}

/**
 * A stand-in for SageMaker's runtime API and an asynchronous endpoint behind it: InvokeEndpointAsync is accepted
 * (202, the output location in a header) and queued; drain() reads each input object, posts it to the container,
 * writes the response to the output (or failure) location and publishes the notification AWS documents.
 */
export async function startLocalSageMaker(options: LocalSageMakerOptions): Promise<LocalSageMaker> {
  const { objects } = options;
  const queued: AsyncInvocation[] = [];
  const outputKey = (id: string) => `${GPU_OUTPUT_PREFIX}${id}.out`;

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const match = /^\/endpoints\/([^/]+)\/async-invocations$/.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) {
      response.writeHead(404).end();
      return;
    }
    const inferenceId = String(request.headers['x-amzn-sagemaker-inference-id'] ?? `generated-${queued.length}`);
    queued.push({
      endpointName: decodeURIComponent(match[1]!),
      inputLocation: String(request.headers['x-amzn-sagemaker-inputlocation']),
      inferenceId,
      contentType: String(request.headers['x-amzn-sagemaker-content-type'] ?? 'application/octet-stream'),
    });
    request.resume();
    response.writeHead(202, {
      'content-type': 'application/json',
      'x-amzn-sagemaker-outputlocation': s3Uri({ bucket: objects.bucket, key: outputKey(inferenceId) }),
    });
    response.end(JSON.stringify({ InferenceId: inferenceId }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  async function run(invocation: AsyncInvocation): Promise<void> {
    const input = (await objects.get(keyInBucket(invocation.inputLocation, objects.bucket, 'input')))!;
    const reply = await options.invoke(input, invocation.contentType);
    const body = Buffer.from(await reply.arrayBuffer());
    const requestParameters = {
      contentType: invocation.contentType,
      endpointName: invocation.endpointName,
      inputLocation: invocation.inputLocation,
    };
    const common = {
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      receivedTime: new Date().toISOString(),
      inferenceId: invocation.inferenceId,
      eventVersion: '1.0',
      eventSource: 'aws:sagemaker',
      eventName: 'InferenceResult',
    };
    if (reply.status === 200) {
      await objects.put(outputKey(invocation.inferenceId), body, 'application/json');
      const outputLocation = s3Uri({ bucket: objects.bucket, key: outputKey(invocation.inferenceId) });
      await options.notify(
        snsEvent({
          ...common,
          invocationStatus: 'Completed',
          requestParameters,
          responseParameters: { contentType: 'application/json', outputLocation },
        }),
      );
    } else {
      await objects.put(`${GPU_OUTPUT_PREFIX}failures/${invocation.inferenceId}-error.out`, body, 'application/json');
      const failureReason = `ClientError: Received client error (${reply.status}) from primary with message "${body.toString('utf8')}". See the SageMaker Endpoint logs in your account for more information.`;
      await options.notify(snsEvent({ ...common, invocationStatus: 'Failed', failureReason, requestParameters }));
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    queued,
    async drain() {
      while (queued.length > 0) await run(queued.shift()!);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
