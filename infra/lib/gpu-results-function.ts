import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { DockerImageFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { FunctionImage } from './function-image.js';
import { FunctionRole } from './function-role.js';
import { grantObjectAccess } from './object-grants.js';
import type { ResultsTable } from './results-table.js';

export interface GpuResultsFunctionProps {
  readonly image: FunctionImage;
  readonly bucket: IBucket;
  /** Request documents, outputs, and the manifests and videos requests name. */
  readonly readablePrefixes: string[];
  readonly resultsTable: ResultsTable;
  /** The endpoint's success and error topics. */
  readonly topics: ITopic[];
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The GPU endpoint's notification consumer: settles each asynchronous request in the result table. */
export class GpuResultsFunction extends Construct {
  static readonly HANDLER = 'functions/gpu-results/index.handler';

  readonly function: IFunction;

  constructor(scope: Construct, id: string, props: GpuResultsFunctionProps) {
    super(scope, id);
    const { role, logGroup } = new FunctionRole(this, 'Identity', { removalPolicy: props.logRemovalPolicy });
    const fn = new DockerImageFunction(this, 'Function', {
      code: props.image.codeFor(GpuResultsFunction.HANDLER),
      architecture: props.image.architecture,
      memorySize: 512,
      timeout: Duration.minutes(5),
      // SNS invokes asynchronously: Lambda tries a failed event twice more, then drops it (the alarm says so).
      retryAttempts: 2,
      environment: {
        BUCKET_NAME: props.bucket.bucketName,
        TABLE_NAME: props.resultsTable.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'gpu-results',
      },
      role,
      logGroup,
    });
    this.function = fn;
    for (const topic of props.topics) topic.addSubscription(new LambdaSubscription(fn));
    grantObjectAccess(role, props.bucket, { readablePrefixes: props.readablePrefixes, writablePrefixes: [] });
    props.resultsTable.grantReadWriteData(role);
  }
}
