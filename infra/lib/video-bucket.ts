import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface VideoBucketProps {
  /**
   * What happens to both buckets when they leave the stack. DESTROY also empties them first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Browser origins allowed to PUT presigned uploads (besides those added by allowBrowserUploadsFrom).
   * @default - none: no CORS rule
   */
  readonly corsOrigins?: string[];
  /**
   * How long an overwritten or deleted upload's old version is kept.
   * @default Duration.days(30)
   */
  readonly noncurrentVersionRetention?: Duration;
  /**
   * How long server access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/** The bucket that takes uploads and holds every artifact (results, embeddings, tokens), with its access-log bucket. */
export class VideoBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: VideoBucketProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    const secure = {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy,
      autoDeleteObjects,
    } as const;

    // Server access logs can only be delivered to an SSE-S3 bucket, hence S3_MANAGED on both.
    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [{ expiration: props.accessLogRetention ?? Duration.days(365) }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log destination; logging its own access would log every log delivery, recursively.',
    });

    this.bucket = new Bucket(this, 'Videos', {
      ...secure,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'videos-bucket/',
      lifecycleRules: [
        {
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
    });
    if (props.corsOrigins?.length) this.allowBrowserUploadsFrom(props.corsOrigins);
  }

  /**
   * Lets pages of `origins` PUT presigned uploads, whole files or parts, and read the ETag S3 answers a part with
   * (the page completes a multipart upload with them).
   */
  allowBrowserUploadsFrom(origins: string[]): void {
    this.bucket.addCorsRule({
      allowedOrigins: origins,
      allowedMethods: [HttpMethods.PUT],
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag'],
      maxAge: 3600,
    });
  }
}
