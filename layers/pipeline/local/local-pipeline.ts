import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Hono } from 'hono';
import { UsageError } from '../../common/errors.js';
import { FsObjectStore } from '../adapters/local/fs-object-store.js';
import { MemoryQueue } from '../adapters/local/memory-queue.js';
import { SqliteResultStore } from '../adapters/local/sqlite-result-store.js';
import { createApi } from '../api/app.js';
import type { VideoClassifier } from '../classifier.js';
import { loadClassifier } from '../execution-providers.js';
import { localServerApp } from '../http/local-server-app.js';
import { modelInfoOf } from '../ports/video-model.js';
import type { SourceObject } from '../result-schema.js';
import { type ClassifySettings, classifyDelivery } from '../use-cases/classify.js';
import { ingestObject } from '../use-cases/ingest.js';
import { FolderWatcher } from './folder-watcher.js';
import { Worker } from './worker.js';

export interface LocalPipelineOptions {
  modelDir: string;
  /** SQLite file of the result store. */
  dbPath: string;
  /** Folder of results/, embeddings/, tokens/ and the label feature cache. */
  dataDir: string;
  /** The local bucket: new and changed files are classified. Without it, only the API runs. */
  watchDir?: string;
  settings: ClassifySettings;
  threads?: number;
  /** ONNX Runtime execution providers in order of preference (default CPU); one that cannot start is logged and skipped. */
  executionProviders?: string[];
  scanIntervalMs?: number;
  retryDelayMs?: number;
  log: (line: string) => void;
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The pipeline's own files must not land in the folder it classifies. */
function checkOutsideWatchedFolder(watchDir: string, paths: Record<string, string>): void {
  for (const [option, path] of Object.entries(paths)) {
    if (isInside(path, watchDir))
      throw new UsageError(`cannot watch ${watchDir}`, `${option} ${path} is inside it; put it elsewhere`);
  }
}

function percent(score: number): string {
  return `${(score * 100).toFixed(1)}%`;
}

/**
 * The whole product on one machine: a folder as the bucket, SQLite as the result store, an
 * in-process queue and worker, and the HTTP API, all through the same use cases the cloud runs.
 * On start, records left QUEUED or PROCESSING by an earlier run are queued again.
 */
export class LocalPipeline {
  readonly app: Hono;
  private readonly queue = new MemoryQueue<SourceObject>();
  private readonly results: SqliteResultStore;
  private readonly artifacts: FsObjectStore;
  private readonly workDir: string;
  private watcher: FolderWatcher | undefined;
  private worker: Worker<SourceObject> | undefined;

  private constructor(
    private readonly options: LocalPipelineOptions,
    private readonly model: VideoClassifier,
  ) {
    this.results = new SqliteResultStore(options.dbPath);
    this.artifacts = new FsObjectStore(join(options.dataDir, 'objects'));
    this.workDir = mkdtempSync(join(options.dataDir, '.work-'));
    const api = createApi({
      results: this.results,
      artifacts: this.artifacts,
      model: async () => model,
      health: () => ({ model: modelInfoOf(model), queue: this.queue.stats() }),
      log: options.log,
    });
    this.app = localServerApp(api, { watchDir: options.watchDir, log: options.log });
  }

  /** Loads the model first, so a bad model directory fails before anything is written. */
  static async start(options: LocalPipelineOptions): Promise<LocalPipeline> {
    if (options.watchDir)
      checkOutsideWatchedFolder(options.watchDir, { '--data': options.dataDir, '--db': options.dbPath });
    const model = await loadClassifier(
      {
        modelDir: options.modelDir,
        threads: options.threads,
        executionProviders: options.executionProviders,
        labelFeatureCacheDir: join(options.dataDir, 'label-features'),
      },
      (line) => options.log(`warning: ${line}`),
    );
    let pipeline: LocalPipeline | undefined;
    try {
      mkdirSync(options.dataDir, { recursive: true });
      pipeline = new LocalPipeline(options, model);
      if (options.watchDir) await pipeline.startIngest(options.watchDir);
      return pipeline;
    } catch (error) {
      await (pipeline ? pipeline.stop() : model.release());
      throw error;
    }
  }

  private async startIngest(watchDir: string): Promise<void> {
    const { log, settings } = this.options;
    mkdirSync(watchDir, { recursive: true });
    const sources = new FsObjectStore(watchDir);
    const deps = {
      model: this.model,
      sources,
      artifacts: this.artifacts,
      results: this.results,
      workDir: this.workDir,
    };

    for (const record of await this.results.unfinished()) {
      if (record.source.bucket !== sources.bucket) continue;
      log(`resuming ${record.source.key} (${record.status} when the last run stopped)`);
      await this.queue.send(record.source);
    }
    this.watcher = new FolderWatcher(sources, {
      intervalMs: this.options.scanIntervalMs,
      log,
      onStable: async (object) => {
        if (
          (await ingestObject(this.results, this.queue, sources.bucket, object, new Date().toISOString())) === 'queued'
        )
          log(`queued ${object.key}`);
      },
    });
    this.worker = new Worker<SourceObject>({
      queue: this.queue,
      retryDelayMs: this.options.retryDelayMs,
      describe: (source) => source.key,
      log,
      handle: async (source, message) => {
        log(`classifying ${source.key}${message.receiveCount > 1 ? ` (delivery ${message.receiveCount})` : ''}`);
        const outcome = await classifyDelivery(deps, source, settings, {
          receiveCount: message.receiveCount,
          maxReceives: this.queue.maxReceives,
        });
        if (outcome.status === 'DONE') {
          const best = outcome.result.labels
            .slice(0, 3)
            .map((label) => `${label.label} ${percent(label.score)}`)
            .join(', ');
          log(`done ${source.key} in ${(outcome.result.timings.totalMs / 1000).toFixed(1)} s: ${best} [${outcome.id}]`);
        } else if (outcome.status === 'FAILED') {
          log(`failed ${source.key}: ${outcome.error.message}`);
        } else {
          log(`skipped ${source.key}: ${outcome.reason}`);
        }
      },
    });
    this.watcher.start();
    this.worker.start();
    log(`watching ${sources.root}`);
  }

  /** Stops taking new work, lets the video in hand finish, and closes the store and the model. */
  async stop(): Promise<void> {
    await this.watcher?.stop();
    await this.worker?.stop();
    await this.model.release();
    this.results.close();
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
