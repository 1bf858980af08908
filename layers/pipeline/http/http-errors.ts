import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { XclipError } from '../../common/errors.js';

/** HTTP status of each error code the API and the GPU server answer with; every other error is a 500 INTERNAL. */
const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  INVALID_REQUEST: 400,
  INVALID_CURSOR: 400,
  INVALID_LABELS: 400,
  NOT_FOUND: 404,
  NOT_READY: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NO_TOKENIZER: 422,
  MODEL_NOT_READY: 503,
};

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
