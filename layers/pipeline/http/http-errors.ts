import type { Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { XclipError } from '../../common/errors.js';
import { NotFoundError } from '../core/index.js';

/** HTTP status of each error code the API and the GPU server answer with; every other error is a 500 INTERNAL. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  INVALID_REQUEST: 400,
  INVALID_CURSOR: 400,
  INVALID_LABELS: 400,
  INVALID_VECTOR_INPUT: 400,
  NOT_AN_IMAGE: 400,
  UNAUTHORIZED: 401,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  NOT_READY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NO_TOKENIZER: 422,
  MODEL_NOT_READY: 503,
  SIGN_IN_UNAVAILABLE: 503,
};

export class UnsupportedMediaTypeError extends XclipError {
  constructor(contentType: string | undefined, expected = 'application/json') {
    super('UNSUPPORTED_MEDIA_TYPE', `cannot read a ${contentType ?? 'untyped'} request`, `send ${expected}`);
  }
}

/** The media type of a Content-Type header in lower case, without parameters ('' when there is none). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface ErrorBody {
  error: { code: string; message: string };
}

/** The JSON body and status for `error`; unexpected errors keep their details out of the response. */
export function errorResponse(error: unknown): { status: ContentfulStatusCode; body: ErrorBody } {
  if (error instanceof XclipError && STATUS_BY_CODE[error.code]) {
    return { status: STATUS_BY_CODE[error.code]!, body: { error: { code: error.code, message: error.message } } };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'internal error; the server log has the details' } },
  };
}

/**
 * Every error of `app` answered as JSON: typed errors with their status, anything else a 500 whose details go to
 * `log` only; unknown routes are 404s.
 */
export function answerErrorsAsJson(app: Hono, log?: (line: string) => void): void {
  app.onError((error, c) => {
    const { status, body } = errorResponse(error);
    if (status === 500) log?.(`${c.req.method} ${c.req.path} failed: ${error.stack ?? String(error)}`);
    return c.json(body, status);
  });
  app.notFound((c) => c.json(errorResponse(new NotFoundError(`route ${c.req.method} ${c.req.path}`)).body, 404));
}

/** Refuses request bodies over `maxBytes` with a PAYLOAD_TOO_LARGE error. */
export function limitBodySize(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new XclipError('PAYLOAD_TOO_LARGE', 'request body too large', `at most ${maxBytes} bytes`);
    },
  });
}
