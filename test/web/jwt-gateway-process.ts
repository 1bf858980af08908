// API Gateway's HTTP API with a JWT authorizer, on loopback, in front of the real API function (functions/api/handler.ts)
// as the stack deploys it: the page's routes are public, every other route needs a bearer token that verifies against
// the issuer's JWKS (its discovery document's jwks_uri): signature, issuer, audience (`aud`, or `client_id` for an
// access token), expiry. Run in its own process so that it trusts the issuer stand-in's certificate
// (NODE_EXTRA_CA_CERTS), as the function trusts the real issuer's; configured by the function's own variables
// (SIGN_IN_ISSUER, SIGN_IN_CLIENT_ID, BUCKET_NAME, ...). Prints "listening on http://127.0.0.1:PORT" on stderr.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import { handler } from '../../functions/api/handler.js';
import { SIGN_IN_PATH, WEB_PAGE_PATHS } from '../../layers/pipeline/http/index.js';
import { lambdaContext } from '../../scripts/lib/lambda-events.js';

const issuer = process.env.SIGN_IN_ISSUER!;
const clientId = process.env.SIGN_IN_CLIENT_ID!;
const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
/** API Gateway's payload limit. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The routes the stack leaves without an authorizer (infra/lib/api-routes.ts webPageRoutes with sign-in). */
const PUBLIC_GETS = [...WEB_PAGE_PATHS, SIGN_IN_PATH].map(
  (path) => new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
);

/** The token's claims when API Gateway's JWT authorizer would let the request through; otherwise undefined. */
async function authorizedClaims(authorization: string | undefined): Promise<JWTPayload | undefined> {
  const token = authorization?.replace(/^Bearer /, '');
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer });
    const audiences = [payload.aud ?? []].flat();
    return audiences.includes(clientId) || payload.client_id === clientId ? payload : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The payload 2.0 event API Gateway makes of `request`. */
function eventOf(request: IncomingMessage, body: Buffer, claims: JWTPayload | undefined): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://gateway');
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, [value ?? ''].flat().join(',')]),
  );
  const scopes = typeof claims?.scope === 'string' ? claims.scope.split(' ') : [];
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'loopback',
      domainName: headers.host ?? '127.0.0.1',
      domainPrefix: 'loopback',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: crypto.randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(claims
        ? {
            authorizer: {
              jwt: { claims: Object.fromEntries(Object.entries(claims).map(([k, v]) => [k, String(v)])), scopes },
            },
          }
        : {}),
    },
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  } as APIGatewayProxyEventV2;
}

const server = createServer(async (request, response) => {
  const path = new URL(request.url ?? '/', 'http://gateway').pathname;
  const isPublic = request.method === 'GET' && PUBLIC_GETS.some((route) => route.test(path));
  const claims = isPublic ? undefined : await authorizedClaims(request.headers.authorization);
  if (!isPublic && !claims) {
    response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
    response.end(JSON.stringify({ message: 'Unauthorized' }));
    return;
  }
  const body = await readBody(request);
  if (!body) {
    response
      .writeHead(413, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: 'Request Entity Too Large' }));
    return;
  }
  const reply = (await handler(eventOf(request, body, claims), lambdaContext)) as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string | string[]> = Object.fromEntries(
    Object.entries(reply.headers ?? {}).map(([name, value]) => [name, String(value)]),
  );
  if (reply.cookies?.length) headers['set-cookie'] = reply.cookies;
  response.writeHead(reply.statusCode ?? 200, headers);
  response.end(Buffer.from(reply.body ?? '', reply.isBase64Encoded ? 'base64' : 'utf8'));
});
server.listen(0, '127.0.0.1', () =>
  process.stderr.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.stderr.write('stopped\n');
  process.exit(0);
});
