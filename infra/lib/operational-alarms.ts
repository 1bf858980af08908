import { Duration, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationalAlarmsProps {
  /** Uploads that failed every delivery land here. */
  readonly deadLetterQueue: IQueue;
  /**
   * Messages the classifier dropped because they were not S3 events (its InvalidMessages metric).
   * @default - no alarm on dropped messages
   */
  readonly invalidMessages?: IMetric;
  /** Functions whose errors (crashes, timeouts, out of memory) raise an alarm, by a name for the alarm. */
  readonly functions: Record<string, IFunction>;
  /**
   * Who is emailed when an alarm goes off.
   * @default - nobody: the alarms have no actions
   */
  readonly alarmEmail?: string;
  /**
   * The period each alarm looks at.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

/** Alarms on what needs a person: uploads in the dead-letter queue, dropped messages, function errors. */
export class OperationalAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly topic?: Topic;

  constructor(scope: Construct, id: string, props: OperationalAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    };

    this.alarms.push(
      new Alarm(this, 'DeadLetters', {
        ...atLeastOne,
        alarmDescription: 'Uploads failed every delivery and wait in the dead-letter queue.',
        metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      }),
    );
    if (props.invalidMessages) {
      this.alarms.push(
        new Alarm(this, 'InvalidMessages', {
          ...atLeastOne,
          alarmDescription: 'The classifier dropped queue messages that were not S3 events; the log says which.',
          metric: props.invalidMessages,
        }),
      );
    }
    for (const [name, fn] of Object.entries(props.functions)) {
      this.alarms.push(
        new Alarm(this, `${name}Errors`, {
          ...atLeastOne,
          alarmDescription: `The ${name} function failed (crash, timeout or out of memory).`,
          metric: fn.metricErrors({ period, statistic: 'Sum' }),
        }),
      );
    }

    if (props.alarmEmail) {
      this.topic = new Topic(this, 'Topic', { displayName: 'X-CLIP serverless alarms', enforceSSL: true });
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry alarm names and states only. CloudWatch cannot publish to a topic under the ' +
          'AWS-managed SNS key, and a customer-managed key would cost more than the data is worth protecting.',
      });
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      const action: IAlarmAction = new SnsAction(this.topic);
      for (const alarm of this.alarms) alarm.addAlarmAction(action);
    }
  }
}
