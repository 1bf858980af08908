import { errorResponse } from './openapi.js';

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const READ_METHODS = new Set(['get', 'head', 'options']);

type Operation = { responses?: Record<string, unknown> };
type Document = { paths: Record<string, unknown>; components?: Record<string, unknown> };

/**
 * `document` with what localGuard answers before any route does: 403 for a foreign Host or Origin, 401
 * without the server's token (when it has one), and 415 for a mutating request that is not JSON (or the
 * body type the path takes). The token is an optional bearer scheme: a server started without one
 * takes requests without it.
 */
export function withLocalGuardResponses<T extends Document>(document: T): T {
  const paths = Object.fromEntries(
    Object.entries(document.paths).map(([path, item]) => [
      path,
      Object.fromEntries(
        Object.entries(item as Record<string, Operation>).map(([method, operation]) =>
          HTTP_METHODS.has(method) ? [method, guarded(method, operation)] : [method, operation],
        ),
      ),
    ]),
  );
  return {
    ...document,
    paths,
    components: {
      ...document.components,
      securitySchemes: {
        localToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token `xclip serve` was started with (--token or XCLIP_TOKEN), if any',
        },
      },
    },
    security: [{ localToken: [] }, {}],
  };
}

function guarded(method: string, operation: Operation): Operation {
  // The operation's own descriptions win: an upload route says which body types it takes.
  return {
    ...operation,
    responses: {
      401: errorResponse('The server has a token and the request lacks it or another (code UNAUTHORIZED)'),
      403: errorResponse('Host or Origin not allowed (code HOST_NOT_ALLOWED or ORIGIN_NOT_ALLOWED)'),
      ...(READ_METHODS.has(method) ? {} : { 415: errorResponse('Body is not JSON (code UNSUPPORTED_MEDIA_TYPE)') }),
      ...operation.responses,
    },
  };
}
