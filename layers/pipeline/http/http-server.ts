import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { XclipError } from '../../common/errors.js';

export interface ListeningServer {
  /** The bound port (the one asked for, or the one the system chose for port 0). */
  port: number;
  /** Stops accepting connections, ends idle keep-alive ones, and resolves once open requests are answered. */
  close(): Promise<void>;
}

/** Serves `app` over HTTP on `host:port` with @hono/node-server. */
export function listen(app: Hono, port: number, host: string): Promise<ListeningServer> {
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
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      server.off('error', onError);
      resolve({
        port: info.port,
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
