import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with each request: forward it, drop the connection, or keep it open without answering. */
export type FaultMode = 'pass' | 'down' | 'hang';

/**
 * An HTTP proxy on 127.0.0.1 in front of one local server (dynalite, s3rver, local-aws-sqs), so a test can make that
 * service go down or hang while the code under test keeps its real SDK clients.
 */
export class FaultProxy {
  mode: FaultMode = 'pass';
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FaultProxy> {
    const { hostname, port } = new URL(target);
    let proxy: FaultProxy | undefined;
    const server = createServer((incoming, outgoing) => {
      const fault = proxy!;
      if (fault.mode === 'down') return incoming.socket.destroy();
      if (fault.mode === 'hang') return;
      const forward = request(
        { hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      forward.on('error', () => outgoing.socket?.destroy());
      incoming.pipe(forward);
    });
    server.on('connection', (socket) => {
      proxy!.sockets.add(socket);
      socket.on('close', () => proxy!.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new FaultProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  /** Back to forwarding. */
  heal(): void {
    this.mode = 'pass';
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
