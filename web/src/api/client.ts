import { authorizationHeader, tokenRefused } from './credentials.js';
import { OPERATIONS, type OperationId, operationUrl } from './operations.js';
import type {
  ApiDocument,
  ErrorBody,
  Health,
  LabelSets,
  ListQuery,
  MultipartRef,
  MultipartUpload,
  PartUrls,
  PresignedUpload,
  RelabelRequest,
  RelabelResponse,
  SearchRequest,
  SearchResponse,
  StoredUpload,
  UploadedParts,
  UploadLimits,
  UploadRequest,
  VideoList,
  VideoRecord,
} from './types.js';

/** An error answer of the API (its code and message are meant for people), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
}

/** The JSON of a response, or the ApiError it stands for; a 401 also asks the person for a token. */
export async function responseJson<T>(status: number, text: string): Promise<T> {
  if (status === 401) tokenRefused();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(status, 'BAD_RESPONSE', `the server answered ${status} without JSON`);
  }
  if (status >= 200 && status < 300) return body as T;
  if (isErrorBody(body)) throw new ApiError(status, body.error.code, body.error.message);
  throw new ApiError(status, 'BAD_RESPONSE', `the server answered ${status}`);
}

/** What to tell a person about a failed call: the API's own message, never an internal detail. */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : 'unexpected error';
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

async function call<T>(
  operation: OperationId,
  options: {
    id?: string;
    query?: Record<string, string | number | undefined>;
    body?: unknown;
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(operationUrl(operation, options), {
      method: OPERATIONS[operation].method,
      headers: {
        ...authorizationHeader(),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, 'NETWORK', 'the server cannot be reached');
  }
  return responseJson<T>(response.status, await response.text());
}

/** One typed function per API operation the page uses. */
export const api = {
  health: (signal?: AbortSignal) => call<Health>('health', { signal }),
  document: (signal?: AbortSignal) => call<ApiDocument>('openapi', { signal }),
  labelSets: (signal?: AbortSignal) => call<LabelSets>('listLabelSets', { signal }),
  listVideos: (query: ListQuery, signal?: AbortSignal) => call<VideoList>('listVideos', { query, signal }),
  video: (id: string, signal?: AbortSignal) => call<VideoRecord>('getVideo', { id, signal }),
  similar: (id: string, k: number, signal?: AbortSignal) =>
    call<SearchResponse>('similarVideos', { id, query: { k }, signal }),
  search: (body: SearchRequest, signal?: AbortSignal) => call<SearchResponse>('search', { body, signal }),
  relabel: (body: RelabelRequest) => call<RelabelResponse>('relabel', { body }),
  // An empty JSON body: the local guard takes mutating requests as JSON only.
  retry: (id: string) => call<VideoRecord>('retryVideo', { id, body: {} }),
  uploadLimits: () => call<UploadLimits>('uploadLimits'),
  createUpload: (body: UploadRequest) => call<PresignedUpload>('createUpload', { body }),
  createMultipartUpload: (body: UploadRequest) => call<MultipartUpload>('createMultipartUpload', { body }),
  multipartUploadUrls: (body: MultipartRef & { bytes: number; partNumbers: number[] }) =>
    call<PartUrls>('multipartUploadUrls', { body }),
  uploadedParts: (upload: MultipartRef) =>
    call<UploadedParts>('listMultipartUploadParts', { query: { key: upload.key, uploadId: upload.uploadId } }),
  completeMultipartUpload: (body: MultipartRef & { parts: { partNumber: number; etag: string }[] }) =>
    call<StoredUpload>('completeMultipartUpload', { body }),
  abortMultipartUpload: (upload: MultipartRef) =>
    call<unknown>('abortMultipartUpload', { body: { key: upload.key, uploadId: upload.uploadId } }),
};
