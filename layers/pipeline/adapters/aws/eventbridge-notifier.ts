import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describeError } from '../../../common/errors.js';
import { type Notifier, VIDEO_EVENT_DETAIL_TYPES, VIDEO_EVENT_SOURCE, type VideoEvent } from '../../core/index.js';

/**
 * One EventBridge event per settled video on `eventBusName` (source "xclip", detail-type "Video Classified" or
 * "Video Failed", the VideoEvent as detail). The client's own bounded retries apply; an event that still cannot be
 * put is logged, never thrown: the video's record is already settled.
 */
export class EventBridgeNotifier implements Notifier {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly eventBusName: string,
    private readonly log: (line: string, details: Record<string, unknown>) => void,
  ) {}

  async notify(event: VideoEvent): Promise<void> {
    try {
      const response = await this.events.send(
        new PutEventsCommand({
          Entries: [
            {
              Source: VIDEO_EVENT_SOURCE,
              DetailType: VIDEO_EVENT_DETAIL_TYPES[event.status],
              Detail: JSON.stringify(event),
              EventBusName: this.eventBusName,
              Time: new Date(event.at),
            },
          ],
        }),
      );
      const failed = response.Entries?.[0];
      if (response.FailedEntryCount) this.notPut(event, `${failed?.ErrorCode}: ${failed?.ErrorMessage}`);
    } catch (error) {
      this.notPut(event, describeError(error));
    }
  }

  private notPut(event: VideoEvent, why: string): void {
    this.log('video event not put', { id: event.id, key: event.key, status: event.status, why });
  }
}
