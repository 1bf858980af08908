import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler } from '../../functions/api/handler.js';
import { lambdaContext, sampleEvent } from '../../scripts/lib/lambda-events.js';

export interface ApiReply {
  status: number;
  headers: Record<string, string | number | boolean>;
  /** The body, parsed when it is JSON. */
  json: unknown;
  /** The body as sent, decoded from base64 where API Gateway would decode it. */
  body: string;
}

/** events/<name> with its method, path, query or body replaced, through the real API handler. */
export async function callApi(
  name: string,
  changes: { method?: string; path?: string; query?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiReply> {
  const event = sampleEvent<APIGatewayProxyEventV2>(name);
  if (changes.method) event.requestContext.http.method = changes.method;
  if (changes.path) event.rawPath = event.requestContext.http.path = changes.path;
  if (changes.query !== undefined) {
    event.rawQueryString = changes.query;
    event.queryStringParameters = Object.fromEntries(new URLSearchParams(changes.query));
  }
  if (changes.body !== undefined)
    event.body = typeof changes.body === 'string' ? changes.body : JSON.stringify(changes.body);
  Object.assign(event.headers, changes.headers);
  const reply = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers = reply.headers ?? {};
  const body = Buffer.from(reply.body ?? '', reply.isBase64Encoded ? 'base64' : 'utf8').toString('utf8');
  const isJson = String(headers['content-type'] ?? '').startsWith('application/json');
  return { status: reply.statusCode!, headers, json: body && isJson ? JSON.parse(body) : undefined, body };
}
