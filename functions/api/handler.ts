import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import type { VideoClassifier } from '../../layers/pipeline/core/index.js';
import { modelInfoOf } from '../../layers/pipeline/core/index.js';
import { BUILT_WEB_PAGE_DIR, createLambdaApi } from '../../layers/pipeline/http/index.js';
import { createAwsServices } from '../../layers/pipeline/runtimes/aws/index.js';
import { loadConfig } from '../shared/config.js';
import { loadVideoModel } from '../shared/model.js';

type ApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

const logger = new Logger();

/**
 * The bundle carries the web page in web/ beside it (scripts/build.mjs); run from source (tests, `npm run invoke`),
 * the handler serves the page's build in dist/web.
 */
function webPageDir(): string {
  const bundled = fileURLToPath(new URL('./web/', import.meta.url));
  return existsSync(bundled) ? bundled : BUILT_WEB_PAGE_DIR;
}

/**
 * The API for this container, from the environment; the model loads on the first request that needs it (search,
 * relabel). Exported for tests that serve it over HTTP to a browser.
 */
export function createApiApp(): Hono {
  const config = loadConfig();
  const services = createAwsServices(config);
  let model: Promise<VideoClassifier> | undefined;
  let loaded: VideoClassifier | undefined;
  return createLambdaApi(
    { ...config, webPageDir: webPageDir() },
    {
      results: services.results,
      artifacts: services.bucket,
      vectors: services.vectors,
      links: services.links,
      sourceLinks: services.links,
      ingest: services.queue,
      model: () => {
        model ??= loadVideoModel(config, false).then(
          (classifier) => (loaded = classifier),
          (error: unknown) => {
            model = undefined;
            throw error;
          },
        );
        return model;
      },
      health: () => (loaded ? { model: modelInfoOf(loaded) } : {}),
      log: (line) => logger.error(line),
    },
    services.clients.s3,
  );
}

let handleRequest: ApiHandler | undefined;

/** API Gateway HTTP API (payload 2.0) -> the Hono app. */
export async function handler(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyResultV2> {
  logger.addContext(context);
  handleRequest ??= handle(createApiApp()) as ApiHandler;
  return handleRequest(event, context);
}
