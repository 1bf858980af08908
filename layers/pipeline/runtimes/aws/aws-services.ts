import {
  type AwsClients,
  createAwsClients,
  DynamoResultStore,
  S3ArtifactLinks,
  S3ObjectStore,
  S3VectorIndex,
  type S3VectorIndexOptions,
  SageMakerGpuEndpoint,
  SqsIngestQueue,
} from '../../adapters/aws/index.js';
import { GPU_REQUEST_PREFIX, GpuRequestSender } from '../../core/index.js';

/** An S3 Vectors index, by ARN (as the stack passes it) or by bucket and index name, and its dimension. */
export interface VectorIndexSettings {
  target: S3VectorIndexOptions['target'];
  dimension: number;
}

/** What an AWS runtime (a function, `xclip backfill`, `npm run invoke`) is deployed against. */
export interface AwsServiceSettings {
  /** Uploads, artifacts and GPU request documents. */
  bucket: string;
  /** The result table. */
  table: string;
  /** The S3 Vectors index search reads and classification writes; without it there is no `vectors`. */
  vectorIndex?: VectorIndexSettings;
  /** Largest object a download takes (default: no limit). */
  maxDownloadBytes?: number;
  /** The ingest queue; without it there is no `queue`. */
  queueUrl?: string;
  /** The SageMaker asynchronous endpoint; without it there is no `gpuSender`. */
  gpuEndpointName?: string;
}

/** Every AWS service the use cases need, built once per container or command. */
export interface AwsServices {
  clients: AwsClients;
  bucket: S3ObjectStore;
  /** Presigned GETs of the bucket's thumbnails, for browsers. */
  links: S3ArtifactLinks;
  results: DynamoResultStore;
  vectors?: S3VectorIndex;
  queue?: SqsIngestQueue;
  gpuSender?: GpuRequestSender;
  /** Closes the clients' connections (for commands; a Lambda container keeps them). */
  destroy(): void;
}

/**
 * The AWS composition root: clients with their timeouts, the bucket, the result table, the vector index, the queue and
 * the GPU sender.
 */
/** Settings that name a vector index give services with one. */
type WithVectors<S> = S extends { vectorIndex: VectorIndexSettings } ? { vectors: S3VectorIndex } : unknown;

export function createAwsServices<S extends AwsServiceSettings>(
  settings: S,
  clients = createAwsClients(),
): AwsServices & WithVectors<S> {
  const bucket = new S3ObjectStore(clients.s3, settings.bucket, { maxDownloadBytes: settings.maxDownloadBytes });
  return {
    clients,
    bucket,
    links: new S3ArtifactLinks(clients.s3, settings.bucket),
    results: new DynamoResultStore(clients.dynamo, settings.table),
    ...(settings.vectorIndex
      ? { vectors: new S3VectorIndex({ client: clients.s3Vectors, ...settings.vectorIndex }) }
      : {}),
    ...(settings.queueUrl ? { queue: new SqsIngestQueue(clients.sqs, settings.queueUrl) } : {}),
    ...(settings.gpuEndpointName
      ? {
          gpuSender: new GpuRequestSender(
            bucket,
            new SageMakerGpuEndpoint(clients.sageMaker, settings.gpuEndpointName),
            GPU_REQUEST_PREFIX,
          ),
        }
      : {}),
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  } as AwsServices & WithVectors<S>;
}
