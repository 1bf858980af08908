import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnIndex, CfnVectorBucket } from 'aws-cdk-lib/aws-s3vectors';
import { Construct } from 'constructs';
import { NON_FILTERABLE_METADATA_KEYS } from '../../layers/pipeline/adapters/aws/index.js';
import { InvalidVectorInputError } from '../../layers/pipeline/core/index.js';

/** Dimensions an S3 Vectors index accepts. */
const MAX_DIMENSION = 4096;

export interface VideoVectorIndexProps {
  /**
   * Length of the embeddings indexed (the model's projection size).
   * @default 512
   */
  readonly dimension?: number;
}

/**
 * The S3 Vectors bucket and cosine index that S3VectorIndex reads and writes, with the metadata keys it never
 * filters on declared non-filterable (they do not count against the filterable metadata limit).
 */
export class VideoVectorIndex extends Construct {
  readonly bucket: CfnVectorBucket;
  readonly index: CfnIndex;
  readonly dimension: number;

  constructor(scope: Construct, id: string, props: VideoVectorIndexProps = {}) {
    super(scope, id);
    const dimension = props.dimension ?? 512;
    this.dimension = dimension;
    if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION)
      throw new InvalidVectorInputError(
        'vector index dimension',
        `${dimension} is not an integer in 1..${MAX_DIMENSION}`,
      );
    this.bucket = new CfnVectorBucket(this, 'Bucket');
    this.index = new CfnIndex(this, 'Index', {
      vectorBucketArn: this.bucket.attrVectorBucketArn,
      dataType: 'float32',
      dimension,
      distanceMetric: 'cosine',
      metadataConfiguration: { nonFilterableMetadataKeys: NON_FILTERABLE_METADATA_KEYS },
    });
  }

  /** The index's ARN, which S3VectorIndex addresses it by. */
  get indexArn(): string {
    return this.index.attrIndexArn;
  }

  /** The variables S3VectorIndex is configured from (functions/shared/environment.ts). */
  get environment(): Record<string, string> {
    return { VECTOR_INDEX_ARN: this.indexArn, VECTOR_DIMENSION: String(this.dimension) };
  }

  /**
   * Reading and writing vectors of this index only. QueryVectors with a filter or returned metadata needs
   * s3vectors:GetVectors as well.
   */
  grantReadWrite(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3vectors:PutVectors', 's3vectors:GetVectors', 's3vectors:DeleteVectors', 's3vectors:QueryVectors'],
        resources: [this.indexArn],
      }),
    );
  }
}
