import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand, HeadObjectCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { createApiApp } from '../../functions/api/handler.js';
import { type BoundServer, bind } from '../../layers/pipeline/http/index.js';
import {
  accessibilityViolations,
  chromiumMissing,
  dropFile,
  launchChromium,
  openPage,
  watchForProblems,
} from '../../scripts/lib/browser.js';
import { type LocalAws, startLocalAws } from '../../scripts/lib/local-aws.js';
import { buildWebPage } from '../../web/build.js';

const skip = chromiumMissing();
const MiB = 1024 * 1024;
/** S3's smallest part: an 11 MiB file goes up in three parts. */
const PART_BYTES = 5 * MiB;
const work = mkdtempSync(join(tmpdir(), 'xclip-bucket-upload-'));
let aws: LocalAws;
let server: BoundServer;
let base: string;
let bucketOrigin: string;
let browser: Browser | undefined;

before(async () => {
  if (skip) return;
  aws = await startLocalAws();
  Object.assign(process.env, {
    UPLOAD_PART_BYTES: String(PART_BYTES),
    MODEL_DIR: '/nonexistent/model',
    // Named for the configuration only: the library page searches nothing.
    VECTOR_BUCKET_NAME: 'xclip-vectors',
    VECTOR_INDEX_NAME: 'videos',
  });
  await buildWebPage();
  server = await bind(0, '127.0.0.1');
  server.serve(createApiApp());
  base = `http://127.0.0.1:${server.port}`;
  bucketOrigin = new URL(aws.env.AWS_ENDPOINT_URL_S3!).origin;
  // The stack's rule for the page's origin (infra/lib/video-bucket.ts: allowBrowserUploadsFrom).
  await aws.clients.s3.send(
    new PutBucketCorsCommand({
      Bucket: aws.bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: [base],
            AllowedMethods: ['PUT'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    }),
  );
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await server?.close();
  await aws?.close();
  rmSync(work, { recursive: true, force: true });
});

function writeFile(name: string, bytes: number): { path: string; contents: Buffer } {
  const contents = randomBytes(bytes);
  const path = join(work, name);
  writeFileSync(path, contents);
  return { path, contents };
}

async function objectBytes(key: string): Promise<Buffer> {
  const object = await aws.clients.s3.send(new GetObjectCommand({ Bucket: aws.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

/** The part number of a PUT to the bucket (0 for a whole-file PUT), or undefined for any other request. */
function partPut(request: HTTPRequest): number | undefined {
  if (request.method() !== 'PUT' || !request.url().startsWith(`${bucketOrigin}/`)) return undefined;
  return Number(new URL(request.url()).searchParams.get('partNumber') ?? 0);
}

interface Remembered {
  key: string;
  uploadId: string;
}

/** The multipart uploads the page remembers in localStorage, to resume them. */
async function remembered(page: Page): Promise<Remembered[]> {
  return JSON.parse(
    ((await page.evaluate("localStorage.getItem('xclip-multipart-uploads')")) as string | null) ?? '[]',
  ) as Remembered[];
}

/** The part numbers S3 holds of an upload, through the API the page uses (404: none, the upload is gone). */
async function heldParts(upload: Remembered): Promise<{ status: number; partNumbers: number[] }> {
  const query = new URLSearchParams({ key: upload.key, uploadId: upload.uploadId });
  const reply = await fetch(`${base}/uploads/multipart/parts?${query}`);
  const body = (await reply.json()) as { parts?: Array<{ partNumber: number }> };
  return { status: reply.status, partNumbers: (body.parts ?? []).map((part) => part.partNumber) };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const row = (name: string, phase: string) => `::-p-xpath(//li[@data-phase="${phase}"][.//*[text()="${name}"]])`;

test('on AWS the page uploads straight to the bucket: a small file by one presigned PUT, a large one in parts, resumed after a reload with only the missing parts, and cancelled by aborting', {
  skip,
}, async () => {
  const page = await openPage(browser!);
  const problems = watchForProblems(page, base, [bucketOrigin]);
  // Part PUTs of the bucket are held (never answered) while `holding` says so, as a slow network would hold them.
  let holding: (partNumber: number) => boolean = () => false;
  const partsSent: number[] = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    const partNumber = partPut(request);
    if (partNumber !== undefined && holding(partNumber)) return;
    if (partNumber !== undefined) partsSent.push(partNumber);
    void request.continue();
  });
  await page.goto(base);
  await page.waitForSelector('label[for="upload-input"]');

  // A file within one part: one presigned PUT of the whole file.
  const small = writeFile('small clip.mp4', 1 * MiB + 7);
  await dropFile(page, small.path);
  await page.waitForSelector(row('videos/small clip.mp4', 'stored'));
  assert.deepEqual(partsSent, [0]);
  assert.ok((await objectBytes('videos/small clip.mp4')).equals(small.contents));

  // A file of three parts; the page reloads once S3 holds the first, the others still on their way.
  const large = writeFile('big café 1+2.mp4', 11 * MiB + 12345);
  partsSent.length = 0;
  holding = (partNumber) => partNumber > 1;
  await dropFile(page, large.path);
  const [upload] = await waitFor('the upload to be remembered', async () => {
    const uploads = await remembered(page);
    return uploads.length ? uploads : undefined;
  });
  assert.equal(upload!.key, 'videos/big café 1+2.mp4');
  await waitFor('part 1 in the bucket', async () =>
    (await heldParts(upload!)).partNumbers.includes(1) ? true : undefined,
  );
  await page.reload();
  await page.waitForSelector('label[for="upload-input"]');
  holding = () => false;
  partsSent.length = 0;
  await dropFile(page, large.path);
  await page.waitForSelector(row('videos/big café 1+2.mp4', 'stored'));
  assert.deepEqual(partsSent.sort(), [2, 3], 'only the parts S3 did not hold were sent again');
  assert.ok((await objectBytes(upload!.key)).equals(large.contents));
  assert.deepEqual(await remembered(page), [], 'a finished upload is forgotten');
  assert.equal((await heldParts(upload!)).status, 404);

  // Cancelling aborts the multipart upload: S3 drops its parts, and no object appears.
  const cancelled = writeFile('cancel me.mp4', 11 * MiB);
  holding = (partNumber) => partNumber > 1;
  await dropFile(page, cancelled.path);
  const [abandoned] = await waitFor('the upload to be remembered', async () => {
    const uploads = await remembered(page);
    return uploads.length ? uploads : undefined;
  });
  await waitFor('part 1 in the bucket', async () =>
    (await heldParts(abandoned!)).partNumbers.includes(1) ? true : undefined,
  );
  assert.deepEqual(await accessibilityViolations(page), [], 'an upload on its way, with its progress and Cancel');
  await page.click('button[aria-label="Cancel cancel me.mp4"]');
  await page.waitForSelector(row('cancel me.mp4', 'cancelled'));
  assert.equal((await heldParts(abandoned!)).status, 404);
  await assert.rejects(
    aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: abandoned!.key })),
    /NotFound/,
  );
  assert.deepEqual(await remembered(page), []);

  assert.deepEqual(problems, []);
});
