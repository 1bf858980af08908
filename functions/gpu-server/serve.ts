import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { ConcurrencyLimit } from '../../layers/common/concurrency.js';
import { describeError } from '../../layers/common/errors.js';
import { EventBridgeNotifier } from '../../layers/pipeline/adapters/aws/index.js';
import { createGpuServer, listen, type ModelState } from '../../layers/pipeline/http/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import { loadGpuServerConfig } from './config.js';
import { loadGpuModel } from './model.js';

/** A transient error gets one more try per video within a request; then the video is recorded FAILED. */
const MAX_ATTEMPTS = 2;

// SageMaker starts an inference image as `docker run <image> serve`.
const [command] = process.argv.slice(2);
if (command !== undefined && command !== 'serve') {
  process.stderr.write(
    `gpu-server: unknown command ${JSON.stringify(command)} (SageMaker starts the container with "serve")\n`,
  );
  process.exit(2);
}

const logger = new Logger({ serviceName: 'gpu-server' });
const config = loadGpuServerConfig();
// Videos and artifacts share the bucket, as on the Lambda path; downloads are capped at MAX_VIDEO_BYTES.
const { clients, bucket, results, vectors } = createAwsServices({ ...config, maxDownloadBytes: config.maxVideoBytes });
const notifier =
  config.eventBusName &&
  new EventBridgeNotifier(clients.events, config.eventBusName, (message, details) => logger.warn(message, details));
const workDir = mkdtempSync(join(tmpdir(), 'xclip-videos-'));
// One set of decoding slots for the whole server: SageMaker may send several requests at once.
const slots = new ConcurrencyLimit(config.videoConcurrency);

let state: ModelState = { status: 'loading' };
const server = await listen(
  createGpuServer({ model: () => state, log: (line) => logger.error(line) }),
  config.port,
  '0.0.0.0',
);
logger.info('listening', { port: server.port });

const loading = loadGpuModel(config, (line) => logger.warn(line)).then(
  (model) => {
    const { executionProvider } = model.model;
    state = {
      status: 'ready',
      deps: {
        model,
        sources: bucket,
        artifacts: bucket,
        results,
        vectors,
        workDir,
        maxAttempts: MAX_ATTEMPTS,
        slots,
        ...(notifier ? { notifier } : {}),
      },
    };
    logger.info('model ready', {
      executionProvider,
      modelDir: config.modelDir,
      loadMs: model.loadMs,
      videoConcurrency: config.videoConcurrency,
    });
    return model;
  },
  (error: unknown) => {
    state = { status: 'failed', error };
    logger.error('model failed to load', { error: describeError(error) });
    return undefined;
  },
);

process.once('SIGTERM', () => {
  void (async () => {
    await server.close();
    await (await loading)?.release();
    process.exit(0);
  })();
});
