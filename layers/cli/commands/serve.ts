import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { commaList } from '../../common/comma-list.js';
import { DEFAULT_SETTLE_MS } from '../../pipeline/adapters/local/index.js';
import { DEFAULT_LABEL_FEATURE_CACHE, DEFAULT_TOP, MAX_TOP } from '../../pipeline/core/index.js';
import { LocalPipeline } from '../../pipeline/runtimes/local/index.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../../xclip/label-sets.js';
import { defaultModelDir, MODEL_DIR_HELP } from '../../xclip/model-location.js';
import { EXECUTION_PROVIDERS_HELP, executionProviderList, integerIn, originList, positiveNumber } from '../options.js';

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

const MIB = 1024 ** 2;

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

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('local pipeline: watch a folder, classify new and changed videos, and serve the HTTP API')
    .option('--watch <dir>', 'folder to watch (the local bucket); without it only the API runs')
    .option(
      '--settle-seconds <s>',
      'a file is taken once its size and modification time stay the same this long',
      positiveNumber,
      DEFAULT_SETTLE_MS / 1000,
    )
    .option('--port <port>', 'HTTP port (0: any free port)', integerIn(0, 65535), 3000)
    .option('--host <host>', 'address to listen on (other than loopback only with a token)', '127.0.0.1')
    .addOption(
      new Option('--token <token>', 'require Authorization: Bearer <token> on every request').env('XCLIP_TOKEN'),
    )
    .option(
      '--allowed-hosts <names>',
      'more names the server is reached by (Host header), comma-separated',
      commaList,
      [],
    )
    .option(
      '--allowed-origins <origins>',
      'origins of other pages that may call the API, comma-separated',
      originList,
      [],
    )
    .option('--data <dir>', 'folder for results, embeddings, visual tokens and caches', 'xclip-data')
    .option('--db <file>', 'SQLite result store (default: <data>/results.db)')
    .option('--model <dir>', MODEL_DIR_HELP, defaultModelDir())
    .option('--labels <labels>', 'k400, k600, ucf101, hmdb51, a label file, or "a,b,c"', DEFAULT_LABEL_SET)
    .option('--top <k>', 'labels stored per video', integerIn(1, MAX_TOP), DEFAULT_TOP)
    .addOption(new Option('--views <views>', 'temporal clips x spatial crops').choices(['1x1', '4x3']).default('1x1'))
    .option('--timeline <seconds>', 'also label windows of this many seconds', positiveNumber)
    .option('--threads <n>', 'ONNX Runtime threads', integerIn(1, 1024))
    .option('--execution-providers <list>', EXECUTION_PROVIDERS_HELP, executionProviderList, ['cpu'])
    .option(
      '--label-cache-memory-mb <mb>',
      'text features of custom label sets kept in memory',
      positiveNumber,
      DEFAULT_LABEL_FEATURE_CACHE.memory / MIB,
    )
    .option(
      '--label-cache-disk-mb <mb>',
      'text features of custom label sets kept under <data>/label-features',
      positiveNumber,
      DEFAULT_LABEL_FEATURE_CACHE.disk / MIB,
    )
    .option('--webhook <url>', 'POST a signed JSON event to this URL for every video that ends DONE or FAILED')
    .addOption(
      new Option('--webhook-secret <secret>', "key of the webhook requests' HMAC-SHA256 signature").env(
        'XCLIP_WEBHOOK_SECRET',
      ),
    )
    .action(async (options: ServeCommandOptions) => {
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
    });
}
