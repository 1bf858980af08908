import { Hono } from 'hono';
import { z } from 'zod';
import { describeIssues } from '../../common/zod-issues.js';
import {
  BUILTIN_LABEL_SETS,
  type BuiltinLabelSetId,
  builtinLabelSet,
  DEFAULT_LABEL_SET,
} from '../../xclip/label-sets.js';
import type {
  ArtifactLinks,
  IngestSink,
  ObjectStore,
  ResultStore,
  SearchQuery,
  VectorIndex,
  VideoModel,
  VideoRecord,
} from '../core/index.js';
import {
  InvalidRequestError,
  labelSetFromRequest,
  NotFoundError,
  NotReadyError,
  parseJsonDocument,
  relabelVideos,
  retryVideo,
  searchVideos,
  similarVideos,
} from '../core/index.js';
import { answerErrorsAsJson, limitBodySize } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import {
  listQuerySchema,
  relabelRequestSchema,
  searchRequestSchema,
  similarQuerySchema,
  videoIdSchema,
} from './schemas.js';
import { posterLink, thumbnailUrlsOf, withPosters } from './thumbnail-urls.js';

const MAX_BODY_BYTES = 1024 * 1024;
/** A search may carry an image (MAX_IMAGE_BYTES in base64, and the rest of the request). */
const MAX_SEARCH_BODY_BYTES = 6 * 1024 * 1024;

export interface ApiDeps {
  results: ResultStore;
  artifacts: ObjectStore;
  /** The search index. */
  vectors: VectorIndex;
  /** Makes thumbnail URLs for browsers; without it responses carry none. */
  links?: ArtifactLinks;
  /** Makes URLs of the source videos for the page's player; without it GET /videos/{id} has no videoUrl. */
  sourceLinks?: ArtifactLinks;
  /** The model, loaded on first use (search and relabel need it; listing does not). */
  model: () => Promise<VideoModel>;
  /** The queue the classifier reads, for POST /videos/{id}/retry; absent where no worker runs. */
  ingest?: IngestSink;
  /** Extra fields of GET /health (model, queue). */
  health?: () => Record<string, unknown>;
  /** Logs errors that become 500s. */
  log?: (line: string) => void;
}

/** `value` parsed by `schema`, or an InvalidRequestError naming every issue. */
export function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequestError(`invalid ${what}`, describeIssues(parsed.error));
}

async function summary(record: VideoRecord, links: ArtifactLinks | undefined) {
  return {
    id: record.id,
    key: record.source.key,
    status: record.status,
    updatedAt: record.updatedAt,
    ...(record.result ? { labelSetId: record.result.labelSetId, labels: record.result.labels } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.leaseUntil ? { leaseUntil: record.leaseUntil } : {}),
    ...(await posterLink(links, record.result?.thumbnails?.poster)),
  };
}

/** The query of a validated search request (a label is searched for by its name). */
function searchQueryOf(body: z.output<typeof searchRequestSchema>): SearchQuery {
  if (body.example) return { example: body.example };
  if (body.image) return { image: Buffer.from(body.image.data, 'base64') };
  if (body.label === undefined) return { text: body.text! };
  const labels = labelSetFromRequest(body.labelSet);
  if (!labels.names.includes(body.label))
    throw new InvalidRequestError(
      'invalid search request',
      `label ${JSON.stringify(body.label)} is not in label set ${labels.id}`,
    );
  return { text: body.label };
}

/**
 * The HTTP API over the result store and use cases: served by @hono/node-server locally and by
 * hono/aws-lambda behind API Gateway. Every input is validated; every error is JSON with a code.
 */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();

  answerErrorsAsJson(app, deps.log);
  const bodyLimit = limitBodySize(MAX_BODY_BYTES);
  const searchBodyLimit = limitBodySize(MAX_SEARCH_BODY_BYTES);
  app.use((c, next) => (c.req.path === '/search' ? searchBodyLimit : bodyLimit)(c, next));

  app.get('/health', (c) => c.json({ status: 'ok', ...deps.health?.() }));

  app.get('/openapi.json', (c) => c.json(openApiDocument()));

  app.get('/labels', (c) =>
    c.json({
      defaultSet: DEFAULT_LABEL_SET,
      sets: (Object.keys(BUILTIN_LABEL_SETS) as BuiltinLabelSetId[]).map((id) => {
        const { names } = builtinLabelSet(id);
        return { id, count: names.length, names };
      }),
    }),
  );

  app.get('/videos', async (c) => {
    const query = validated(listQuerySchema, c.req.query(), 'query');
    const page = await deps.results.list(query);
    const items = await Promise.all(page.items.map((record) => summary(record, deps.links)));
    return c.json({ items, nextCursor: page.nextCursor ?? null });
  });

  app.get('/videos/:id', async (c) => {
    const id = validated(videoIdSchema, c.req.param('id'), 'video id');
    validated(z.strictObject({}), c.req.query(), 'query');
    const record = await deps.results.get(id);
    if (!record) throw new NotFoundError(`video ${id}`);
    return c.json({
      ...record,
      ...(await thumbnailUrlsOf(deps.links, record.result?.thumbnails)),
      ...(deps.sourceLinks ? { videoUrl: await deps.sourceLinks.urlOf(record.source.key) } : {}),
    });
  });

  app.get('/videos/:id/similar', async (c) => {
    const id = validated(videoIdSchema, c.req.param('id'), 'video id');
    const { k } = validated(similarQuerySchema, c.req.query(), 'query');
    return c.json({ items: await withPosters(deps.links, await similarVideos(deps, id, k)) });
  });

  app.post('/videos/:id/retry', async (c) => {
    const id = validated(videoIdSchema, c.req.param('id'), 'video id');
    if (!deps.ingest) throw new NotReadyError(`cannot retry video ${id}`, 'no worker classifies videos here');
    return c.json(await retryVideo({ ...deps, ingest: deps.ingest }, id), 202);
  });

  app.post('/search', async (c) => {
    const body = parseJsonDocument(searchRequestSchema, await c.req.text(), 'search request');
    const { k, filter, moments } = body;
    const hits = await searchVideos(deps, searchQueryOf(body), { k, filter, moments });
    return c.json({ items: await withPosters(deps.links, hits) });
  });

  app.post('/relabel', async (c) => {
    const body = parseJsonDocument(relabelRequestSchema, await c.req.text(), 'relabel request');
    const labels = labelSetFromRequest(body.labels);
    return c.json({ items: await relabelVideos({ ...deps, model: await deps.model() }, body.ids, labels, body.top) });
  });

  return app;
}
