import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One entry of a PutEvents request, as the SDK sends it (awsJson1_1). */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Time?: number;
}

/**
 * A stand-in for EventBridge's PutEvents, for tests: no npm package serves that API, so this speaks its wire protocol
 * (POST /, X-Amz-Target AWSEvents.PutEvents, JSON 1.1) to a real SDK client and records the entries. `failNext`
 * answers the next requests with a 500 (the SDK retries those), `rejectNext` puts the next entries as failed entries.
 */
export class EventBridgeStandIn {
  readonly entries: PutEventsEntry[] = [];
  requests = 0;
  failNext = 0;
  rejectNext = 0;
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        this.requests++;
        const reply = (status: number, json: unknown) =>
          response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
        if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents')
          return reply(400, { __type: 'UnknownOperationException', message: 'only PutEvents' });
        if (this.failNext > 0) {
          this.failNext--;
          return reply(500, { __type: 'InternalException', message: 'stand-in failure' });
        }
        const entries = (JSON.parse(body) as { Entries: PutEventsEntry[] }).Entries;
        const results = entries.map((entry) => {
          if (this.rejectNext > 0) {
            this.rejectNext--;
            return { ErrorCode: 'InternalFailure', ErrorMessage: 'stand-in rejection' };
          }
          this.entries.push(entry);
          return { EventId: randomUUID() };
        });
        reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results });
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
