import { EventBus, type IEventBus } from 'aws-cdk-lib/aws-events';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The account's default bus: rules on it see AWS's own events and these, with no bus to create or pay for. */
export const VIDEO_EVENT_BUS = 'default';

/**
 * Where the classifiers announce every video that ends DONE or FAILED (source "xclip", detail-type "Video Classified"
 * or "Video Failed"; README "Notifications"): the function environment that names the bus and the grant to put on it.
 */
export class VideoEvents extends Construct {
  readonly bus: IEventBus;
  /** EVENT_BUS_NAME of functions/shared/config.ts. */
  readonly environment: Record<string, string> = { EVENT_BUS_NAME: VIDEO_EVENT_BUS };

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = EventBus.fromEventBusName(this, 'Bus', VIDEO_EVENT_BUS);
  }

  /** events:PutEvents on the bus, and nothing else. */
  grantPut(grantee: IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
