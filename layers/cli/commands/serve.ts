import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULT_TOP, MAX_TOP } from '../../pipeline/core/index.js';
import { listen } from '../../pipeline/http/index.js';
import { LocalPipeline } from '../../pipeline/runtimes/index.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../../xclip/label-sets.js';
import { defaultModelDir, MODEL_DIR_HELP } from '../../xclip/model-location.js';
import { EXECUTION_PROVIDERS_HELP, executionProviderList, integerIn, positiveNumber } from '../options.js';

interface ServeCommandOptions {
  watch?: string;
  port: number;
  host: string;
  data: string;
  db?: string;
  model: string;
  labels: string;
  top: number;
  views: '1x1' | '4x3';
  timeline?: number;
  threads?: number;
  executionProviders: string[];
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

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('local pipeline: watch a folder, classify new and changed videos, and serve the HTTP API')
    .option('--watch <dir>', 'folder to watch (the local bucket); without it only the API runs')
    .option('--port <port>', 'HTTP port (0: any free port)', integerIn(0, 65535), 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--data <dir>', 'folder for results, embeddings, visual tokens and caches', 'xclip-data')
    .option('--db <file>', 'SQLite result store (default: <data>/results.db)')
    .option('--model <dir>', MODEL_DIR_HELP, defaultModelDir())
    .option('--labels <labels>', 'k400, k600, ucf101, hmdb51, a label file, or "a,b,c"', DEFAULT_LABEL_SET)
    .option('--top <k>', 'labels stored per video', integerIn(1, MAX_TOP), DEFAULT_TOP)
    .addOption(new Option('--views <views>', 'temporal clips x spatial crops').choices(['1x1', '4x3']).default('1x1'))
    .option('--timeline <seconds>', 'also label windows of this many seconds', positiveNumber)
    .option('--threads <n>', 'ONNX Runtime threads', integerIn(1, 1024))
    .option('--execution-providers <list>', EXECUTION_PROVIDERS_HELP, executionProviderList, ['cpu'])
    .action(async (options: ServeCommandOptions) => {
      const log = (line: string): void => {
        process.stderr.write(`${new Date().toISOString()} ${line}\n`);
      };
      const stopping = shutdownRequested();
      const pipeline = await LocalPipeline.start({
        modelDir: options.model,
        dbPath: options.db ?? join(options.data, 'results.db'),
        dataDir: options.data,
        watchDir: options.watch,
        settings: {
          labels: resolveLabelSet(options.labels),
          top: options.top,
          views: options.views,
          timelineSeconds: options.timeline,
        },
        threads: options.threads,
        executionProviders: options.executionProviders,
        log,
      });
      const server = await listen(pipeline.app, options.port, options.host).catch(async (error: unknown) => {
        await pipeline.stop();
        throw error;
      });
      log(`listening on http://${options.host}:${server.port}`);
      log(`stopping (${await stopping}): finishing the video in hand`);
      await server.close();
      await pipeline.stop();
      log('stopped');
    });
}
