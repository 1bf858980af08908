import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { DockerImageFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionImage } from './function-image.js';
import { FunctionRole } from './function-role.js';
import { grantObjectAccess, type ObjectAccess } from './object-grants.js';
import type { ResultsTable } from './results-table.js';

export interface ClassifierFunctionProps {
  readonly image: FunctionImage;
  readonly bucket: IBucket;
  /** Reads the uploads, writes their artifacts. */
  readonly objectAccess: ObjectAccess;
  readonly resultsTable: ResultsTable;
  readonly queue: IQueue;
  /** The environment contract of functions/shared/config.ts. */
  readonly environment: Record<string, string>;
  /**
   * @default 3008
   */
  readonly memorySize?: number;
  /**
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Concurrency reserved for (and capped to) this function.
   * @default - none: the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Most invocations the queue drives at once.
   * @default 10
   */
  readonly maxConcurrency?: number;
  /**
   * Messages (uploads) per invocation.
   * @default 1
   */
  readonly batchSize?: number;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The queue's consumer: classifies each uploaded video and writes its artifacts and record. */
export class ClassifierFunction extends Construct {
  static readonly HANDLER = 'functions/classifier/index.handler';

  readonly function: IFunction;
  /** How much longer than the function's timeout a claim holds a video. */
  static readonly CLAIM_LEASE_MARGIN_SECONDS = 60;

  constructor(scope: Construct, id: string, props: ClassifierFunctionProps) {
    super(scope, id);
    const { role, logGroup } = new FunctionRole(this, 'Identity', { removalPolicy: props.logRemovalPolicy });

    const timeout = props.timeout ?? Duration.minutes(5);
    const fn = new DockerImageFunction(this, 'Function', {
      code: props.image.codeFor(ClassifierFunction.HANDLER),
      architecture: props.image.architecture,
      memorySize: props.memorySize ?? 3008,
      timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: 'classifier',
        // A claim outlives the delivery that took it: a killed one is taken over once this has passed.
        CLAIM_LEASE_SECONDS: String(timeout.toSeconds() + ClassifierFunction.CLAIM_LEASE_MARGIN_SECONDS),
      },
      role,
      logGroup,
    });
    this.function = fn;

    fn.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: props.batchSize ?? 1,
        maxConcurrency: props.maxConcurrency ?? 10,
        reportBatchItemFailures: true,
      }),
    );

    grantObjectAccess(role, props.bucket, props.objectAccess);
    props.resultsTable.grantReadWriteData(role);
  }
}
