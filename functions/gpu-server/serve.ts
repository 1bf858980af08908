import { Logger } from '@aws-lambda-powertools/logger';
import { describeError } from '../../layers/common/errors.js';
import { createGpuServer, listen, type ModelState } from '../../layers/pipeline/http/index.js';
import { gpuBatchServices } from './batch-services.js';
import { loadGpuServerConfig } from './config.js';
import { loadGpuModel } from './model.js';

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
const batchDeps = gpuBatchServices(config, (message, details) => logger.warn(message, details));

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
    state = { status: 'ready', deps: batchDeps(model) };
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
