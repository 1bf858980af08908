import type { Dirent } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { XclipError } from '../../../common/errors.js';
import type { ObjectInfo, ObjectStore } from '../../core/index.js';
import { InvalidKeyError } from '../../core/index.js';

const SEQUENCE_DIGITS = 20;
const DOWNLOAD_TRIES = 3;
/** Longest file name (NAME_MAX) of the usual file systems. */
const MAX_NAME_BYTES = 255;
let tempCounter = 0;

/** A file changed while it was being copied, every time we tried. */
export class ObjectChangingError extends XclipError {
  constructor(key: string) {
    super('OBJECT_CHANGING', `cannot read ${key}`, 'it kept changing while it was copied');
  }
}

function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** `key` checked for use as a relative path inside the store: '/'-separated, no NUL, no empty, '.', '..' or hidden segments. */
function checkedKey(key: string): string {
  if (key.length === 0) throw new InvalidKeyError(key, 'it is empty');
  // A backslash is an ordinary file-name character on POSIX, a path separator on Windows.
  if (key.includes('\0') || (sep === '\\' && key.includes('\\')))
    throw new InvalidKeyError(key, 'it contains a NUL or a backslash');
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      throw new InvalidKeyError(key, 'it has an empty, "." or ".." path segment');
    if (isHidden(segment)) throw new InvalidKeyError(key, 'it has a hidden (dot) path segment');
    if (Buffer.byteLength(segment) > MAX_NAME_BYTES)
      throw new InvalidKeyError(key, `a path segment is longer than the file system's ${MAX_NAME_BYTES} bytes`);
  }
  return key;
}

/**
 * An ObjectStore over a folder: keys are relative paths. A version is the file's size and
 * modification time; its sequence the change time, which only moves forward. Writes go to a hidden
 * temporary file first and are renamed into place; hidden files are never listed.
 */
export class FsObjectStore implements ObjectStore {
  readonly root: string;
  readonly bucket: string;

  constructor(root: string, bucket = basename(resolve(root))) {
    this.root = resolve(root);
    this.bucket = bucket;
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkedKey(key).split('/'));
  }

  private async info(key: string, path: string): Promise<ObjectInfo | undefined> {
    try {
      const stats = await stat(path, { bigint: true });
      if (!stats.isFile()) return undefined;
      return {
        key,
        bytes: Number(stats.size),
        version: `${stats.size.toString(36)}-${stats.mtimeNs.toString(36)}`,
        sequence: stats.ctimeNs.toString().padStart(SEQUENCE_DIGITS, '0'),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.info(key, this.pathOf(key));
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A folder keeps no content type: files are named by their keys' extensions. */
  async put(key: string, bytes: Uint8Array, _contentType?: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Not named after the key: a name near the file system's limit must still leave room for a temporary one.
    const temp = join(dirname(path), `.tmp-${process.pid}-${tempCounter++}`);
    try {
      await writeFile(temp, bytes);
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /** Objects are files already: a reader opens them in place (and checks the version after reading). */
  localPath(key: string): string {
    return this.pathOf(key);
  }

  async download(key: string, to: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    for (let attempt = 0; attempt < DOWNLOAD_TRIES; attempt++) {
      const before = await this.info(key, path);
      if (!before) return undefined;
      await copyFile(path, to);
      const after = await this.info(key, path);
      if (after?.version === before.version) return before;
    }
    throw new ObjectChangingError(key);
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        if (isHidden(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) keys.push(relative(this.root, path).split(sep).join('/'));
      }
    };
    await walk(this.root);
    for (const key of keys.filter((k) => k.startsWith(prefix)).sort()) {
      const info = await this.info(key, this.pathOf(key));
      if (info) yield info;
    }
  }
}
