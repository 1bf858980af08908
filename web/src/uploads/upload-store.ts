import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, errorMessage } from '../api/client.js';
import type { LocalUpload, VideoStatus } from '../api/types.js';
import { uploadFile } from '../api/upload.js';
import { announce } from '../components/announcer.js';
import { isSettled } from '../components/status-badge.js';

export interface UploadEntry {
  ref: number;
  name: string;
  phase: 'waiting' | 'uploading' | 'stored' | 'failed';
  /** Fraction sent, 0-1. */
  progress: number;
  /** Where it was stored, once it was. */
  stored?: LocalUpload;
  /** The video's status once the watcher has queued it. */
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

/** Polls the stored upload's record: 404 until the watcher queues the file, then its status until it settles. */
async function follow(ref: number, stored: LocalUpload): Promise<void> {
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

async function send(ref: number, file: File): Promise<void> {
  update(ref, { phase: 'uploading' });
  try {
    const stored = await uploadFile(file, (progress) => update(ref, { progress }));
    update(ref, { phase: 'stored', progress: 1, stored, following: true });
    announce(`${file.name} uploaded`);
    void follow(ref, stored);
  } catch (error) {
    update(ref, { phase: 'failed', error: errorMessage(error) });
    announce(`${file.name} was not uploaded: ${errorMessage(error)}`);
  }
}

export function startUploads(files: readonly File[]): void {
  for (const file of files) {
    const ref = nextRef++;
    entries = [{ ref, name: file.name, phase: 'waiting', progress: 0, following: false }, ...entries];
    queue = queue.then(() => send(ref, file));
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
