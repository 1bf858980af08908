import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../functions/shared/config.js';

const REQUIRED = {
  BUCKET_NAME: 'uploads',
  TABLE_NAME: 'results',
  QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/ingest',
  VECTOR_INDEX_ARN: 'arn:aws:s3vectors:us-east-1:123456789012:bucket/vectors/index/videos',
};

test('the environment contract: required names and documented defaults', () => {
  assert.deepEqual(loadConfig(REQUIRED), {
    bucket: 'uploads',
    table: 'results',
    queueUrl: REQUIRED.QUEUE_URL,
    modelDir: '/opt/model',
    uploadPrefix: 'videos/',
    videoSuffixes: [
      '.mp4',
      '.mov',
      '.mkv',
      '.webm',
      '.avi',
      '.m4v',
      '.mpg',
      '.mpeg',
      '.ts',
      '.mts',
      '.3gp',
      '.flv',
      '.wmv',
    ],
    maxVideoBytes: 2147483648,
    maxVideoSeconds: 3600,
    uploadPartBytes: 16 * 1024 * 1024,
    corsOrigins: [],
    metricsNamespace: 'XclipServerless',
    labelFeatureCacheDir: '/tmp/label-features',
    claimLeaseMs: 960_000,
    vectorIndex: { target: { indexArn: REQUIRED.VECTOR_INDEX_ARN }, dimension: 512 },
  });
});

test('the vector index by ARN, or by bucket and index name; without either the environment is refused', () => {
  const { VECTOR_INDEX_ARN: _arn, ...withoutIndex } = REQUIRED;
  assert.deepEqual(
    loadConfig({ ...withoutIndex, VECTOR_BUCKET_NAME: 'vectors', VECTOR_INDEX_NAME: 'videos', VECTOR_DIMENSION: '16' })
      .vectorIndex,
    { target: { vectorBucketName: 'vectors', indexName: 'videos' }, dimension: 16 },
  );
  assert.throws(
    () => loadConfig(withoutIndex),
    /VECTOR_INDEX_ARN: required, or VECTOR_BUCKET_NAME and VECTOR_INDEX_NAME/,
  );
  // Reported with every other bad variable, not only once they all parse.
  assert.throws(
    () => loadConfig({ ...withoutIndex, MAX_VIDEO_BYTES: 'lots' }),
    (error: Error) => /MAX_VIDEO_BYTES/.test(error.message) && /VECTOR_INDEX_ARN: required/.test(error.message),
  );
  assert.throws(() => loadConfig({ ...withoutIndex, VECTOR_BUCKET_NAME: 'vectors' }), ConfigError);
  assert.throws(() => loadConfig({ ...REQUIRED, VECTOR_INDEX_ARN: 'videos' }), /VECTOR_INDEX_ARN: must be an ARN/);
});

test('comma lists are trimmed, suffixes lower-cased, empty variables count as unset', () => {
  const config = loadConfig({
    ...REQUIRED,
    VIDEO_SUFFIXES: ' .MP4, .mov ,',
    CORS_ORIGINS: 'https://a.example, https://b.example',
    UPLOAD_PREFIX: '',
    MAX_VIDEO_SECONDS: '60',
  });
  assert.deepEqual(config.videoSuffixes, ['.mp4', '.mov']);
  assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
  assert.equal(config.uploadPrefix, 'videos/');
  assert.equal(config.maxVideoSeconds, 60);
});

test('a missing or malformed variable is a ConfigError naming every one', () => {
  assert.throws(
    () => loadConfig({}),
    (error: unknown) =>
      error instanceof ConfigError &&
      /BUCKET_NAME/.test(error.message) &&
      /TABLE_NAME/.test(error.message) &&
      /QUEUE_URL/.test(error.message),
  );
  assert.throws(() => loadConfig({ ...REQUIRED, MAX_VIDEO_BYTES: '2GB' }), /MAX_VIDEO_BYTES: must be a whole number/);
  assert.throws(() => loadConfig({ ...REQUIRED, MAX_VIDEO_SECONDS: '0' }), /MAX_VIDEO_SECONDS/);
  // S3's bounds on a part: 5 MiB to 5 GiB.
  assert.throws(() => loadConfig({ ...REQUIRED, UPLOAD_PART_BYTES: String(5 * 1024 * 1024 - 1) }), /UPLOAD_PART_BYTES/);
  assert.throws(() => loadConfig({ ...REQUIRED, UPLOAD_PART_BYTES: String(5 * 1024 ** 3 + 1) }), /UPLOAD_PART_BYTES/);
  assert.throws(() => loadConfig({ ...REQUIRED, QUEUE_URL: 'ingest' }), /QUEUE_URL/);
});

test("the web page's sign-in: an https issuer and a client id, both or neither", () => {
  assert.equal(loadConfig(REQUIRED).signIn, undefined);
  const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_example';
  assert.deepEqual(loadConfig({ ...REQUIRED, SIGN_IN_ISSUER: issuer, SIGN_IN_CLIENT_ID: 'web' }).signIn, {
    issuer,
    clientId: 'web',
  });
  assert.throws(() => loadConfig({ ...REQUIRED, SIGN_IN_ISSUER: issuer }), /SIGN_IN_CLIENT_ID/);
  assert.throws(() => loadConfig({ ...REQUIRED, SIGN_IN_CLIENT_ID: 'web' }), /SIGN_IN_CLIENT_ID/);
  assert.throws(
    () => loadConfig({ ...REQUIRED, SIGN_IN_ISSUER: 'http://issuer.example.com', SIGN_IN_CLIENT_ID: 'web' }),
    /SIGN_IN_ISSUER/,
  );
});
