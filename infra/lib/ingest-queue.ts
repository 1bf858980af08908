import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface IngestQueueProps {
  /** The bucket whose uploads are queued. */
  readonly bucket: IBucket;
  /** Key prefix of the uploads that are queued. */
  readonly prefix: string;
  /** Key suffixes of the uploads that are queued; one notification rule each, as S3 takes one suffix per rule. */
  readonly suffixes: string[];
  /** The timeout of the function that consumes the queue; the visibility timeout is six times it, as AWS advises. */
  readonly consumerTimeout: Duration;
  /**
   * Receives after which a message moves to the dead-letter queue.
   * @default 3
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a message may wait in the queue, and in the dead-letter queue.
   * @default Duration.days(14)
   */
  readonly retentionPeriod?: Duration;
}

/** One S3 "object created" event per upload on a queue, with a dead-letter queue for uploads that keep failing. */
export class IngestQueue extends Construct {
  /** AWS's advice for a Lambda event source: at least six times the function's timeout. */
  static readonly VISIBILITY_TIMEOUT_FACTOR = 6;

  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const retentionPeriod = props.retentionPeriod ?? Duration.days(14);
    // SQS-managed keys: S3 can publish to them, which an AWS-managed KMS key would not allow.
    const encryption = QueueEncryption.SQS_MANAGED;

    this.deadLetterQueue = new Queue(this, 'DeadLetters', { encryption, enforceSSL: true, retentionPeriod });
    this.queue = new Queue(this, 'Uploads', {
      encryption,
      enforceSSL: true,
      retentionPeriod,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * IngestQueue.VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 3 },
    });

    const destination = new SqsDestination(this.queue);
    for (const suffix of props.suffixes) {
      props.bucket.addEventNotification(EventType.OBJECT_CREATED, destination, { prefix: props.prefix, suffix });
    }
    // CDK's stack-wide custom resource that writes the bucket's notification configuration.
    const notificationsHandler = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's bucket-notifications custom resource, which runs only during deployments, logs with the basic execution role; " +
          'CDK offers no way to give it another.',
      });
    }
  }
}
