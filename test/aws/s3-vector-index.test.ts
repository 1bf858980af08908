import { after, before } from 'node:test';
import { CreateIndexCommand, CreateVectorBucketCommand, S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { NON_FILTERABLE_METADATA_KEYS, S3VectorIndex } from '../../layers/pipeline/adapters/aws/s3-vector-index.js';
import { type S3VectorsServer, startS3VectorsServer } from '../../scripts/lib/s3-vectors-stand-in.js';
import { vectorIndexContract } from '../pipeline/vector-index-contract.js';

let server: S3VectorsServer;
let client: S3VectorsClient;
let indexes = 0;

before(async () => {
  server = await startS3VectorsServer();
  // The SDK finds the stand-in the way a deployed function finds the service's own endpoint: from the environment.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_S3VECTORS: server.url,
  });
  client = new S3VectorsClient({});
  await client.send(new CreateVectorBucketCommand({ vectorBucketName: 'xclip-vectors' }));
});

after(async () => {
  client.destroy();
  await server.close();
});

vectorIndexContract('S3VectorIndex', async (dimension) => {
  const indexName = `videos-${++indexes}`;
  await client.send(
    new CreateIndexCommand({
      vectorBucketName: 'xclip-vectors',
      indexName,
      dataType: 'float32',
      dimension,
      distanceMetric: 'cosine',
      metadataConfiguration: { nonFilterableMetadataKeys: NON_FILTERABLE_METADATA_KEYS },
    }),
  );
  return {
    index: new S3VectorIndex({
      client,
      // By ARN, as the stack passes it.
      target: { indexArn: `arn:aws:s3vectors:us-east-1:123456789012:bucket/xclip-vectors/index/${indexName}` },
      dimension,
    }),
    close: async () => {},
  };
});
