import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, UsageError } from '../../../common/errors.js';
import { type Notifier, VIDEO_EVENT_DETAIL_TYPES, type VideoEvent } from '../../core/index.js';

export interface WebhookOptions {
  url: string;
  /** Key of the HMAC-SHA256 signature every request carries. */
  secret: string;
  /** Tries per event, the first included (default 5). */
  maxAttempts?: number;
  /** Wait before the second try; it doubles for each one after (default 1 s). */
  baseDelayMs?: number;
  /** Bound on one request (default 10 s). */
  timeoutMs?: number;
  /** Events waiting at most; a new one beyond it drops the oldest, logged (default 1,000). */
  maxPending?: number;
  log: (line: string) => void;
  now?: () => Date;
}

/** Headers of a webhook request (README "Notifications" says how to check them). */
export const WEBHOOK_HEADERS = {
  event: 'x-xclip-event',
  timestamp: 'x-xclip-timestamp',
  signature: 'x-xclip-signature',
} as const;

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what a receiver recomputes to trust a request. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Below this a secret can be guessed. */
const MIN_SECRET_CHARS = 16;

/** Refuses a URL that is not http(s) and a secret short enough to guess. */
export function checkWebhook({ url, secret }: { url: string; secret: string }): void {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:')
    throw new UsageError(`cannot post events to ${JSON.stringify(url)}`, 'give an http:// or https:// URL');
  if (secret.length < MIN_SECRET_CHARS)
    throw new UsageError(
      'the webhook secret is missing or too short',
      `set XCLIP_WEBHOOK_SECRET (or --webhook-secret) to at least ${MIN_SECRET_CHARS} random characters`,
    );
}

/** 408, 425, 429 and 5xx may pass; other answers will not change on a retry. */
function isRetryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs each event as JSON to a URL, signed, one at a time in the order they came, with bounded retries and
 * exponential backoff. `notify` only queues: classification never waits for the receiver.
 */
export class WebhookNotifier implements Notifier {
  private readonly pending: VideoEvent[] = [];
  private sending: Promise<void> | undefined;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(private readonly options: WebhookOptions) {
    checkWebhook(options);
  }

  async notify(event: VideoEvent): Promise<void> {
    if (this.closed) return;
    if (this.pending.length >= (this.options.maxPending ?? 1000)) {
      const dropped = this.pending.shift()!;
      this.options.log(`webhook: dropped the ${dropped.status} event of ${dropped.key}: too many waiting`);
    }
    this.pending.push(event);
    this.sending ??= this.drain().finally(() => (this.sending = undefined));
  }

  /** Resolves once every queued event is delivered or given up on. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Takes no more events and gives those waiting until `graceMs` to go out; the rest are logged as lost. */
  async close(graceMs = 5000): Promise<void> {
    this.closed = true;
    const timer = setTimeout(() => this.stop.abort(), graceMs);
    await this.idle();
    clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    for (let event = this.pending.shift(); event; event = this.pending.shift()) {
      if (this.stop.signal.aborted) {
        this.options.log(`webhook: not sent on shutdown: the ${event.status} event of ${event.key}`);
        continue;
      }
      await this.deliver(event);
    }
  }

  private async deliver(event: VideoEvent): Promise<void> {
    const { maxAttempts = 5, baseDelayMs = 1000, log } = this.options;
    const body = JSON.stringify(event);
    let why = '';
    for (let attempt = 1; attempt <= maxAttempts && !this.stop.signal.aborted; attempt++) {
      if (attempt > 1)
        await sleep(baseDelayMs * 2 ** (attempt - 2), undefined, { signal: this.stop.signal }).catch(() => undefined);
      if (this.stop.signal.aborted) break;
      try {
        const status = await this.post(event, body);
        if (status >= 200 && status < 300) return;
        why = `answered ${status}`;
        if (!isRetryable(status)) break;
      } catch (error) {
        why = describeError(error);
      }
    }
    log(`webhook: gave up on the ${event.status} event of ${event.key}: ${why || 'shutting down'}`);
  }

  private async post(event: VideoEvent, body: string): Promise<number> {
    const timestamp = String(Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000));
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [WEBHOOK_HEADERS.event]: VIDEO_EVENT_DETAIL_TYPES[event.status],
        [WEBHOOK_HEADERS.timestamp]: timestamp,
        [WEBHOOK_HEADERS.signature]: webhookSignature(this.options.secret, timestamp, body),
      },
      body,
      redirect: 'error',
      signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs ?? 10_000), this.stop.signal]),
    });
    await response.body?.cancel();
    return response.status;
  }
}
