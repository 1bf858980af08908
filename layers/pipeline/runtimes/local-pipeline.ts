import { isAbsolute, relative, resolve } from 'node:path';
import type { Hono } from 'hono';
import { UsageError } from '../../common/errors.js';
import { FolderWatcher, type FsObjectStore, Worker } from '../adapters/local/index.js';
import type { SourceObject, VideoClassifier } from '../core/index.js';
import { type ClassifySettings, classifyDelivery, ingestObject, loadClassifier, modelInfoOf } from '../core/index.js';
import { createApi } from '../http/index.js';
import {
  createLocalServices,
  type LocalServiceSettings,
  type LocalServices,
  localLabelFeatureCacheDir,
} from './local-services.js';

/** The local services' settings (a pipeline without `watchDir` only runs the API) and how the pipeline runs. */
export interface LocalPipelineOptions extends LocalServiceSettings {
  modelDir: string;
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
  private watcher: FolderWatcher | undefined;
  private worker: Worker<SourceObject> | undefined;

  private constructor(
    private readonly options: LocalPipelineOptions,
    private readonly model: VideoClassifier,
    private readonly services: LocalServices,
  ) {
    this.app = createApi({
      results: services.results,
      artifacts: services.artifacts,
      model: async () => model,
      ...(services.sources ? { ingest: services.ingest } : {}),
      health: () => ({ model: modelInfoOf(model), queue: services.queue.stats() }),
      log: options.log,
    });
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
        labelFeatureCacheDir: localLabelFeatureCacheDir(options.dataDir),
      },
      (line) => options.log(`warning: ${line}`),
    );
    let pipeline: LocalPipeline | undefined;
    try {
      pipeline = new LocalPipeline(options, model, createLocalServices(options));
      if (pipeline.services.sources) await pipeline.startIngest(pipeline.services.sources);
      return pipeline;
    } catch (error) {
      await (pipeline ? pipeline.stop() : model.release());
      throw error;
    }
  }

  private async startIngest(sources: FsObjectStore): Promise<void> {
    const { log, settings } = this.options;
    const { queue, results } = this.services;
    const deps = { ...this.services, model: this.model, sources };

    for (const record of await results.unfinished()) {
      if (record.source.bucket !== sources.bucket) continue;
      log(`resuming ${record.source.key} (${record.status} when the last run stopped)`);
      await queue.send(record.source);
    }
    this.watcher = new FolderWatcher(sources, {
      intervalMs: this.options.scanIntervalMs,
      log,
      onStable: async (object) => {
        if ((await ingestObject(results, queue, sources.bucket, object, new Date().toISOString())) === 'queued')
          log(`queued ${object.key}`);
      },
    });
    this.worker = new Worker<SourceObject>({
      queue,
      retryDelayMs: this.options.retryDelayMs,
      describe: (source) => source.key,
      log,
      handle: async (source, message) => {
        log(`classifying ${source.key}${message.receiveCount > 1 ? ` (delivery ${message.receiveCount})` : ''}`);
        const outcome = await classifyDelivery(deps, source, settings, {
          receiveCount: message.receiveCount,
          maxReceives: queue.maxReceives,
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
    this.services.close();
  }
}
