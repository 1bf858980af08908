import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore, LanceVectorIndex, MemoryQueue, SqliteResultStore } from '../../adapters/local/index.js';
import type { IngestSink, SourceObject } from '../../core/index.js';

/** Where a local runtime keeps its state. */
export interface LocalServiceSettings {
  /** Folder of results/, embeddings/, tokens/, the label feature cache and scratch space. */
  dataDir: string;
  /** SQLite file of the result store. */
  dbPath: string;
  /** The local bucket; without it there is no `sources`. */
  watchDir?: string;
  /** Length of the model's embeddings, which the vector index holds. */
  dimension: number;
}

/** Every local service the use cases need: the folder as the bucket, SQLite, the in-process queue, scratch space. */
export interface LocalServices {
  results: SqliteResultStore;
  artifacts: FsObjectStore;
  /** The search index (LanceDB, under the data folder). */
  vectors: LanceVectorIndex;
  sources?: FsObjectStore;
  queue: MemoryQueue<SourceObject>;
  /** The queue as the use cases that queue in bulk (retry) take it. */
  ingest: IngestSink;
  /** Scratch space for this process, removed by `close`. */
  workDir: string;
  close(): void;
}

const WORK_DIR_PREFIX = '.work-';

/** Text features of label sets the model does not ship, cached under the data folder. */
export function localLabelFeatureCacheDir(dataDir: string): string {
  return join(dataDir, 'label-features');
}

/** Scratch folders of processes that no longer run (a kill -9 skips their clean-up). */
function removeAbandonedWorkDirs(dataDir: string): void {
  for (const name of readdirSync(dataDir)) {
    const pid = Number(/^\.work-(\d+)-/.exec(name)?.[1] ?? Number.NaN);
    if (name.startsWith(WORK_DIR_PREFIX) && !isRunning(pid))
      rmSync(join(dataDir, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Result documents, embeddings, visual tokens and window embeddings of a local data folder. */
export function localArtifactsDir(dataDir: string): string {
  return join(dataDir, 'objects');
}

/** The vector index of a local data folder (also what `xclip reindex` builds). */
export function localVectorIndexDir(dataDir: string): string {
  return join(dataDir, 'vectors');
}

/** The local composition root: folder, SQLite, LanceDB and memory queue, for `xclip serve` and the demo. */
export async function createLocalServices(settings: LocalServiceSettings): Promise<LocalServices> {
  mkdirSync(settings.dataDir, { recursive: true });
  removeAbandonedWorkDirs(settings.dataDir);
  const vectors = await LanceVectorIndex.open({
    directory: localVectorIndexDir(settings.dataDir),
    dimension: settings.dimension,
  });
  const workDir = mkdtempSync(join(settings.dataDir, `${WORK_DIR_PREFIX}${process.pid}-`));
  const results = new SqliteResultStore(settings.dbPath);
  if (settings.watchDir) mkdirSync(settings.watchDir, { recursive: true });
  const queue = new MemoryQueue<SourceObject>();
  return {
    results,
    artifacts: new FsObjectStore(localArtifactsDir(settings.dataDir)),
    vectors,
    ...(settings.watchDir ? { sources: new FsObjectStore(settings.watchDir) } : {}),
    queue,
    ingest: {
      sendAll: async (objects) => {
        for (const { source } of objects) await queue.send(source);
      },
    },
    workDir,
    close: () => {
      results.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
