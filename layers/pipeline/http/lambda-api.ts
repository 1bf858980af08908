import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { type ApiDeps, createApi } from './api-app.js';
import { answerErrorsAsJson } from './http-errors.js';
import { lambdaApiDocument } from './lambda-openapi.js';
import { multipartUploadRoutes } from './multipart-upload-routes.js';
import { addSignInConfig, type SignInSettings, signInConfigOf } from './sign-in.js';
import { type UploadRouteOptions, uploadRoutes } from './upload-routes.js';
import { addWebPage, type PageOrigins } from './web-page.js';

/** Where the Lambda API's uploads go and which origins it answers CORS for. */
export interface LambdaApiSettings {
  bucket: string;
  uploadPrefix: string;
  videoSuffixes: string[];
  maxVideoBytes: number;
  /** The part size of multipart uploads (UPLOAD_PART_BYTES). */
  uploadPartBytes: number;
  /** Origins the API answers CORS for; "*" for any, none for no CORS. */
  corsOrigins: string[];
  /** The built web page served at GET / and /assets/ (the bundle carries it). */
  webPageDir: string;
  /** With the JWT authorizer: the issuer the page signs in through (GET /sign-in.json). */
  signIn?: SignInSettings;
}

/** A key no URL is made for but to learn where URLs point. */
const ORIGIN_PROBE_KEY = 'origin-probe';

/**
 * The origin of the URL `urlOf` makes (a presigned bucket URL: signing is local, so this costs no request), learnt
 * once; none while that fails (no credentials yet), tried again on the next call.
 */
function originOnce(urlOf: () => Promise<string>): () => Promise<string[]> {
  let origin: Promise<string[]> | undefined;
  return () => {
    origin ??= urlOf().then((url) => [new URL(url).origin]);
    return origin.catch(() => {
      origin = undefined;
      return [];
    });
  };
}

/**
 * The local pipeline's HTTP API plus the upload routes (POST /uploads, multipart uploads) and the web page, with
 * CORS for CORS_ORIGINS. Authentication is API Gateway's (IAM or JWT on every data route, none on the page's): a request that reaches the function is
 * trusted.
 */
export function createLambdaApi(config: LambdaApiSettings, deps: ApiDeps, s3: S3Client): Hono {
  const api = createApi(deps);
  const uploads: UploadRouteOptions = {
    s3,
    bucket: config.bucket,
    prefix: config.uploadPrefix,
    videoSuffixes: config.videoSuffixes,
    maxBytes: config.maxVideoBytes,
    partBytes: config.uploadPartBytes,
  };
  api.route('/', uploadRoutes(uploads));
  api.route('/', multipartUploadRoutes(uploads));
  // The bucket as the SDK addresses it (virtual-hosted on AWS, path-style on a local endpoint), where the page PUTs uploads.
  const uploadOrigin = originOnce(() =>
    getSignedUrl(s3, new PutObjectCommand({ Bucket: config.bucket, Key: ORIGIN_PROBE_KEY })),
  );
  const linkOrigins = [deps.links, deps.sourceLinks].flatMap((made) =>
    made ? [originOnce(() => made.urlOf(ORIGIN_PROBE_KEY))] : [],
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
  const signIn = config.signIn && signInConfigOf(config.signIn);
  if (signIn) addSignInConfig(app, signIn);
  // The page shows posters and plays videos from the links the API hands out, PUTs uploads to the bucket and trades
  // sign-in codes at the issuer; an origin that cannot be had now is left out (without the issuer's endpoints the
  // page cannot sign in, and sign-in.json says so, but it still shows pictures).
  addWebPage(
    app,
    config.webPageDir,
    async (): Promise<PageOrigins> => ({
      media: [...new Set((await Promise.all(linkOrigins.map((origins) => origins()))).flat())],
      connect: [
        ...(await uploadOrigin()),
        ...(signIn
          ? await signIn().then(
              ({ tokenEndpoint }) => [new URL(tokenEndpoint).origin],
              () => [],
            )
          : []),
      ],
    }),
  );
  app.all('*', (c) => api.fetch(c.req.raw, c.env));
  return app;
}
