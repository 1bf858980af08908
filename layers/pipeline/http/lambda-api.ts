import type { S3Client } from '@aws-sdk/client-s3';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ArtifactLinks } from '../core/index.js';
import { type ApiDeps, createApi } from './api-app.js';
import { answerErrorsAsJson } from './http-errors.js';
import { lambdaApiDocument } from './lambda-openapi.js';
import { addSignInConfig, type SignInSettings, signInConfigOf } from './sign-in.js';
import { uploadRoutes } from './upload-routes.js';
import { addWebPage, type PageOrigins } from './web-page.js';

/** Where the Lambda API's uploads go and which origins it answers CORS for. */
export interface LambdaApiSettings {
  bucket: string;
  uploadPrefix: string;
  videoSuffixes: string[];
  maxVideoBytes: number;
  /** Origins the API answers CORS for; "*" for any, none for no CORS. */
  corsOrigins: string[];
  /** The built web page served at GET / and /assets/ (the bundle carries it). */
  webPageDir: string;
  /** With the JWT authorizer: the issuer the page signs in through (GET /sign-in.json). */
  signIn?: SignInSettings;
}

/** A key no link is made for but to learn where links point. */
const ORIGIN_PROBE_KEY = 'origin-probe';

/** The origins of the links the API hands out (presigned bucket URLs on AWS), learnt once; none while that fails. */
function linkOriginsOf(links: Array<ArtifactLinks | undefined>): () => Promise<string[]> {
  let origins: Promise<string[]> | undefined;
  return () => {
    origins ??= Promise.all(
      links.flatMap((made) => (made ? [made.urlOf(ORIGIN_PROBE_KEY).then((url) => new URL(url).origin)] : [])),
    ).then((found) => [...new Set(found)]);
    return origins.catch(() => {
      origins = undefined;
      return [];
    });
  };
}

/**
 * The local pipeline's HTTP API plus POST /uploads and the web page, with CORS for CORS_ORIGINS. Authentication
 * is API Gateway's (IAM or JWT on every data route, none on the page's): a request that reaches the function is
 * trusted.
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
  answerErrorsAsJson(app, deps.log);
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
  // The page shows posters and plays videos from the links the API hands out, and trades sign-in codes at the issuer.
  const linkOrigins = linkOriginsOf([deps.links, deps.sourceLinks]);
  const signIn = config.signIn && signInConfigOf(config.signIn);
  if (signIn) addSignInConfig(app, signIn);
  addWebPage(
    app,
    config.webPageDir,
    async (): Promise<PageOrigins> => ({
      media: await linkOrigins(),
      // Without the issuer's endpoints the page cannot sign in (sign-in.json says so), but still shows pictures.
      connect: signIn
        ? await signIn().then(
            ({ tokenEndpoint }) => [new URL(tokenEndpoint).origin],
            () => [],
          )
        : [],
    }),
  );
  app.all('*', (c) => api.fetch(c.req.raw, c.env));
  return app;
}
