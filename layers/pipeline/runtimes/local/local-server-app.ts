import { Hono } from 'hono';
import { FsObjectStore } from '../../adapters/local/index.js';
import type { ObjectStore } from '../../core/index.js';
import {
  ARTIFACT_ROUTE,
  addArtifactRoute,
  addLocalUploads,
  addMediaRoute,
  addWebPage,
  answerErrorsAsJson,
  type LocalArtifactLinks,
  localUploadsOpenApiPath,
  MEDIA_ROUTE,
  openApiDocument,
  withLocalGuardResponses,
} from '../../http/index.js';

export interface LocalServerOptions {
  /** The watched folder; without it there are no uploads. */
  watchDir?: string;
  /** The built web page (default: where `npm run build:web` puts it). */
  webPageDir?: string;
  /** Bound on one upload's size (default 2 GiB). */
  maxUploadBytes?: number;
  /** Thumbnails by the URLs `links` signed (what the API hands out with it). */
  thumbnails?: { artifacts: ObjectStore; links: LocalArtifactLinks };
  /** With `watchDir`: its videos by the URLs `links` signed (GET /videos/{id}'s videoUrl). */
  mediaLinks?: LocalArtifactLinks;
  log?: (line: string) => void;
}

/** Media types POST /uploads/local takes (the local guard lets only JSON through elsewhere). */
export const LOCAL_UPLOAD_BODY_TYPES: Readonly<Record<string, readonly string[]>> = {
  '/uploads/local': ['video/*', 'application/octet-stream'],
};

/** GETs the local guard lets through without a token: the page's own files and signed thumbnail URLs. */
export function isOpenLocalPath(path: string): boolean {
  return path === '/' || path.startsWith('/assets/') || path === ARTIFACT_ROUTE || path === MEDIA_ROUTE;
}

/** The OpenAPI document of `xclip serve`: the API, POST /uploads/local when it watches a folder, and the local guard's answers. */
function localServerDocument(watching: boolean): Record<string, unknown> {
  const document = openApiDocument() as { paths: Record<string, unknown> };
  const paths = watching ? { ...document.paths, '/uploads/local': localUploadsOpenApiPath() } : document.paths;
  return withLocalGuardResponses({ ...document, paths });
}

/**
 * What `xclip serve` answers: the web page, uploads into the watched folder, and `api` for every
 * other route. Uploads sit outside the API's app so that its 1 MiB body limit does not apply to them.
 */
export function localServerApp(api: Hono, options: LocalServerOptions): Hono {
  const app = new Hono();
  answerErrorsAsJson(app, options.log);

  addWebPage(app, options.webPageDir);
  if (options.thumbnails) addArtifactRoute(app, options.thumbnails.artifacts, options.thumbnails.links);
  if (options.watchDir) {
    const folder = new FsObjectStore(options.watchDir);
    addLocalUploads(app, { folder: folder.root, bucket: folder.bucket, maxBytes: options.maxUploadBytes });
    if (options.mediaLinks) addMediaRoute(app, folder, options.mediaLinks);
  }
  app.get('/openapi.json', (c) => c.json(localServerDocument(options.watchDir !== undefined)));
  app.all('*', (c) => api.fetch(c.req.raw, c.env));
  return app;
}
