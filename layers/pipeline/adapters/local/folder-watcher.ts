import { describeError } from '../../../common/errors.js';
import type { ObjectInfo, ObjectStore } from '../../core/index.js';
import { DEFAULT_SETTLE_MS } from '../../settings.js';

export interface FolderWatcherOptions {
  /** Time between scans of the folder. */
  intervalMs?: number;
  /** How long an object's version must stay the same before it is reported (default DEFAULT_SETTLE_MS). */
  settleMs?: number;
  onStable: (object: ObjectInfo) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Polls a store for new or changed objects (the local stand-in for S3 event notifications). An
 * object is reported once it is stable: the same version in scans at least `settleMs` apart, so a
 * file still being copied in, even by a writer that pauses, is not read half-written.
 */
export class FolderWatcher {
  /** Each object's version and when a scan first saw it. */
  private readonly seen = new Map<string, { version: string; since: number }>();
  private readonly reported = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly options: FolderWatcherOptions,
  ) {}

  start(): void {
    this.scanning = this.scanAndSchedule();
  }

  private async scanAndSchedule(): Promise<void> {
    try {
      await this.scan();
    } catch (error) {
      this.options.log?.(`scan of ${this.store.bucket} failed: ${describeError(error)}`);
    }
    if (!this.stopped) this.timer = setTimeout(() => this.start(), this.options.intervalMs ?? 1000);
  }

  /** One pass: reports every object whose version has not changed for `settleMs`. */
  private async scan(): Promise<void> {
    const settleMs = this.options.settleMs ?? DEFAULT_SETTLE_MS;
    const present = new Set<string>();
    for await (const object of this.store.list()) {
      if (this.stopped) return;
      present.add(object.key);
      const now = Date.now();
      const previous = this.seen.get(object.key);
      if (previous?.version !== object.version) {
        this.seen.set(object.key, { version: object.version, since: now });
        continue;
      }
      if (now - previous.since < settleMs || this.reported.get(object.key) === object.version) continue;
      this.reported.set(object.key, object.version);
      await this.options.onStable(object);
    }
    // Forget deleted files: the maps stay the folder's size, and a file put back is seen anew.
    for (const key of this.seen.keys()) {
      if (!present.has(key)) {
        this.seen.delete(key);
        this.reported.delete(key);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.scanning;
  }
}
