// Uploads straight to the bucket, as the API function offers: one presigned PUT for a file that fits in a part,
// else an S3 multipart upload with a few parts in flight, resumed from the parts S3 holds when the same file
// was dropped before.
import { ConcurrencyLimit } from '../../../layers/common/concurrency.js';
import { partCountOf, partSizeOf } from '../../../layers/common/parts.js';
import { ApiError, api } from '../api/client.js';
import type { MultipartRef, StoredUpload, UploadLimits, UploadRequest } from '../api/types.js';
import { sendBody, videoType } from '../api/upload.js';
import { forgetUpload, type ResumableUpload, rememberUpload, resumableUpload } from './resume-store.js';

const PARTS_IN_FLIGHT = 3;
/** Part URLs asked for at once: few, so that none expires before its part is sent. */
const URL_BATCH = 6;

let limits: Promise<UploadLimits> | undefined;

/** The server's upload limits, read once (again after a failed read). */
function uploadLimits(): Promise<UploadLimits> {
  limits ??= api.uploadLimits().catch((error: unknown) => {
    limits = undefined;
    throw error;
  });
  return limits;
}

/** What POST /uploads and POST /uploads/multipart take: the file's name, size and video type (the server's default without one). */
function uploadRequest(file: File): UploadRequest {
  const contentType = videoType(file);
  return { key: file.name, bytes: file.size, ...(contentType ? { contentType } : {}) };
}

function refusedBy(xhr: XMLHttpRequest): ApiError {
  return new ApiError(xhr.status, 'UPLOAD_REFUSED', `the bucket refused the upload (HTTP ${xhr.status})`);
}

async function putWhole(file: File, onProgress: (fraction: number) => void, signal: AbortSignal) {
  const upload = await api.createUpload(uploadRequest(file));
  // The browser sets Content-Length itself (and refuses to be told it).
  const { 'content-length': _length, ...headers } = upload.headers;
  const xhr = await sendBody(
    { method: upload.method, url: upload.url, headers },
    file,
    (sent) => onProgress(sent / file.size),
    signal,
  );
  if (xhr.status !== 200) throw refusedBy(xhr);
  return { id: upload.id, key: upload.key };
}

/** The upload to go on with and the ETags of the parts S3 already holds: the remembered one, else a new one. */
async function startOrResume(
  file: File,
  partBytes: number,
): Promise<{ upload: ResumableUpload; sent: Map<number, string> }> {
  const saved = resumableUpload(file);
  if (saved && saved.partBytes === partBytes) {
    try {
      const { parts } = await api.uploadedParts(saved);
      const whole = parts.filter((part) => part.bytes === partSizeOf(part.partNumber, file.size, partBytes));
      return { upload: saved, sent: new Map(whole.map((part) => [part.partNumber, part.etag])) };
    } catch (error) {
      // Completed, aborted or expired meanwhile: start again.
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
  } else if (saved) {
    // The server's part size changed since: those parts cannot be reused.
    void api.abortMultipartUpload(saved).catch(() => undefined);
  }
  const created = await api.createMultipartUpload(uploadRequest(file));
  const upload = { key: created.key, uploadId: created.uploadId, partBytes: created.partBytes };
  rememberUpload(file, upload);
  return { upload, sent: new Map() };
}

async function putParts(
  file: File,
  upload: ResumableUpload,
  sent: Map<number, string>,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const partCount = partCountOf(file.size, upload.partBytes);
  const sizeOf = (partNumber: number) => partSizeOf(partNumber, file.size, upload.partBytes);
  let settledBytes = [...sent.keys()].reduce((sum, partNumber) => sum + sizeOf(partNumber), 0);
  const sending = new Map<number, number>();
  const report = () => onProgress((settledBytes + [...sending.values()].reduce((a, b) => a + b, 0)) / file.size);
  report();

  // One failed part stops the others: they would only fail the same way.
  const stop = new AbortController();
  const stopped = AbortSignal.any([signal, stop.signal]);
  const inFlight = new ConcurrencyLimit(PARTS_IN_FLIGHT);
  const missing = Array.from({ length: partCount }, (_, index) => index + 1).filter((n) => !sent.has(n));
  for (let at = 0; at < missing.length; at += URL_BATCH) {
    stopped.throwIfAborted();
    const { parts } = await api.multipartUploadUrls({
      key: upload.key,
      uploadId: upload.uploadId,
      bytes: file.size,
      partNumbers: missing.slice(at, at + URL_BATCH),
    });
    const sendPart = async (part: (typeof parts)[number]) => {
      stopped.throwIfAborted();
      const start = (part.partNumber - 1) * upload.partBytes;
      const progress = (bytes: number) => {
        sending.set(part.partNumber, bytes);
        report();
      };
      const xhr = await sendBody(
        { method: 'PUT', url: part.url, headers: {} },
        file.slice(start, start + part.bytes),
        progress,
        stopped,
      );
      if (xhr.status !== 200) throw refusedBy(xhr);
      const etag = xhr.getResponseHeader('etag');
      if (!etag)
        throw new ApiError(0, 'NO_ETAG', "the bucket's CORS rule does not expose the ETag header to this page");
      sending.delete(part.partNumber);
      settledBytes += part.bytes;
      sent.set(part.partNumber, etag);
      report();
    };
    await Promise.all(
      parts.map((part) =>
        inFlight.run(sendPart.bind(null, part)).catch((error: unknown) => {
          stop.abort(error);
          throw error;
        }),
      ),
    );
  }
}

async function putInParts(file: File, partBytes: number, onProgress: (fraction: number) => void, signal: AbortSignal) {
  const { upload, sent } = await startOrResume(file, partBytes);
  const ref: MultipartRef = { key: upload.key, uploadId: upload.uploadId };
  try {
    await putParts(file, upload, sent, onProgress, signal);
  } catch (error) {
    // Cancelled: S3 drops the parts. Any other failure leaves them, for the next drop of the file to resume.
    if (signal.aborted) {
      forgetUpload(file);
      await api.abortMultipartUpload(ref).catch(() => undefined);
    }
    if (error instanceof ApiError)
      throw new ApiError(error.status, error.code, `${error.message}; drop the file again to resume`);
    throw error;
  }
  const parts = [...sent].map(([partNumber, etag]) => ({ partNumber, etag }));
  const stored = await api.completeMultipartUpload({ ...ref, parts });
  forgetUpload(file);
  return stored;
}

/** Uploads `file` to the bucket under its own name; `signal` cancels it (a multipart upload is aborted). */
export async function uploadToBucket(
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<StoredUpload> {
  const { maxBytes, partBytes } = await uploadLimits();
  if (file.size > maxBytes) throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the file is larger than ${maxBytes} bytes`);
  return file.size <= partBytes ? putWhole(file, onProgress, signal) : putInParts(file, partBytes, onProgress, signal);
}
