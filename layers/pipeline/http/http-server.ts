import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { XclipError } from '../../common/errors.js';
import { errorResponse } from './http-errors.js';

export interface ListeningServer {
  /** The bound port (the one asked for, or the one the system chose for port 0). */
  port: number;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves once open requests are answered. */
  close(): Promise<void>;
}

/** A listening server that answers 503 until it is given its app. */
export interface BoundServer extends ListeningServer {
  serve(app: Hono): void;
}

class StartingError extends XclipError {
  constructor() {
    super('MODEL_NOT_READY', 'the server is not ready', 'it is still starting');
  }
}

/**
 * Binds `host:port` with @hono/node-server before there is an app to serve, so that a port in use fails
 * before anything is loaded or written.
 */
export function bind(port: number, host: string): Promise<BoundServer> {
  let app: Hono | undefined;
  const fetch = async (request: Request, env: unknown): Promise<Response> => {
    const response = app ? await app.fetch(request, env) : starting();
    // A body refused unread (413) would be parsed as the next request on a kept-alive connection.
    if (response.status === 413) response.headers.set('connection', 'close');
    return response;
  };
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        new XclipError(
          'LISTEN_FAILED',
          `cannot listen on ${host}:${port}`,
          error.code === 'EADDRINUSE' ? 'the port is in use' : error.message,
        ),
      );
    };
    const server = serve({ fetch, port, hostname: host }, (info) => {
      server.off('error', onError);
      resolve({
        port: info.port,
        serve: (served) => {
          app = served;
        },
        close: () =>
          new Promise<void>((closed) => {
            (server as Server).close(() => closed());
            (server as Server).closeIdleConnections();
          }),
      });
    });
    server.once('error', onError);
  });
}

function starting(): Response {
  const { status, body } = errorResponse(new StartingError());
  return Response.json(body, { status });
}

/** Serves `app` over HTTP on `host:port` with @hono/node-server. */
export async function listen(app: Hono, port: number, host: string): Promise<ListeningServer> {
  const server = await bind(port, host);
  server.serve(app);
  return server;
}
