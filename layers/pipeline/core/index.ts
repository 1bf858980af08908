export {
  DEFAULT_LABEL_FEATURE_CACHE,
  DEFAULT_TOP,
  DEFAULT_UPLOAD_PREFIX,
  DEFAULT_VIDEO_SUFFIXES,
  type LabelFeatureCacheBytes,
  MAX_TOP,
  parseProviderList,
} from '../settings.js';
export { DEFAULT_CLAIM_LEASE_MS, isAbandoned, isRequeueable, isRetryable, leaseEnd } from './claims.js';
export {
  type LabelScore,
  type VideoClassification,
  VideoClassifier,
} from './classifier.js';
export { decodeCursor, encodeCursor, queryFingerprint } from './cursor.js';
export { InvalidKeyError, InvalidRequestError, NotFoundError, NotReadyError } from './errors.js';
export { loadClassifier } from './execution-providers.js';
export { labelSetFromRequest } from './label-spec.js';
export { type ArtifactLinks, LINK_WINDOW_MS, linkWindowStart } from './ports/artifact-links.js';
export type { GpuEndpoint } from './ports/gpu-endpoint.js';
export {
  type Notifier,
  VIDEO_EVENT_DETAIL_TYPES,
  VIDEO_EVENT_SOURCE,
  type VideoEvent,
  videoEventSchema,
} from './ports/notifier.js';
export type { ObjectInfo, ObjectStore } from './ports/object-store.js';
export type { IngestSink, Queue, QueuedObject, QueueMessage } from './ports/queue.js';
export type { EnqueueOutcome, ListQuery, Page, ResultStore } from './ports/result-store.js';
export {
  checkQuery,
  checkVector,
  checkVideoBatch,
  checkVideoVectors,
  epochMs,
  InvalidVectorInputError,
  keyFolders,
  MAX_QUERY_K,
  type UpsertOutcome,
  type VectorEntry,
  type VectorFilter,
  type VectorHit,
  type VectorIndex,
  type VectorKind,
  type VectorMetadata,
  type VectorQuery,
  type VectorVersion,
  type VideoVectors,
  vectorKey,
} from './ports/vector-index.js';
export { modelInfoOf, type VideoModel } from './ports/video-model.js';
export {
  labelScoreSchema,
  modelInfoSchema,
  type RecordError,
  recordErrorSchema,
  type SourceObject,
  type Thumbnails,
  thumbnailsSchema,
  VIDEO_STATUSES,
  type VideoRecord,
  type VideoResult,
  videoRecordSchema,
  videoResultSchema,
  videoStatusSchema,
} from './result-schema.js';
export { type BatchDeps, classifyBatch } from './routing/classify-batch.js';
export { GPU_OUTPUT_PREFIX, GPU_REQUEST_PREFIX, MANIFEST_SUFFIX } from './routing/gpu-keys.js';
export { gpuRequestSchema, type VideoOutcome } from './routing/gpu-request.js';
export { GpuRequestSender } from './routing/gpu-request-sender.js';
export { type GpuRouterDeps, type RoutedUpload, routeUpload } from './routing/gpu-router.js';
export { parseJsonDocument } from './routing/json-document.js';
export { DEFAULT_GPU_MIN_VIDEO_SECONDS, type GpuRoutingPolicy } from './routing/route.js';
export { parseS3Uri } from './routing/s3-uri.js';
export { type GpuNotification, type SettleDeps, settleGpuRequest } from './routing/settle-gpu-request.js';
export { artifactKeysFor } from './storage-keys.js';
export { decodeFloat32, encodeFloat32 } from './tensor-codec.js';
export { type BackfillCounts, type BackfillDeps, backfill } from './use-cases/backfill.js';
export {
  type ClassifyDeps,
  type ClassifyOutcome,
  type ClassifySettings,
  classifyDelivery,
} from './use-cases/classify.js';
export { ingestObject } from './use-cases/ingest.js';
export {
  REINDEX_BATCH,
  type ReindexCounts,
  type ReindexDeps,
  reindex,
  storedDimension,
} from './use-cases/reindex.js';
export { relabelVideos } from './use-cases/relabel.js';
export { type RetryDeps, retryVideo } from './use-cases/retry.js';
export {
  type Moment,
  type SearchDeps,
  type SearchFilter,
  type SearchHit,
  type SearchOptions,
  type SearchQuery,
  searchVideos,
  similarVideos,
} from './use-cases/search.js';
export { videoIdFor } from './video-id.js';
export {
  hasVideoSuffix,
  type UploadRules,
  uploadKeyProblem,
} from './video-keys.js';
export { readVideoVectors, videoVectorsOf } from './video-vectors.js';
