import { Arn, ArnFormat, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { CfnEndpoint, CfnEndpointConfig, CfnModel } from 'aws-cdk-lib/aws-sagemaker';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GPU_OUTPUT_PREFIX, GPU_REQUEST_PREFIX } from '../../layers/pipeline/core/index.js';
import type { FunctionImage } from './function-image.js';
import { GpuAutoscaling } from './gpu-autoscaling.js';
import { GpuImage } from './gpu-image.js';
import { GpuResultsFunction } from './gpu-results-function.js';
import type { GpuSettings } from './gpu-settings.js';
import { acknowledgeWildcardResource } from './nag-acknowledgements.js';
import { grantObjectAccess } from './object-grants.js';
import type { ResultsTable } from './results-table.js';
import type { VideoVectorIndex } from './vector-index.js';

export interface GpuEndpointProps {
  readonly settings: GpuSettings;
  /** The repository root: the GPU image's build context. */
  readonly repositoryRoot: string;
  readonly bucket: IBucket;
  readonly resultsTable: ResultsTable;
  /** The search index the server writes each classified video into. */
  readonly vectorIndex: VideoVectorIndex;
  /** Where uploads (videos and manifests) are. */
  readonly uploadPrefix: string;
  /** Where results, embeddings and visual tokens go. */
  readonly artifactPrefixes: string[];
  /** The stack's Lambda image, which the notification consumer runs. */
  readonly functionImage: FunctionImage;
  /** The container's video limits (MAX_VIDEO_BYTES, MAX_VIDEO_SECONDS). */
  readonly maxVideoBytes: number;
  readonly maxVideoSeconds: number;
  /**
   * What happens to the consumer's log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The optional GPU path: a SageMaker asynchronous inference endpoint running functions/gpu-server (model, endpoint
 * configuration, endpoint, scaling 0..N on its backlog), SNS topics for its successes and errors, and the Lambda
 * function that settles each request in the result table. Requests are JSON documents under gpu-requests/; outputs
 * land under gpu-results/.
 */
export class GpuEndpoint extends Construct {
  static readonly VARIANT = 'AllTraffic';
  /**
   * The newest SageMaker GPU inference AMI (NVIDIA R550), whose container toolkit leaves CUDA forward compatibility
   * to the container: the image's entrypoint.sh turns it on for its CUDA 13 runtime.
   */
  static readonly INFERENCE_AMI_VERSION = 'al2-ami-sagemaker-inference-gpu-3-1';
  /** Requests an instance works on at once (they share its decoders). */
  static readonly REQUESTS_PER_INSTANCE = 4;

  readonly endpointName: string;
  readonly endpointArn: string;
  readonly successTopic: Topic;
  readonly errorTopic: Topic;
  readonly resultsFunction: IFunction;
  /** The classifier's routing variables (functions/classifier/routing-config.ts) for this endpoint. */
  readonly routingEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: GpuEndpointProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { bucket, settings } = props;
    // A fixed name: the role's log permissions and the routing environment need it before the endpoint exists.
    this.endpointName = `${stack.stackName.slice(0, 59)}-gpu`;
    this.endpointArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'endpoint',
      resourceName: this.endpointName.toLowerCase(),
    });
    this.routingEnvironment = {
      GPU_ENDPOINT_NAME: this.endpointName,
      GPU_MIN_VIDEO_SECONDS: String(settings.minVideoSeconds),
    };

    const image = new GpuImage(this, 'Image', { repositoryRoot: props.repositoryRoot, modelDir: settings.modelDir });
    const role = new Role(this, 'ModelRole', { assumedBy: new ServicePrincipal('sagemaker.amazonaws.com') });
    this.grantContainerBasics(role, image);
    grantObjectAccess(role, bucket, {
      readablePrefixes: [props.uploadPrefix, GPU_REQUEST_PREFIX],
      // SageMaker writes each output (and failure) with this role.
      writablePrefixes: [...props.artifactPrefixes, GPU_OUTPUT_PREFIX],
    });
    props.resultsTable.grantReadWriteData(role);
    props.vectorIndex.grantReadWrite(role);

    // Encrypted under the AWS-managed SNS key, whose policy lets the account's principals use it through SNS.
    const masterKey = Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns');
    this.successTopic = new Topic(this, 'Succeeded', {
      displayName: 'X-CLIP GPU requests completed',
      enforceSSL: true,
      masterKey,
    });
    this.errorTopic = new Topic(this, 'Failed', {
      displayName: 'X-CLIP GPU requests failed',
      enforceSSL: true,
      masterKey,
    });
    for (const topic of [this.successTopic, this.errorTopic]) topic.grantPublish(role);
    const keyReason =
      'Publishing to the topics encrypts with the AWS-managed SNS key, granted by its alias (kms:ResourceAliases ' +
      'condition) since its key id is not known at synth; kms:GenerateDataKey* is the data-key family SNS asks for.';
    acknowledgeWildcardResource(
      role,
      stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' }),
      keyReason,
    );
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason: keyReason });

    const model = new CfnModel(this, 'Model', {
      executionRoleArn: role.roleArn,
      primaryContainer: {
        image: image.asset.imageUri,
        environment: {
          BUCKET_NAME: bucket.bucketName,
          TABLE_NAME: props.resultsTable.table.tableName,
          MAX_VIDEO_BYTES: String(props.maxVideoBytes),
          MAX_VIDEO_SECONDS: String(props.maxVideoSeconds),
          ...props.vectorIndex.environment,
        },
      },
    });
    // SageMaker checks the image and the role's access when the model is created: the role's policy comes first.
    model.node.addDependency(role);

    const outputs = `s3://${bucket.bucketName}/${GPU_OUTPUT_PREFIX}`;
    const config = new CfnEndpointConfig(this, 'Config', {
      productionVariants: [
        {
          variantName: GpuEndpoint.VARIANT,
          modelName: model.attrModelName,
          instanceType: settings.instanceType,
          initialInstanceCount: 1,
          inferenceAmiVersion: GpuEndpoint.INFERENCE_AMI_VERSION,
        },
      ],
      asyncInferenceConfig: {
        outputConfig: {
          s3OutputPath: outputs,
          s3FailurePath: `${outputs}failures/`,
          notificationConfig: { successTopic: this.successTopic.topicArn, errorTopic: this.errorTopic.topicArn },
        },
        // A few requests at once per instance, sharing its decoding slots (VIDEO_CONCURRENCY): a request of one long
        // video, or one still downloading, then leaves neither the GPU nor the other cores idle.
        clientConfig: { maxConcurrentInvocationsPerInstance: GpuEndpoint.REQUESTS_PER_INSTANCE },
      },
    });
    const endpoint = new CfnEndpoint(this, 'Endpoint', {
      endpointName: this.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
    });

    const scaling = new GpuAutoscaling(this, 'Scaling', {
      endpointName: this.endpointName,
      variantName: GpuEndpoint.VARIANT,
      maxInstances: settings.maxInstances,
    });
    scaling.node.addDependency(endpoint);

    this.resultsFunction = new GpuResultsFunction(this, 'Results', {
      image: props.functionImage,
      bucket,
      readablePrefixes: [props.uploadPrefix, GPU_REQUEST_PREFIX, GPU_OUTPUT_PREFIX],
      resultsTable: props.resultsTable,
      topics: [this.successTopic, this.errorTopic],
      logRemovalPolicy: props.logRemovalPolicy,
    }).function;
  }

  /** Lets `grantee` queue requests on the endpoint. */
  grantInvoke(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpointAsync'],
      resourceArns: [this.endpointArn],
    });
  }

  /** What a SageMaker inference container needs beyond the data: its image, its log group, its metrics. */
  private grantContainerBasics(role: Role, image: GpuImage): void {
    image.asset.repository.grantPull(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken (for the image pull) and cloudwatch:PutMetricData (instance metrics) ' +
        'apply to no particular resource; IAM accepts only "*" for them.',
    });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'] }));

    const logGroup = Arn.format(
      {
        service: 'logs',
        resource: 'log-group',
        resourceName: `/aws/sagemaker/Endpoints/${this.endpointName}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      Stack.of(this),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:DescribeLogStreams'], resources: [logGroup] }),
    );
    const logStreams = `${logGroup}:log-stream:*`;
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreams] }),
    );
    acknowledgeWildcardResource(
      role,
      logStreams,
      "Log streams of the endpoint's own log group, which SageMaker names per instance at run time.",
    );
  }
}
