// A stand-in for Amazon S3 Vectors, for tests and `npm run invoke` only (never product code). No local server implements the S3 Vectors API (none on
// npm, and s3rver, dynalite and local-aws-sqs cover other services), so this one answers the operations the
// adapter and its tests call, over the same REST-JSON protocol the SDK client speaks: CreateVectorBucket,
// CreateIndex, PutVectors, GetVectors, DeleteVectors and QueryVectors. Not implemented: ListVectors,
// GetIndex, ListIndexes, DeleteIndex, bucket policies, tags, encryption. Queries compare every vector
// (exact cosine), which is what the real service approximates; filters follow the documented operators
// ($eq $ne $gt $gte $lt $lte $in $nin $exists $and $or; a condition on an array matches any element) and,
// like the service, refuse non-filterable keys, and the documented limits are enforced.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const LIMITS = { topK: 100, putVectors: 500, deleteVectors: 500, getVectors: 100, maxDimension: 4096 };

type MetadataValue = string | number | boolean | Array<string | number | boolean>;
type Metadata = Record<string, MetadataValue>;

interface StoredIndex {
  dimension: number;
  distanceMetric: 'cosine' | 'euclidean';
  nonFilterable: Set<string>;
  vectors: Map<string, { data: Float32Array; metadata: Metadata }>;
}

/** The index a request names. */
interface Target {
  vectorBucketName?: string;
  indexName?: string;
  /** arn:aws:s3vectors:<region>:<account>:bucket/<bucket>/index/<index>, instead of the two names. */
  indexArn?: string;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => new ApiError('ValidationException', 400, message);

function list<T>(value: T[] | undefined, name: string, max: number): T[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > max)
    throw invalid(`${name} must hold 1 to ${max} items`);
  return value;
}

function matchesValue(stored: MetadataValue | undefined, operator: string, operand: unknown): boolean {
  if (operator === '$exists') return (stored !== undefined) === operand;
  if (stored === undefined) return operator === '$ne' || operator === '$nin';
  const values = Array.isArray(stored) ? stored : [stored];
  switch (operator) {
    case '$eq':
      return values.includes(operand as string);
    case '$ne':
      return !values.includes(operand as string);
    case '$in':
      return values.some((value) => (operand as unknown[]).includes(value));
    case '$nin':
      return !values.some((value) => (operand as unknown[]).includes(value));
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      if (typeof operand !== 'number') throw invalid(`${operator} needs a number`);
      const number = values[0];
      if (typeof number !== 'number') return false;
      return operator === '$gt'
        ? number > operand
        : operator === '$gte'
          ? number >= operand
          : operator === '$lt'
            ? number < operand
            : number <= operand;
    }
    default:
      throw invalid(`unknown filter operator ${operator}`);
  }
}

function matches(filter: Record<string, unknown>, metadata: Metadata, nonFilterable: Set<string>): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    if (field === '$and' || field === '$or') {
      const parts = list(condition as Array<Record<string, unknown>>, field, 1024);
      const test = (part: Record<string, unknown>) => matches(part, metadata, nonFilterable);
      return field === '$and' ? parts.every(test) : parts.some(test);
    }
    if (field.startsWith('$')) throw invalid(`unknown filter operator ${field}`);
    if (nonFilterable.has(field)) throw invalid(`metadata key ${field} is not filterable`);
    if (condition === null || typeof condition !== 'object' || Array.isArray(condition))
      return matchesValue(metadata[field], '$eq', condition);
    return Object.entries(condition).every(([operator, operand]) => matchesValue(metadata[field], operator, operand));
  });
}

function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return 1 - dot / Math.sqrt(aa * bb);
}

/** In-memory vector buckets and the operations on them, by operation name. */
class VectorStore {
  readonly #indexes = new Map<string, StoredIndex>();
  readonly #buckets = new Set<string>();

  #index(body: Target): StoredIndex {
    const [, bucket, name] = body.indexArn?.match(/:bucket\/([^/]+)\/index\/([^/]+)$/) ?? [
      undefined,
      body.vectorBucketName,
      body.indexName,
    ];
    const index = this.#indexes.get(`${bucket}/${name}`);
    if (!index) throw new ApiError('NotFoundException', 404, `no index ${name} in ${bucket}`);
    return index;
  }

  #vector(index: StoredIndex, data: { float32?: number[] } | undefined, name: string): Float32Array {
    const values = data?.float32;
    if (!Array.isArray(values) || values.length !== index.dimension)
      throw invalid(`${name} must have ${index.dimension} float32 values`);
    if (values.some((value) => typeof value !== 'number' || !Number.isFinite(value)))
      throw invalid(`${name} holds a value that is not a finite number`);
    return Float32Array.from(values);
  }

  CreateVectorBucket(body: { vectorBucketName: string }) {
    if (this.#buckets.has(body.vectorBucketName)) throw new ApiError('ConflictException', 409, 'bucket exists');
    this.#buckets.add(body.vectorBucketName);
    return {};
  }

  CreateIndex(body: {
    vectorBucketName: string;
    indexName: string;
    dataType: string;
    dimension: number;
    distanceMetric: 'cosine' | 'euclidean';
    metadataConfiguration?: { nonFilterableMetadataKeys?: string[] };
  }) {
    if (!this.#buckets.has(body.vectorBucketName))
      throw new ApiError('NotFoundException', 404, `no vector bucket ${body.vectorBucketName}`);
    if (body.dataType !== 'float32') throw invalid('dataType must be float32');
    if (!Number.isInteger(body.dimension) || body.dimension < 1 || body.dimension > LIMITS.maxDimension)
      throw invalid(`dimension must be 1..${LIMITS.maxDimension}`);
    const name = `${body.vectorBucketName}/${body.indexName}`;
    if (this.#indexes.has(name)) throw new ApiError('ConflictException', 409, 'index exists');
    this.#indexes.set(name, {
      dimension: body.dimension,
      distanceMetric: body.distanceMetric,
      nonFilterable: new Set(body.metadataConfiguration?.nonFilterableMetadataKeys ?? []),
      vectors: new Map(),
    });
    return {};
  }

  PutVectors(body: Target & { vectors: Array<{ key: string; data: { float32: number[] }; metadata?: Metadata }> }) {
    const index = this.#index(body);
    const vectors = list(body.vectors, 'vectors', LIMITS.putVectors).map(({ key, data, metadata }) => {
      if (typeof key !== 'string' || key.length === 0) throw invalid('every vector needs a key');
      return [key, { data: this.#vector(index, data, `vector ${key}`), metadata: metadata ?? {} }] as const;
    });
    for (const [key, vector] of vectors) index.vectors.set(key, vector);
    return {};
  }

  GetVectors(body: Target & { keys: string[]; returnData?: boolean; returnMetadata?: boolean }) {
    const index = this.#index(body);
    const vectors = list(body.keys, 'keys', LIMITS.getVectors).flatMap((key) => {
      const vector = index.vectors.get(key);
      if (!vector) return [];
      return [
        {
          key,
          ...(body.returnData ? { data: { float32: [...vector.data] } } : {}),
          ...(body.returnMetadata ? { metadata: vector.metadata } : {}),
        },
      ];
    });
    return { vectors };
  }

  DeleteVectors(body: Target & { keys: string[] }) {
    const index = this.#index(body);
    for (const key of list(body.keys, 'keys', LIMITS.deleteVectors)) index.vectors.delete(key);
    return {};
  }

  QueryVectors(
    body: Target & {
      topK: number;
      queryVector: { float32: number[] };
      filter?: Record<string, unknown>;
      returnMetadata?: boolean;
      returnDistance?: boolean;
    },
  ) {
    const index = this.#index(body);
    if (!Number.isInteger(body.topK) || body.topK < 1 || body.topK > LIMITS.topK)
      throw invalid(`topK must be 1..${LIMITS.topK}`);
    if (index.distanceMetric !== 'cosine') throw invalid('this stand-in compares by cosine only');
    const query = this.#vector(index, body.queryVector, 'queryVector');
    const hits = [...index.vectors]
      .filter(([, { metadata }]) => !body.filter || matches(body.filter, metadata, index.nonFilterable))
      .map(([key, { data, metadata }]) => ({ key, metadata, distance: cosineDistance(query, data) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, body.topK);
    return {
      distanceMetric: index.distanceMetric,
      vectors: hits.map(({ key, metadata, distance }) => ({
        key,
        ...(body.returnDistance ? { distance } : {}),
        ...(body.returnMetadata ? { metadata } : {}),
      })),
    };
  }
}

type Operation = 'CreateVectorBucket' | 'CreateIndex' | 'PutVectors' | 'GetVectors' | 'DeleteVectors' | 'QueryVectors';
const OPERATIONS = new Set<string>([
  'CreateVectorBucket',
  'CreateIndex',
  'PutVectors',
  'GetVectors',
  'DeleteVectors',
  'QueryVectors',
] satisfies Operation[]);

async function jsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function respond(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}

export interface S3VectorsServer {
  /** For AWS_ENDPOINT_URL_S3VECTORS. */
  url: string;
  close(): Promise<void>;
}

/** The stand-in on a free port of 127.0.0.1, empty: create a vector bucket and an index first. */
export async function startS3VectorsServer(): Promise<S3VectorsServer> {
  const store = new VectorStore();
  const server = createServer((request, response) => {
    const operation = request.url?.split('?')[0]?.slice(1) ?? '';
    if (request.method !== 'POST' || !OPERATIONS.has(operation)) {
      respond(
        response,
        404,
        { message: `unsupported operation ${request.method} ${request.url}` },
        'NotFoundException',
      );
      return;
    }
    jsonBody(request)
      .then((body) =>
        respond(response, 200, (store[operation as Operation] as (body: unknown) => unknown).call(store, body)),
      )
      .catch((error: unknown) => {
        if (error instanceof ApiError) respond(response, error.status, { message: error.message }, error.type);
        else respond(response, 500, { message: String(error) }, 'InternalServerException');
      });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
