import { multipartUploadsOpenApiPaths } from './multipart-upload-routes.js';
import { openApiDocument } from './openapi.js';
import { uploadsOpenApiPath } from './upload-routes.js';

/** The OpenAPI document this function serves: the local API's, plus the upload routes. */
export function lambdaApiDocument(): Record<string, unknown> {
  const document = openApiDocument() as { paths: Record<string, unknown> };
  return {
    ...document,
    paths: { ...document.paths, '/uploads': uploadsOpenApiPath(), ...multipartUploadsOpenApiPaths() },
  };
}
