import { isAbsolute, relative, resolve } from 'node:path';
import type { Hono } from 'hono';
import { UsageError } from '../../../common/errors.js';
import {
  checkWebhook,
  FolderWatcher,
  type FsObjectStore,
  WebhookNotifier,
  Worker,
} from '../../adapters/local/index.js';
import type { LabelFeatureCacheBytes, SourceObject, VideoClassifier } from '../../core/index.js';
import {
  type ClassifySettings,
  classifyDelivery,
  ingestObject,
  loadClassifier,
  modelInfoOf,
} from '../../core/index.js';
import {
  type BoundServer,
  bind,
  checkListenSecurity,
  createApi,
  guardedApp,
  hostOfAddress,
  LocalArtifactLinks,
  type LocalGuardOptions,
  MEDIA_ROUTE,
} from '../../http/index.js';
import { isOpenLocalPath, LOCAL_UPLOAD_BODY_TYPES, localServerApp } from './local-server-app.js';
import {
  createLocalServices,
  type LocalServiceSettings,
  type LocalServices,
  localLabelFeatureCacheDir,
} from './local-services.js';

/** Where the API listens and whom it answers: loopback names and `allowedHosts`, with `token` when set. */
export interface LocalListenOptions extends Omit<LocalGuardOptions, 'port'> {
  port: number;
  host: string;
}

/** The local services' settings (a pipeline without `watchDir` only runs the API) and how the pipeline runs. */
export interface LocalPipelineOptions extends Omit<LocalServiceSettings, 'dimension'> {
  modelDir: string;
  settings: ClassifySettings;
  threads?: number;
  /** ONNX Runtime execution providers in order of preference (default CPU); one that cannot start is logged and skipped. */
  executionProviders?: string[];
  /** Bounds on the label feature cache in memory and under the data folder. */
  labelFeatureCacheBytes?: Partial<LabelFeatureCacheBytes>;
  /** Serve the API over HTTP (behind localGuard); without it, `app` answers in-process requests only. */
  listen?: LocalListenOptions;
  scanIntervalMs?: number;
  /** How long a file must stay unchanged before it is taken (default DEFAULT_SETTLE_MS). */
  settleMs?: number;
  retryDelayMs?: number;
  /** Where every video that ends DONE or FAILED is posted, signed with `secret` (WebhookNotifier). */
  webhook?: { url: string; secret: string };
  log: (line: string) => void;
}

/** Later than any lease. */
const END_OF_TIME = '9999-12-31T23:59:59.999Z';

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
  /** The web page, uploads and the API, without the guard: for requests from this process. */
  readonly app: Hono;
  private watcher: FolderWatcher | undefined;
  private worker: Worker<SourceObject> | undefined;
  private readonly notifier: WebhookNotifier | undefined;

  private constructor(
    private readonly options: LocalPipelineOptions,
    private readonly model: VideoClassifier,
    private readonly services: LocalServices,
    private readonly server: BoundServer | undefined,
  ) {
    const links = new LocalArtifactLinks();
    const mediaLinks = options.watchDir ? new LocalArtifactLinks(MEDIA_ROUTE) : undefined;
    const api = createApi({
      results: services.results,
      artifacts: services.artifacts,
      vectors: services.vectors,
      links,
      ...(mediaLinks ? { sourceLinks: mediaLinks } : {}),
      model: async () => model,
      ...(services.sources ? { ingest: services.ingest } : {}),
      health: () => ({ model: modelInfoOf(model), queue: services.queue.stats() }),
      log: options.log,
    });
    this.notifier = options.webhook && new WebhookNotifier({ ...options.webhook, log: options.log });
    this.app = localServerApp(api, {
      watchDir: options.watchDir,
      thumbnails: { artifacts: services.artifacts, links },
      mediaLinks,
      log: options.log,
    });
  }

  /**
   * Binds the port and loads the model first, so a port in use or a bad model directory fails before
   * anything is written.
   */
  static async start(options: LocalPipelineOptions): Promise<LocalPipeline> {
    if (options.watchDir)
      checkOutsideWatchedFolder(options.watchDir, { '--data': options.dataDir, '--db': options.dbPath });
    if (options.listen) checkListenSecurity(options.listen.host, options.listen.token);
    if (options.webhook) checkWebhook(options.webhook);
    const server = options.listen && (await bind(options.listen.port, options.listen.host));
    let model: VideoClassifier | undefined;
    let pipeline: LocalPipeline | undefined;
    try {
      model = await loadClassifier(
        {
          modelDir: options.modelDir,
          threads: options.threads,
          executionProviders: options.executionProviders,
          labelFeatureCacheDir: localLabelFeatureCacheDir(options.dataDir),
          labelFeatureCacheBytes: options.labelFeatureCacheBytes,
        },
        (line) => options.log(`warning: ${line}`),
      );
      const services = await createLocalServices({ ...options, dimension: model.model.projectionDim });
      pipeline = new LocalPipeline(options, model, services, server);
      if (pipeline.services.sources) await pipeline.startIngest(pipeline.services.sources);
      if (server && options.listen) server.serve(pipeline.guarded(options.listen, server.port));
      return pipeline;
    } catch (error) {
      if (pipeline) await pipeline.stop();
      else {
        await server?.close();
        await model?.release();
      }
      throw error;
    }
  }

  /** The port the API listens on, when it listens. */
  get port(): number | undefined {
    return this.server?.port;
  }

  private guarded(listen: LocalListenOptions, port: number): Hono {
    const { host, port: _asked, ...guard } = listen;
    const boundHost = hostOfAddress(host);
    return guardedApp(
      this.app,
      {
        ...guard,
        port,
        allowedHosts: [...(guard.allowedHosts ?? []), ...(boundHost ? [boundHost] : [])],
        bodyTypes: LOCAL_UPLOAD_BODY_TYPES,
        openPaths: isOpenLocalPath,
      },
      this.options.log,
    );
  }

  private async startIngest(sources: FsObjectStore): Promise<void> {
    const { log, settings } = this.options;
    const { queue, results } = this.services;
    const deps = { ...this.services, model: this.model, sources, notifier: this.notifier };

    const startedAt = new Date().toISOString();
    for (const record of await results.unfinished()) {
      if (record.source.bucket !== sources.bucket) continue;
      log(`resuming ${record.source.key} (${record.status} when the last run stopped)`);
      // One pipeline owns the database: a claim left by an earlier run is abandoned, however long its lease.
      if (record.status === 'PROCESSING') await results.requeue(record.id, startedAt, END_OF_TIME);
      await queue.send(record.source);
    }
    this.watcher = new FolderWatcher(sources, {
      intervalMs: this.options.scanIntervalMs,
      settleMs: this.options.settleMs,
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

  /** Stops answering and taking new work, lets the request and the video in hand finish, and closes the store and the model. */
  async stop(): Promise<void> {
    await this.server?.close();
    await this.watcher?.stop();
    await this.worker?.stop();
    await this.notifier?.close();
    await this.model.release();
    this.services.close();
  }
}
