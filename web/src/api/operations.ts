/**
 * Every API operation the page calls, by its OpenAPI operationId: method and path template.
 * test/web/api-operations.test.ts checks each one against the local server's or the API function's /openapi.json.
 */
export const OPERATIONS = {
  health: { method: 'GET', path: '/health' },
  openapi: { method: 'GET', path: '/openapi.json' },
  listLabelSets: { method: 'GET', path: '/labels' },
  listVideos: { method: 'GET', path: '/videos' },
  getVideo: { method: 'GET', path: '/videos/{id}' },
  similarVideos: { method: 'GET', path: '/videos/{id}/similar' },
  retryVideo: { method: 'POST', path: '/videos/{id}/retry' },
  search: { method: 'POST', path: '/search' },
  relabel: { method: 'POST', path: '/relabel' },
  uploadLocal: { method: 'POST', path: '/uploads/local' },
  // On AWS only (the API function's document): uploads straight to the bucket.
  uploadLimits: { method: 'GET', path: '/uploads/limits' },
  createUpload: { method: 'POST', path: '/uploads' },
  createMultipartUpload: { method: 'POST', path: '/uploads/multipart' },
  multipartUploadUrls: { method: 'POST', path: '/uploads/multipart/urls' },
  listMultipartUploadParts: { method: 'GET', path: '/uploads/multipart/parts' },
  completeMultipartUpload: { method: 'POST', path: '/uploads/multipart/complete' },
  abortMultipartUpload: { method: 'POST', path: '/uploads/multipart/abort' },
} as const;

/** The largest page GET /videos gives (MAX_PAGE of the API's schemas; the same test checks it). */
export const API_MAX_PAGE = 100;

export type OperationId = keyof typeof OPERATIONS;

/**
 * The operation's URL relative to the page (so the page works under any base path), with its
 * `{id}` filled in and the query's set values appended.
 */
export function operationUrl(
  operation: OperationId,
  options: { id?: string; query?: Record<string, string | number | undefined> } = {},
): string {
  const path = OPERATIONS[operation].path.replace('{id}', () => encodeURIComponent(options.id ?? ''));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {}))
    if (value !== undefined && value !== '') query.set(name, String(value));
  const search = query.toString();
  return `.${path}${search ? `?${search}` : ''}`;
}
