import { fileURLToPath } from 'node:url';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Architecture } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { artifactKeysFor, GPU_REQUEST_PREFIX, MANIFEST_SUFFIX } from '../layers/pipeline/core/index.js';
import { CONTAINER_LABEL_FEATURE_CACHE_DIR, CONTAINER_MODEL_DIR } from '../layers/xclip/model-location.js';
import type { DeploymentSettings } from './deployment-settings.js';
import { apiRoutes, webPageRoutes } from './lib/api-routes.js';
import { ClassifierFunction } from './lib/classifier-function.js';
import { FunctionImage } from './lib/function-image.js';
import { GpuEndpoint } from './lib/gpu-endpoint.js';
import { IngestQueue } from './lib/ingest-queue.js';
import { OperationalAlarms } from './lib/operational-alarms.js';
import { ResultsApi } from './lib/results-api.js';
import { ResultsTable } from './lib/results-table.js';
import { SignInUserPool } from './lib/sign-in-user-pool.js';
import { VideoVectorIndex } from './lib/vector-index.js';
import { VideoBucket } from './lib/video-bucket.js';
import { VideoEvents } from './lib/video-events.js';

export interface XclipServerlessStackProps extends StackProps {
  readonly settings: DeploymentSettings;
  /**
   * The repository root: the function image's build context.
   * @default - this file's repository
   */
  readonly repositoryRoot?: string;
}

/** The top-level folder of each kind of artifact, from the key scheme itself (layers/pipeline/storage-keys.ts). */
const ARTIFACT_KEYS = artifactKeysFor('video.mp4');
const prefixOf = (key: string) => key.slice(0, key.indexOf('/') + 1);
const ARTIFACT_PREFIXES = Object.values(ARTIFACT_KEYS).map(prefixOf);
const RESULT_PREFIX = prefixOf(ARTIFACT_KEYS.result);
const METRICS_NAMESPACE = 'XclipServerless';

/** Uploads -> queue -> classifier -> bucket + table, and the HTTP API over the results. */
export class XclipServerlessStack extends Stack {
  constructor(scope: Construct, id: string, props: XclipServerlessStackProps) {
    super(scope, id, props);
    const s = props.settings;
    const removalPolicy = s.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const classifierTimeout = Duration.seconds(s.timeoutSeconds);
    const repositoryRoot = props.repositoryRoot ?? fileURLToPath(new URL('..', import.meta.url));

    const videoBucket = new VideoBucket(this, 'VideoBucket', { removalPolicy, corsOrigins: s.corsOrigins });
    const { bucket } = videoBucket;
    const resultsTable = new ResultsTable(this, 'ResultsTable', { removalPolicy });
    const { table } = resultsTable;
    const ingest = new IngestQueue(this, 'Ingest', {
      bucket,
      prefix: s.uploadPrefix,
      // With a GPU endpoint, manifests uploaded beside the videos are routed too.
      suffixes: notificationSuffixes(s.gpu ? [...s.videoSuffixes, MANIFEST_SUFFIX] : s.videoSuffixes),
      consumerTimeout: classifierTimeout,
      maxReceiveCount: s.maxReceiveCount,
    });

    const vectorIndex = new VideoVectorIndex(this, 'VectorIndex');

    const image = new FunctionImage(this, 'Image', {
      repositoryRoot,
      modelDir: s.modelDir,
      architecture: s.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
    });
    const environment = {
      BUCKET_NAME: bucket.bucketName,
      TABLE_NAME: table.tableName,
      QUEUE_URL: ingest.queue.queueUrl,
      MODEL_DIR: CONTAINER_MODEL_DIR,
      UPLOAD_PREFIX: s.uploadPrefix,
      VIDEO_SUFFIXES: s.videoSuffixes.join(','),
      MAX_VIDEO_BYTES: String(s.maxVideoBytes),
      MAX_VIDEO_SECONDS: String(s.maxVideoSeconds),
      CORS_ORIGINS: s.corsOrigins.join(','),
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LABEL_FEATURE_CACHE_DIR: CONTAINER_LABEL_FEATURE_CACHE_DIR,
      ...vectorIndex.environment,
    };

    const videoEvents = new VideoEvents(this, 'VideoEvents');
    const gpu =
      s.gpu &&
      new GpuEndpoint(this, 'Gpu', {
        settings: s.gpu,
        repositoryRoot,
        bucket,
        resultsTable,
        vectorIndex,
        uploadPrefix: s.uploadPrefix,
        artifactPrefixes: ARTIFACT_PREFIXES,
        functionImage: image,
        maxVideoBytes: s.maxVideoBytes,
        maxVideoSeconds: s.maxVideoSeconds,
        videoEvents,
        logRemovalPolicy: removalPolicy,
      });

    const classifier = new ClassifierFunction(this, 'Classifier', {
      image,
      bucket,
      // With a GPU endpoint it also writes the endpoint's request documents.
      objectAccess: {
        readablePrefixes: [s.uploadPrefix],
        writablePrefixes: gpu ? [...ARTIFACT_PREFIXES, GPU_REQUEST_PREFIX] : ARTIFACT_PREFIXES,
      },
      resultsTable,
      queue: ingest.queue,
      environment: {
        ...environment,
        ...(s.timelineSeconds ? { TIMELINE_SECONDS: String(s.timelineSeconds) } : {}),
        ...videoEvents.environment,
        ...gpu?.routingEnvironment,
      },
      memorySize: s.memorySize,
      timeout: classifierTimeout,
      reservedConcurrency: s.reservedConcurrency,
      maxConcurrency: s.maxConcurrency,
      batchSize: s.batchSize,
      logRemovalPolicy: removalPolicy,
    });
    gpu?.grantInvoke(classifier.function);
    vectorIndex.grantReadWrite(classifier.function);
    videoEvents.grantPut(classifier.function);
    const signInPool = s.cognito ? new SignInUserPool(this, 'SignIn', { removalPolicy }) : undefined;
    const api = new ResultsApi(this, 'Api', {
      image,
      bucket,
      // Presigned uploads and the videos' presigned GETs (the page's player) are signed with the function's own
      // permission; relabelling rewrites result documents.
      objectAccess: {
        readablePrefixes: [...ARTIFACT_PREFIXES, s.uploadPrefix],
        writablePrefixes: [s.uploadPrefix, RESULT_PREFIX],
      },
      resultsTable,
      ingestQueue: ingest.queue,
      routes: apiRoutes(),
      publicRoutes: webPageRoutes(s.jwt !== undefined || signInPool !== undefined),
      environment,
      jwt: s.jwt,
      userPool: signInPool,
      corsOrigins: s.corsOrigins,
      memorySize: s.apiMemorySize,
      logRemovalPolicy: removalPolicy,
    });
    vectorIndex.grantReadWrite(api.function);
    // The API serves the web page, which PUTs uploads straight to the bucket.
    videoBucket.allowBrowserUploadsFrom([api.httpApi.apiEndpoint]);

    new OperationalAlarms(this, 'Alarms', {
      deadLetterQueue: ingest.deadLetterQueue,
      invalidMessages: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: 'InvalidMessages',
        dimensionsMap: { service: 'classifier' },
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      functions: {
        Classifier: classifier.function,
        Api: api.function,
        ...(gpu ? { GpuResults: gpu.resultsFunction } : {}),
      },
      alarmEmail: s.alarmEmail,
    });

    new CfnOutput(this, 'BucketName', {
      value: bucket.bucketName,
      description: `Upload videos under s3://<bucket>/${s.uploadPrefix}`,
    });
    new CfnOutput(this, 'ApiUrl', { value: api.stage.url, description: 'The HTTP API' });
    if (signInPool)
      new CfnOutput(this, 'UserPoolId', {
        value: signInPool.userPool.userPoolId,
        description: 'The web page users (aws cognito-idp admin-create-user --user-pool-id <id> --username <email>)',
      });
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The result table' });
    if (gpu)
      new CfnOutput(this, 'GpuEndpointName', {
        value: gpu.endpointName,
        description: 'The GPU endpoint (xclip backfill --gpu --endpoint)',
      });
  }
}

/**
 * S3 matches suffixes case-sensitively and the classifier case-insensitively: each suffix is routed in lower and
 * upper case, which covers what cameras and phones write (.mp4, .MP4, .MOV).
 */
export function notificationSuffixes(suffixes: string[]): string[] {
  return [...new Set(suffixes.flatMap((suffix) => [suffix.toLowerCase(), suffix.toUpperCase()]))];
}
