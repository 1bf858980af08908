import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage, isAbort } from '../api/client.js';
import type { StoredUpload, VideoStatus } from '../api/types.js';
import { uploadLocal } from '../api/upload.js';
import { announce } from '../components/announcer.js';
import { isSettled } from '../components/status-badge.js';
import { uploadToBucket } from './bucket-upload.js';

/** Where this server takes uploads: its own route into the watched folder, or the bucket (on AWS). */
export type UploadTarget = 'local' | 'bucket';

export interface UploadEntry {
  ref: number;
  name: string;
  phase: 'waiting' | 'uploading' | 'stored' | 'failed' | 'cancelled';
  /** Fraction sent, 0-1. */
  progress: number;
  /** Where it was stored, once it was. */
  stored?: StoredUpload;
  /** Cancels it while it waits or goes up. */
  cancel?: () => void;
  /** The video's status once it is queued. */
  status?: VideoStatus;
  /** Its status is still being polled. */
  following: boolean;
  error?: string;
}

const STATUS_POLL_MS = 1500;
/** About ten minutes: a video still unsettled by then is left to the library's own refresh. */
const MAX_STATUS_POLLS = 400;

let entries: UploadEntry[] = [];
let nextRef = 1;
/** Files go up one at a time, in the order they were dropped. */
let queue: Promise<void> = Promise.resolve();
const listeners = new Set<(entries: UploadEntry[]) => void>();

function update(ref: number, change: Partial<UploadEntry>): void {
  entries = entries.map((entry) => (entry.ref === ref ? { ...entry, ...change } : entry));
  for (const listener of listeners) listener(entries);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the stored upload's record: 404 until the file is queued, then its status until it settles. */
async function follow(ref: number, stored: StoredUpload): Promise<void> {
  for (let poll = 0; poll < MAX_STATUS_POLLS; poll++) {
    await delay(STATUS_POLL_MS);
    try {
      const record = await api.video(stored.id);
      update(ref, { status: record.status });
      if (isSettled(record.status)) {
        update(ref, { following: false });
        announce(`${stored.key}: ${record.status === 'DONE' ? 'classified' : 'failed'}`);
        return;
      }
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) {
        update(ref, { following: false, error: errorMessage(error) });
        return;
      }
    }
  }
  update(ref, { following: false });
}

const UPLOADERS = { local: uploadLocal, bucket: uploadToBucket };

function cancelled(ref: number, file: File): void {
  update(ref, { phase: 'cancelled', cancel: undefined });
  announce(`${file.name}: upload cancelled`);
}

async function send(ref: number, file: File, target: UploadTarget, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  update(ref, { phase: 'uploading' });
  try {
    const stored = await UPLOADERS[target](file, (progress) => update(ref, { progress }), signal);
    update(ref, { phase: 'stored', progress: 1, stored, following: true, cancel: undefined });
    announce(`${file.name} uploaded`);
    void follow(ref, stored);
  } catch (error) {
    // Settles once a cancelled multipart upload is aborted too.
    if (signal.aborted || isAbort(error)) return cancelled(ref, file);
    update(ref, { phase: 'failed', error: errorMessage(error), cancel: undefined });
    announce(`${file.name} was not uploaded: ${errorMessage(error)}`);
  }
}

export function startUploads(files: readonly File[], target: UploadTarget): void {
  for (const file of files) {
    const ref = nextRef++;
    const abort = new AbortController();
    const cancel = () => {
      const waiting = entries.find((entry) => entry.ref === ref)?.phase === 'waiting';
      abort.abort();
      if (waiting) cancelled(ref, file);
      else update(ref, { cancel: undefined });
    };
    entries = [{ ref, name: file.name, phase: 'waiting', progress: 0, following: false, cancel }, ...entries];
    queue = queue.then(() => send(ref, file, target, abort.signal));
  }
  for (const listener of listeners) listener(entries);
}

/** Whether an upload is still on its way into the library. */
export function isInFlight(entry: UploadEntry): boolean {
  return entry.phase === 'waiting' || entry.phase === 'uploading' || entry.following;
}

export function useUploads(): UploadEntry[] {
  const [current, setCurrent] = useState(entries);
  useEffect(() => {
    listeners.add(setCurrent);
    setCurrent(entries);
    return () => {
      listeners.delete(setCurrent);
    };
  }, []);
  return current;
}
