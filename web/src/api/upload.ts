import { ApiError, responseJson } from './client.js';
import { authorizationHeader } from './credentials.js';
import { OPERATIONS, operationUrl } from './operations.js';
import type { LocalUpload } from './types.js';

/** The file's own media type when it is a video type (the browser knows none for some suffixes). */
export function videoType(file: File): string | undefined {
  return /^video\/[a-z0-9.+-]+$/i.test(file.type) ? file.type : undefined;
}

export interface SendRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/**
 * Sends `body` and resolves with the finished request, whatever its status; a network failure is an ApiError,
 * an abort through `signal` an AbortError. XMLHttpRequest rather than fetch, because only it reports upload
 * progress (bytes sent of `body`).
 */
export function sendBody(
  request: SendRequest,
  body: Blob,
  onProgress: (sentBytes: number) => void,
  signal?: AbortSignal,
): Promise<XMLHttpRequest> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const abort = () => xhr.abort();
    if (signal?.aborted) return reject(signal.reason);
    signal?.addEventListener('abort', abort, { once: true });
    xhr.open(request.method, request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onloadend = () => signal?.removeEventListener('abort', abort);
    xhr.onload = () => resolve(xhr);
    xhr.onabort = () => reject(new DOMException('the upload was cancelled', 'AbortError'));
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload was interrupted'));
    xhr.send(body);
  });
}

/** Streams `file` to POST /uploads/local, the local server's upload route. */
export async function uploadLocal(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<LocalUpload> {
  const request = {
    method: OPERATIONS.uploadLocal.method,
    url: operationUrl('uploadLocal', { query: { name: file.name } }),
    // Octet-stream for any other: the route takes both.
    headers: { 'content-type': videoType(file) ?? 'application/octet-stream', ...authorizationHeader() },
  };
  const xhr = await sendBody(request, file, (sent) => onProgress(sent / file.size), signal);
  return responseJson<LocalUpload>(xhr.status, xhr.responseText);
}
