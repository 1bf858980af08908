import { join } from 'node:path';
import { LocalPipeline } from '../../pipeline/runtimes/local/index.js';
import { resolveLabelSet } from '../../xclip/label-sets.js';
import { MIB } from './serve.js';

interface ServeCommandOptions {
  watch?: string;
  settleSeconds: number;
  port: number;
  host: string;
  token?: string;
  allowedHosts: string[];
  allowedOrigins: string[];
  data: string;
  db?: string;
  model: string;
  labels: string;
  top: number;
  views: '1x1' | '4x3';
  timeline?: number;
  threads?: number;
  executionProviders: string[];
  labelCacheMemoryMb: number;
  labelCacheDiskMb: number;
  webhook?: string;
  webhookSecret?: string;
}

/** Resolves once the process is asked to stop (SIGINT or SIGTERM); a second signal exits at once. */
function shutdownRequested(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
}

/** `xclip serve`, imported when it runs. */
export async function run(options: ServeCommandOptions): Promise<void> {
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  };
  const labels = resolveLabelSet(options.labels);
  const stopping = shutdownRequested();
  const pipeline = await LocalPipeline.start({
    modelDir: options.model,
    dbPath: options.db ?? join(options.data, 'results.db'),
    dataDir: options.data,
    watchDir: options.watch,
    settleMs: options.settleSeconds * 1000,
    listen: {
      port: options.port,
      host: options.host,
      token: options.token,
      allowedHosts: options.allowedHosts,
      allowedOrigins: options.allowedOrigins,
    },
    settings: { labels, top: options.top, views: options.views, timelineSeconds: options.timeline },
    threads: options.threads,
    executionProviders: options.executionProviders,
    labelFeatureCacheBytes: { memory: options.labelCacheMemoryMb * MIB, disk: options.labelCacheDiskMb * MIB },
    ...(options.webhook ? { webhook: { url: options.webhook, secret: options.webhookSecret ?? '' } } : {}),
    log,
  });
  log(`listening on http://${options.host}:${pipeline.port}`);
  log(`stopping (${await stopping}): finishing the video in hand`);
  await pipeline.stop();
  log('stopped');
}
