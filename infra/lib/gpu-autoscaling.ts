import { Duration, Stack } from 'aws-cdk-lib';
import {
  AdjustmentType,
  ScalableTarget,
  ServiceNamespace,
  StepScalingAction,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ApplicationScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface GpuAutoscalingProps {
  readonly endpointName: string;
  readonly variantName: string;
  /** Most instances; the least is none. */
  readonly maxInstances: number;
  /**
   * Queued requests per instance the endpoint scales to keep.
   * @default 2
   */
  readonly backlogPerInstance?: number;
}

/**
 * Scaling of an asynchronous endpoint between no instances and `maxInstances`, as AWS documents it for async
 * inference: target tracking on ApproximateBacklogSizePerInstance, which also scales in to zero once the queue is
 * empty, and a step policy that starts the first instance when HasBacklogWithoutCapacity says requests wait with
 * none running (target tracking cannot act on a per-instance metric while there are no instances).
 */
export class GpuAutoscaling extends Construct {
  readonly target: ScalableTarget;

  constructor(scope: Construct, id: string, props: GpuAutoscalingProps) {
    super(scope, id);
    const sageMakerMetric = (metricName: string) =>
      new Metric({
        namespace: 'AWS/SageMaker',
        metricName,
        dimensionsMap: { EndpointName: props.endpointName },
        statistic: 'Average',
        period: Duration.minutes(1),
      });

    // Application Auto Scaling's own role for SageMaker endpoints, which it creates on first use when named here;
    // without it CDK would make a role with no permissions.
    const serviceLinkedRole = Role.fromRoleArn(
      this,
      'ServiceLinkedRole',
      Stack.of(this).formatArn({
        service: 'iam',
        region: '',
        resource: 'role',
        resourceName:
          'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
      }),
      { mutable: false },
    );
    this.target = new ScalableTarget(this, 'Target', {
      role: serviceLinkedRole,
      serviceNamespace: ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${props.endpointName}/variant/${props.variantName}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: 0,
      maxCapacity: props.maxInstances,
    });
    this.target.scaleToTrackMetric('Backlog', {
      targetValue: props.backlogPerInstance ?? 2,
      customMetric: sageMakerMetric('ApproximateBacklogSizePerInstance'),
      // An instance takes minutes to start: scale out promptly, keep it a while once the queue drains.
      scaleOutCooldown: Duration.minutes(5),
      scaleInCooldown: Duration.minutes(15),
    });

    const fromZero = new StepScalingAction(this, 'ScaleFromZero', {
      scalingTarget: this.target,
      adjustmentType: AdjustmentType.CHANGE_IN_CAPACITY,
      cooldown: Duration.minutes(5),
    });
    fromZero.addAdjustment({ adjustment: 1, lowerBound: 0 });
    new Alarm(this, 'BacklogWithoutCapacity', {
      alarmDescription: 'Requests wait on the GPU endpoint while it has no instance: start one.',
      metric: sageMakerMetric('HasBacklogWithoutCapacity'),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new ApplicationScalingAction(fromZero));
  }
}
