import type { S3Client } from '@aws-sdk/client-s3';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type ApiDeps, createApi } from './api-app.js';
import { lambdaApiDocument } from './lambda-openapi.js';
import { uploadRoutes } from './upload-routes.js';

/** Where the Lambda API's uploads go and which origins it answers CORS for. */
export interface LambdaApiSettings {
  bucket: string;
  uploadPrefix: string;
  videoSuffixes: string[];
  maxVideoBytes: number;
  /** Origins the API answers CORS for; "*" for any, none for no CORS. */
  corsOrigins: string[];
}

/**
 * The local pipeline's HTTP API plus POST /uploads, with CORS for CORS_ORIGINS. Authentication is
 * API Gateway's (IAM or JWT): a request that reaches the function is trusted.
 */
export function createLambdaApi(config: LambdaApiSettings, deps: ApiDeps, s3: S3Client): Hono {
  const api = createApi(deps);
  api.route(
    '/',
    uploadRoutes({
      s3,
      bucket: config.bucket,
      prefix: config.uploadPrefix,
      videoSuffixes: config.videoSuffixes,
      maxBytes: config.maxVideoBytes,
    }),
  );

  const app = new Hono();
  if (config.corsOrigins.length > 0) {
    app.use(
      cors({
        origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
        allowHeaders: ['content-type', 'authorization'],
        maxAge: 600,
      }),
    );
  }
  app.get('/openapi.json', (c) => c.json(lambdaApiDocument()));
  app.all('*', (c) => api.fetch(c.req.raw, c.env));
  return app;
}
