import { uploadsOpenApiPath } from '../../layers/pipeline/adapters/aws/upload-routes.js';
import { openApiDocument } from '../../layers/pipeline/api/openapi.js';

/** The OpenAPI document this function serves: the local API's, plus POST /uploads. */
export function lambdaApiDocument(): Record<string, unknown> {
  const document = openApiDocument() as { paths: Record<string, unknown> };
  return { ...document, paths: { ...document.paths, '/uploads': uploadsOpenApiPath() } };
}
