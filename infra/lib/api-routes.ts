import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { lambdaApiDocument, SIGN_IN_PATH, WEB_PAGE_PATHS } from '../../layers/pipeline/http/index.js';

export interface ApiRoute {
  /** API Gateway's path syntax, which is OpenAPI's: `/videos/{id}`. */
  path: string;
  method: HttpMethod;
}

const METHODS = new Map(Object.values(HttpMethod).map((method) => [method.toLowerCase(), method]));

/** Every operation of an OpenAPI document, so the gateway routes exactly what the handler serves. */
export function apiRoutes(document: Record<string, unknown> = lambdaApiDocument()): ApiRoute[] {
  const paths = document.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, operations]) =>
    Object.keys(operations).flatMap((key) => {
      const method = METHODS.get(key);
      return method ? [{ path, method }] : [];
    }),
  );
}

/**
 * The web page's own files (GET / and its assets) and, with `signIn` (the JWT authorizer), its sign-in settings:
 * they hold no data, so the gateway lets them through without auth.
 */
export function webPageRoutes(signIn: boolean): ApiRoute[] {
  return [...WEB_PAGE_PATHS, ...(signIn ? [SIGN_IN_PATH] : [])].map((path) => ({ path, method: HttpMethod.GET }));
}
