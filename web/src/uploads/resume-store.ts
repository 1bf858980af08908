// Unfinished multipart uploads, remembered in localStorage so that dropping the same file after a reload (or in
// another tab) sends only the parts S3 does not hold yet. A file is known by its name, size and modification time.
import type { TabStorage } from '../api/credentials.js';
import type { MultipartRef } from '../api/types.js';

const STORAGE_KEY = 'xclip-multipart-uploads';
const MAX_ENTRIES = 20;
/** The bucket aborts unfinished uploads after 7 days (its lifecycle rule); older entries name nothing. */
const MAX_AGE_MS = 6 * 24 * 60 * 60 * 1000;

export interface ResumableUpload extends MultipartRef {
  partBytes: number;
}

interface Entry extends ResumableUpload {
  file: string;
  savedAt: number;
}

/** localStorage, through the interface the token's sessionStorage has; none where the browser refuses it. */
function storage(): Pick<TabStorage, 'getItem' | 'setItem'> | undefined {
  try {
    return (globalThis as { localStorage?: TabStorage }).localStorage;
  } catch {
    return undefined;
  }
}

const fileKey = (file: File) => `${file.name}\u0000${file.size}\u0000${file.lastModified}`;

function isEntry(value: unknown): value is Entry {
  const entry = value as Partial<Entry> | null;
  return (
    typeof entry?.file === 'string' &&
    typeof entry.key === 'string' &&
    typeof entry.uploadId === 'string' &&
    typeof entry.partBytes === 'number' &&
    typeof entry.savedAt === 'number'
  );
}

/** The remembered entries still young enough, newest first; none when storage is unavailable or garbled. */
function readEntries(): Entry[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(STORAGE_KEY) ?? '[]');
    const now = Date.now();
    return Array.isArray(parsed) ? parsed.filter(isEntry).filter((entry) => now - entry.savedAt < MAX_AGE_MS) : [];
  } catch {
    return [];
  }
}

function writeEntries(entries: Entry[]): void {
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify(entries.slice(0, MAX_ENTRIES)));
  } catch {
    // Storage full or refused: the upload goes on, it just cannot be resumed.
  }
}

export function resumableUpload(file: File): ResumableUpload | undefined {
  const entry = readEntries().find((candidate) => candidate.file === fileKey(file));
  return entry && { key: entry.key, uploadId: entry.uploadId, partBytes: entry.partBytes };
}

export function rememberUpload(file: File, upload: ResumableUpload): void {
  const others = readEntries().filter((entry) => entry.file !== fileKey(file));
  writeEntries([{ ...upload, file: fileKey(file), savedAt: Date.now() }, ...others]);
}

export function forgetUpload(file: File): void {
  writeEntries(readEntries().filter((entry) => entry.file !== fileKey(file)));
}
