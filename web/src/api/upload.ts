import { ApiError, responseJson } from './client.js';
import { authorizationHeader } from './credentials.js';
import { OPERATIONS, operationUrl } from './operations.js';
import type { LocalUpload } from './types.js';

/** The body's media type: the file's own when it is a video type, else octet-stream (both are what the route takes). */
function uploadType(file: File): string {
  return /^video\/[a-z0-9.+-]+$/i.test(file.type) ? file.type : 'application/octet-stream';
}

/**
 * Streams `file` to POST /uploads/local. XMLHttpRequest rather than fetch, because only it reports
 * upload progress.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<LocalUpload> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(OPERATIONS.uploadLocal.method, operationUrl('uploadLocal', { query: { name: file.name } }));
    request.setRequestHeader('content-type', uploadType(file));
    for (const [name, value] of Object.entries(authorizationHeader())) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => responseJson<LocalUpload>(request.status, request.responseText).then(resolve, reject);
    request.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload was interrupted'));
    request.send(file);
  });
}
