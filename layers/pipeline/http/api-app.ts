import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { XclipError } from '../../common/errors.js';
import {
  BUILTIN_LABEL_SETS,
  type BuiltinLabelSetId,
  builtinLabelSet,
  DEFAULT_LABEL_SET,
} from '../../xclip/label-sets.js';
import { InvalidRequestError, NotFoundError } from '../core/errors.js';
import { labelSetFromRequest } from '../core/label-spec.js';
import type { ObjectStore } from '../core/ports/object-store.js';
import type { ResultStore } from '../core/ports/result-store.js';
import type { VideoModel } from '../core/ports/video-model.js';
import type { VideoRecord } from '../core/result-schema.js';
import { relabelVideos } from '../core/use-cases/relabel.js';
import { searchByText, similarVideos } from '../core/use-cases/search.js';
import { errorResponse } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import {
  listQuerySchema,
  relabelRequestSchema,
  searchRequestSchema,
  similarQuerySchema,
  videoIdSchema,
} from './schemas.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiDeps {
  results: ResultStore;
  artifacts: ObjectStore;
  /** The model, loaded on first use (search and relabel need it; listing does not). */
  model: () => Promise<VideoModel>;
  /** Extra fields of GET /health (model, queue). */
  health?: () => Record<string, unknown>;
  /** Logs errors that become 500s. */
  log?: (line: string) => void;
}

function validated<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const why = parsed.error.issues
    .map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
  throw new InvalidRequestError(`invalid ${what}`, why);
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return JSON.parse(await request.text());
  } catch {
    throw new InvalidRequestError('invalid request body', 'it is not JSON');
  }
}

function summary(record: VideoRecord) {
  return {
    id: record.id,
    key: record.source.key,
    status: record.status,
    updatedAt: record.updatedAt,
    ...(record.result ? { labelSetId: record.result.labelSetId, labels: record.result.labels } : {}),
    ...(record.error ? { error: record.error } : {}),
  };
}

/**
 * The HTTP API over the result store and use cases: served by @hono/node-server locally and by
 * hono/aws-lambda behind API Gateway. Every input is validated; every error is JSON with a code.
 */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();

  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    if (status === 500) deps.log?.(`${c.req.method} ${c.req.path} failed: ${error.stack ?? String(error)}`);
    return c.json(body, status);
  });
  app.notFound((c) => c.json(errorResponse(new NotFoundError(`route ${c.req.method} ${c.req.path}`)).body, 404));
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new XclipError('PAYLOAD_TOO_LARGE', 'request body too large', `at most ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

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
    return c.json({ items: page.items.map(summary), nextCursor: page.nextCursor ?? null });
  });

  app.get('/videos/:id', async (c) => {
    const id = validated(videoIdSchema, c.req.param('id'), 'video id');
    validated(z.strictObject({}), c.req.query(), 'query');
    const record = await deps.results.get(id);
    if (!record) throw new NotFoundError(`video ${id}`);
    return c.json(record);
  });

  app.get('/videos/:id/similar', async (c) => {
    const id = validated(videoIdSchema, c.req.param('id'), 'video id');
    const { k } = validated(similarQuerySchema, c.req.query(), 'query');
    return c.json({ items: await similarVideos(deps, id, k) });
  });

  app.post('/search', async (c) => {
    const body = validated(searchRequestSchema, await jsonBody(c.req.raw), 'search request');
    let text = body.text;
    if (body.label !== undefined) {
      const labels = labelSetFromRequest(body.labelSet);
      if (!labels.names.includes(body.label))
        throw new InvalidRequestError(
          'invalid search request',
          `label ${JSON.stringify(body.label)} is not in label set ${labels.id}`,
        );
      text = body.label;
    }
    return c.json({ items: await searchByText({ ...deps, model: await deps.model() }, text!, body.k) });
  });

  app.post('/relabel', async (c) => {
    const body = validated(relabelRequestSchema, await jsonBody(c.req.raw), 'relabel request');
    const labels = labelSetFromRequest(body.labels);
    return c.json({ items: await relabelVideos({ ...deps, model: await deps.model() }, body.ids, labels, body.top) });
  });

  return app;
}
