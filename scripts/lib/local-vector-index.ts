import { CreateIndexCommand, CreateVectorBucketCommand, S3VectorsClient } from '@aws-sdk/client-s3vectors';
import { NON_FILTERABLE_METADATA_KEYS } from '../../layers/pipeline/adapters/aws/index.js';
import { startS3VectorsServer } from './s3-vectors-stand-in.js';

export interface LocalVectorIndex {
  /** What a function or the CLI needs to reach the index (also set on process.env). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The S3 Vectors stand-in with one index of `dimension`, named by the variables a deployed function reads; the SDK
 * finds it through AWS_ENDPOINT_URL_S3VECTORS. Call after startLocalAws, which sets the region and credentials.
 */
export async function startLocalVectorIndex(dimension: number): Promise<LocalVectorIndex> {
  const server = await startS3VectorsServer();
  const env = {
    AWS_ENDPOINT_URL_S3VECTORS: server.url,
    VECTOR_BUCKET_NAME: 'xclip-vectors',
    VECTOR_INDEX_NAME: 'videos',
    VECTOR_DIMENSION: String(dimension),
  };
  Object.assign(process.env, env);
  const client = new S3VectorsClient({});
  try {
    await client.send(new CreateVectorBucketCommand({ vectorBucketName: env.VECTOR_BUCKET_NAME }));
    await client.send(
      new CreateIndexCommand({
        vectorBucketName: env.VECTOR_BUCKET_NAME,
        indexName: env.VECTOR_INDEX_NAME,
        dataType: 'float32',
        dimension,
        distanceMetric: 'cosine',
        metadataConfiguration: { nonFilterableMetadataKeys: NON_FILTERABLE_METADATA_KEYS },
      }),
    );
  } finally {
    client.destroy();
  }
  return { env, close: () => server.close() };
}
