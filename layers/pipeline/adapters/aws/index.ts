export { parseAsyncInferenceNotification } from './async-inference-notification.js';
export { type AwsClients, createAwsClients } from './clients.js';
export { DynamoResultStore } from './dynamo-result-store.js';
export { EventBridgeNotifier } from './eventbridge-notifier.js';
export { S3ArtifactLinks } from './s3-artifact-links.js';
export { s3DurationProbe } from './s3-duration-probe.js';
export {
  decodeEventKey,
  InvalidS3EventError,
  parseS3Notification,
  type S3EventRecord,
  sourceOfRecord,
} from './s3-notification.js';
export {
  MAX_KEY_BYTES,
  MAX_PART_BYTES,
  MAX_PARTS,
  MIN_PART_BYTES,
  ObjectChangedError,
  S3ObjectStore,
} from './s3-object-store.js';
export { NON_FILTERABLE_METADATA_KEYS, S3VectorIndex, type S3VectorIndexOptions } from './s3-vector-index.js';
export { SageMakerGpuEndpoint } from './sagemaker-gpu-endpoint.js';
export { queueMaxReceives, SqsIngestQueue } from './sqs-ingest-queue.js';
export { createTableInput, TABLE_INDEXES, TABLE_PARTITION_KEY } from './table-schema.js';
export { copyUnshardedTable, type TableCopyCounts } from './unsharded-table-copy.js';
