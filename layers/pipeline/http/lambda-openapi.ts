import { openApiDocument } from './openapi.js';
import { uploadsOpenApiPath } from './upload-routes.js';

/** The OpenAPI document this function serves: the local API's, plus POST /uploads. */
export function lambdaApiDocument(): Record<string, unknown> {
  const document = openApiDocument() as { paths: Record<string, unknown> };
  return { ...document, paths: { ...document.paths, '/uploads': uploadsOpenApiPath() } };
}
