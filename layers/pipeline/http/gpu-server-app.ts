import { Hono } from 'hono';
import { describeError, XclipError } from '../../common/errors.js';
import { type BatchDeps, classifyBatch, gpuRequestSchema, modelInfoOf, parseJsonDocument } from '../core/index.js';
import { answerErrorsAsJson, limitBodySize, mediaTypeOf, UnsupportedMediaTypeError } from './http-errors.js';

/** Requests name videos, not carry them: a list of 10,000 pinned versions is about 2 MB. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

/** Where the model is: the server answers /ping at once and serves /invocations once it is ready. */
export type ModelState =
  | { status: 'loading' }
  | { status: 'ready'; deps: BatchDeps }
  | { status: 'failed'; error: unknown };

export class ModelNotReadyError extends XclipError {
  constructor(state: ModelState) {
    super(
      'MODEL_NOT_READY',
      'the model is not ready',
      state.status === 'loading' ? 'it is still loading' : 'it failed to load; see the log',
    );
  }
}

export interface GpuServerDeps {
  model: () => ModelState;
  /** Logs errors that become 500s. */
  log: (line: string) => void;
}

/**
 * The SageMaker inference container contract: GET /ping (healthy once the model is loaded) and POST /invocations
 * (a GPU request in, its summary out, the results stored as the Lambda classifier stores them).
 */
export function createGpuServer(deps: GpuServerDeps): Hono {
  const app = new Hono();

  answerErrorsAsJson(app, deps.log);

  app.get('/ping', (c) => {
    const state = deps.model();
    if (state.status === 'ready') {
      return c.json({
        status: 'ready',
        executionProvider: state.deps.model.model.executionProvider,
        model: modelInfoOf(state.deps.model),
      });
    }
    return state.status === 'loading'
      ? c.json({ status: 'loading' }, 503)
      : c.json({ status: 'failed', error: describeError(state.error) }, 500);
  });

  app.post('/invocations', limitBodySize(MAX_REQUEST_BYTES), async (c) => {
    const contentType = c.req.header('content-type');
    if (mediaTypeOf(contentType) !== 'application/json') throw new UnsupportedMediaTypeError(contentType);
    const state = deps.model();
    if (state.status !== 'ready') throw new ModelNotReadyError(state);
    const request = parseJsonDocument(gpuRequestSchema, await c.req.text(), 'GPU request');
    return c.json(await classifyBatch(state.deps, request));
  });

  return app;
}
