// What s3rver 3.7.1 lacks of S3's multipart uploads, over its own store (an upload is a folder of part files
// and their MD5s): ListParts and AbortMultipartUpload (s3rver answers both MethodNotAllowed), and NoSuchUpload,
// InvalidPart, InvalidPartOrder and EntityTooSmall, which S3 answers and s3rver does not check (it stores a
// part of an unknown upload, and completes with any ETags). Everything else goes on to s3rver.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';

const S3Error = createRequire(import.meta.url)('s3rver/lib/models/error.js');
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_LISTED_PARTS = 1000;

const noSuchUpload = () =>
  new S3Error(
    'NoSuchUpload',
    'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
  );

/** The folder of `uploadId` when it is an upload of `key` in `bucket`; NoSuchUpload otherwise. */
async function uploadFolder(store, bucket, key, uploadId) {
  const folder = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  if (!/^[0-9a-f]+$/.test(uploadId) || !existsSync(join(folder, 'key'))) throw noSuchUpload();
  if ((await readFile(join(folder, 'key'), 'utf8')) !== key) throw noSuchUpload();
  return folder;
}

/** The stored parts of an upload, by part number: { partNumber, etag, size, lastModified }. */
async function storedParts(folder) {
  const numbers = (await readdir(folder)).filter((name) => /^\d+$/.test(name)).map(Number);
  const parts = await Promise.all(
    numbers.map(async (partNumber) => {
      const path = join(folder, String(partNumber));
      const [stats, md5] = await Promise.all([stat(path), readFile(`${path}.md5`, 'utf8')]);
      return { partNumber, etag: md5, size: stats.size, lastModified: stats.mtime };
    }),
  );
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

async function listParts(ctx, bucket, key, folder) {
  const marker = Number(ctx.query['part-number-marker'] ?? 0);
  const maxParts = Math.min(Number(ctx.query['max-parts'] ?? MAX_LISTED_PARTS), MAX_LISTED_PARTS);
  const after = (await storedParts(folder)).filter((part) => part.partNumber > marker);
  const page = after.slice(0, maxParts);
  ctx.body = {
    ListPartsResult: {
      Bucket: bucket,
      Key: key,
      UploadId: ctx.query.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
      MaxParts: maxParts,
      IsTruncated: after.length > page.length,
      Part: page.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: part.lastModified.toISOString(),
        ETag: JSON.stringify(part.etag),
        Size: part.size,
      })),
    },
  };
}

/** Refuses a completion S3 would refuse; s3rver reads the body again from the copy left in ctx.req. */
async function checkCompletion(ctx, folder) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers });
  const named = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
    partNumber: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(part)?.[1]),
    etag: (/<ETag>([^<]*)<\/ETag>/.exec(part)?.[1] ?? '').replaceAll('&quot;', '"').replaceAll('"', ''),
  }));
  const stored = new Map((await storedParts(folder)).map((part) => [part.partNumber, part]));
  for (const [index, part] of named.entries()) {
    if (index > 0 && part.partNumber <= named[index - 1].partNumber)
      throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
    if (stored.get(part.partNumber)?.etag !== part.etag)
      throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.');
    if (index < named.length - 1 && stored.get(part.partNumber).size < MIN_PART_BYTES)
      throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
  }
}

/** Koa middleware for s3rver (path-style requests), placed before its router. */
export function multipartGaps() {
  return async function multipart(ctx, next) {
    const uploadId = ctx.query.uploadId;
    const [, bucket, ...rest] = ctx.path.split('/');
    if (typeof uploadId !== 'string' || !bucket || rest.length === 0 || ctx.method === 'OPTIONS') return next();
    const key = rest.map(decodeURIComponent).join('/');
    const folder = await uploadFolder(ctx.store, bucket, key, uploadId);
    if (ctx.method === 'GET') return listParts(ctx, bucket, key, folder);
    if (ctx.method === 'DELETE') {
      await rm(folder, { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'POST') await checkCompletion(ctx, folder);
    return next();
  };
}
