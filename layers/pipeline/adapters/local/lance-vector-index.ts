import { createRequire } from 'node:module';
import { connect, Index, Session, type Table } from '@lancedb/lancedb';
import {
  checkQuery,
  checkVideoBatch,
  epochMs,
  InvalidVectorInputError,
  type UpsertOutcome,
  type VectorEntry,
  type VectorFilter,
  type VectorHit,
  type VectorIndex,
  type VectorMetadata,
  type VectorQuery,
  type VectorVersion,
  type VideoVectors,
  vectorKey,
} from '../../core/index.js';

// LanceDB is CommonJS and checks `instanceof` against the CommonJS build of apache-arrow; an ESM import would
// load the other build (the dual-package hazard) and LanceDB would copy, or drop, what it is given.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');

export interface LanceVectorIndexOptions {
  /** Folder of the LanceDB database (created if missing). */
  directory: string;
  dimension: number;
  table?: string;
  /**
   * Rows from which queries go through an approximate index; below, every row is compared (exact). LanceDB's
   * exact scan of 10k 512-d rows already took longer than an indexed query of 100k here (BENCHMARKS.md).
   */
  indexFromRows?: number;
  /** Partitions searched per query at least (more when a narrow filter leaves fewer than k hits). */
  probes?: number;
  /** Candidates per hit re-ranked with the full vectors read from disk. */
  refineFactor?: number;
  /** Bits per dimension of the RaBitQ codes held in memory: more pick the right candidates more often. */
  codeBits?: number;
  /** Bounds of LanceDB's caches of index data and of file metadata (its own defaults are 6 GB and 1 GB). */
  indexCacheBytes?: number;
  metadataCacheBytes?: number;
}

const MB = 2 ** 20;
const DEFAULTS = {
  table: 'vectors',
  indexFromRows: 5_000,
  probes: 20,
  refineFactor: 40,
  codeBits: 2,
  indexCacheBytes: 512 * MB,
  metadataCacheBytes: 128 * MB,
};

/**
 * New rows are searched exactly until `optimize` folds them into the index, which also compacts the table's files
 * (rewriting the smaller ones, a cost that grows with the table): it runs once the unindexed rows reach this
 * share of the table (or OPTIMIZE_MIN_ROWS), or after this many writes of a few rows each.
 */
const OPTIMIZE_SHARE = 0.1;
const OPTIMIZE_MIN_ROWS = 20_000;
const OPTIMIZE_AFTER_WRITES = 256;

/** How long a replaced version stays readable, for queries that started on it. */
const OLD_VERSIONS_KEPT_MS = 60_000;

/** Partition centroids are trained again once the table has grown this many times over. */
const RETRAIN_GROWTH = 4;

const VECTOR_INDEX = 'vector_idx';
const METADATA_COLUMNS = [
  'key',
  'video_id',
  'kind',
  'labels',
  'object_key',
  'completed_at',
  'segment_index',
  'start_seconds',
  'end_seconds',
];

/** Every column nullable, as Arrow tables made from columns are (the segment ones are null for videos). */
function schemaOf(dimension: number) {
  const { Field, FixedSizeList, Float32, Float64, Int32, List, Schema, Utf8 } = arrow;
  const columns: Array<[string, InstanceType<typeof arrow.DataType>]> = [
    ['key', new Utf8()],
    ['video_id', new Utf8()],
    ['version', new Utf8()],
    ['sequence', new Utf8()],
    ['kind', new Utf8()],
    ['labels', new List(new Field('item', new Utf8(), true))],
    ['object_key', new Utf8()],
    ['completed_at', new Float64()],
    ['segment_index', new Int32()],
    ['start_seconds', new Float64()],
    ['end_seconds', new Float64()],
    ['vector', new FixedSizeList(dimension, new Field('item', new Float32(), true))],
  ];
  return new Schema(columns.map(([name, type]) => new Field(name, type, true)));
}

/** A SQL string literal. */
function quoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function whereOf(filter: VectorFilter = {}, excludeVideoId?: string): string | undefined {
  const terms: string[] = [];
  if (filter.labels) terms.push(`array_has_any(labels, make_array(${filter.labels.map(quoted).join(', ')}))`);
  if (filter.keyPrefix !== undefined) terms.push(`starts_with(object_key, ${quoted(filter.keyPrefix)})`);
  if (filter.completedAt?.from !== undefined) terms.push(`completed_at >= ${epochMs(filter.completedAt.from, 'from')}`);
  if (filter.completedAt?.to !== undefined) terms.push(`completed_at < ${epochMs(filter.completedAt.to, 'to')}`);
  if (filter.kind !== undefined) terms.push(`kind = ${quoted(filter.kind)}`);
  if (filter.span) {
    terms.push(`kind = 'segment'`);
    if (filter.span.toSeconds !== undefined) terms.push(`start_seconds < ${filter.span.toSeconds}`);
    if (filter.span.fromSeconds !== undefined) terms.push(`end_seconds > ${filter.span.fromSeconds}`);
  }
  if (excludeVideoId !== undefined) terms.push(`video_id != ${quoted(excludeVideoId)}`);
  return terms.length > 0 ? terms.join(' AND ') : undefined;
}

interface Row {
  key: string;
  video_id: string;
  kind: string;
  labels: { toArray(): string[] };
  object_key: string;
  completed_at: number;
  segment_index: number | null;
  start_seconds: number | null;
  end_seconds: number | null;
  _distance: number;
}

function metadataOf(row: Row): VectorMetadata {
  const common = {
    labels: [...row.labels.toArray()],
    objectKey: row.object_key,
    completedAt: new Date(row.completed_at).toISOString(),
  };
  return row.kind === 'segment'
    ? {
        ...common,
        kind: 'segment',
        segmentIndex: row.segment_index!,
        startSeconds: row.start_seconds!,
        endSeconds: row.end_seconds!,
      }
    : { ...common, kind: 'video' };
}

/** The rows of these videos as one Arrow table, in the columns (and types) of `schemaOf(dimension)`. */
function arrowRows(videos: VideoVectors[], dimension: number) {
  const rows = videos.flatMap(({ videoId, version, entries }) =>
    entries.map(({ vector, metadata }) => ({ videoId, version, vector, metadata })),
  );
  const segment = (metadata: VectorMetadata) => (metadata.kind === 'segment' ? metadata : undefined);
  const values: Record<string, unknown[]> = {
    key: rows.map(({ videoId, metadata }) => vectorKey(videoId, metadata)),
    video_id: rows.map(({ videoId }) => videoId),
    version: rows.map(({ version }) => version.version),
    sequence: rows.map(({ version }) => version.sequence),
    kind: rows.map(({ metadata }) => metadata.kind),
    labels: rows.map(({ metadata }) => metadata.labels),
    object_key: rows.map(({ metadata }) => metadata.objectKey),
    completed_at: rows.map(({ metadata }) => epochMs(metadata.completedAt, 'completedAt')),
    segment_index: rows.map(({ metadata }) => segment(metadata)?.segmentIndex ?? null),
    start_seconds: rows.map(({ metadata }) => segment(metadata)?.startSeconds ?? null),
    end_seconds: rows.map(({ metadata }) => segment(metadata)?.endSeconds ?? null),
  };
  const vectors = new Float32Array(rows.length * dimension);
  for (const [at, { vector }] of rows.entries()) vectors.set(vector, at * dimension);
  const columns = Object.fromEntries(
    schemaOf(dimension).fields.map((field) => [
      field.name,
      field.name === 'vector'
        ? arrow.makeVector(
            arrow.makeData({
              type: field.type,
              length: rows.length,
              nullCount: 0,
              child: arrow.makeData({ type: new arrow.Float32(), length: vectors.length, data: vectors }),
            }),
          )
        : arrow.vectorFromArray(values[field.name]!, field.type),
    ]),
  );
  return new arrow.Table(columns);
}

/**
 * The local vector index: an embedded LanceDB table on disk. Below `indexFromRows` rows every query compares
 * all rows (exact); from there an IVF index with RaBitQ codes (2 bits per dimension, in memory) picks
 * candidates and the full vectors, read from disk, re-rank them. Writes go one at a time through this
 * object; a second process must not write the same folder.
 */
export class LanceVectorIndex implements VectorIndex {
  readonly dimension: number;
  readonly #table: Table;
  readonly #settings: typeof DEFAULTS;
  #writes: Promise<unknown> = Promise.resolve();
  #indexed: boolean;
  #trainedRows: number;
  #rowsSinceOptimize = 0;
  #writesSinceOptimize = 0;

  private constructor(table: Table, dimension: number, settings: typeof DEFAULTS, trainedRows: number | undefined) {
    this.#table = table;
    this.dimension = dimension;
    this.#settings = settings;
    this.#indexed = trainedRows !== undefined;
    this.#trainedRows = trainedRows ?? 0;
  }

  static async open(options: LanceVectorIndexOptions): Promise<LanceVectorIndex> {
    const settings = { ...DEFAULTS, ...options };
    const session = new Session(BigInt(settings.indexCacheBytes), BigInt(settings.metadataCacheBytes));
    const db = await connect(options.directory, {}, session);
    const table = (await db.tableNames()).includes(settings.table)
      ? await db.openTable(settings.table)
      : await db.createEmptyTable(settings.table, schemaOf(options.dimension));
    const vectorField = (await table.schema()).fields.find((f) => f.name === 'vector');
    const stored = (vectorField?.type as { listSize?: number } | undefined)?.listSize;
    if (stored !== options.dimension)
      throw new InvalidVectorInputError(
        `vector index in ${options.directory}`,
        `it holds vectors of dimension ${stored}, not ${options.dimension}`,
      );
    const indexed = (await table.listIndices()).some((index) => index.name === VECTOR_INDEX);
    // How many rows the index was trained on is not recorded: counting from now only delays the next retraining.
    return new LanceVectorIndex(table, options.dimension, settings, indexed ? await table.countRows() : undefined);
  }

  upsert(videoId: string, version: VectorVersion, entries: VectorEntry[]): Promise<UpsertOutcome> {
    return this.upsertMany([{ videoId, version, entries }]).then(([outcome]) => outcome!);
  }

  async upsertMany(videos: VideoVectors[]): Promise<UpsertOutcome[]> {
    checkVideoBatch(videos, this.dimension);
    return this.#exclusive(async () => {
      const indexed = await this.#indexedSequences(videos.map((video) => video.videoId));
      const outcomes = videos.map(({ videoId, version }): UpsertOutcome => {
        const sequence = indexed.get(videoId);
        return sequence !== undefined && sequence > version.sequence ? 'stale' : 'written';
      });
      const fresh = videos.filter((_, at) => outcomes[at] === 'written');
      if (fresh.length === 0) return outcomes;
      const rows = arrowRows(fresh, this.dimension);
      const replaced = fresh.filter((video) => indexed.has(video.videoId)).map((video) => quoted(video.videoId));
      if (replaced.length === 0) {
        await this.#table.add(rows);
      } else {
        // One commit: rows of these videos that the new version no longer has go with the write.
        await this.#table
          .mergeInsert('key')
          .whenMatchedUpdateAll()
          .whenNotMatchedInsertAll()
          .whenNotMatchedBySourceDelete({ where: `video_id IN (${replaced.join(', ')})` })
          .execute(rows);
      }
      await this.#maintain(rows.numRows);
      return outcomes;
    });
  }

  delete(videoId: string, upTo?: VectorVersion): Promise<void> {
    const notNewer = upTo ? ` AND sequence <= ${quoted(upTo.sequence)}` : '';
    return this.#exclusive(async () => {
      await this.#table.delete(`video_id = ${quoted(videoId)}${notNewer}`);
      this.#writesSinceOptimize++;
    });
  }

  async query(vector: Float32Array, query: VectorQuery): Promise<VectorHit[]> {
    checkQuery(vector, query, this.dimension);
    let search = this.#table
      .vectorSearch(vector)
      .distanceType('cosine')
      .limit(query.k)
      .select([...METADATA_COLUMNS, '_distance']);
    const where = whereOf(query.filter, query.excludeVideoId);
    if (where) search = search.where(where);
    // A maximum of 0 leaves it unbounded: a narrow filter probes on until it has k hits. (The maximum goes
    // first: LanceDB refuses a minimum above the maximum in force, 20 by default.)
    if (this.#indexed)
      search = search.maximumNprobes(0).minimumNprobes(this.#settings.probes).refineFactor(this.#settings.refineFactor);
    const rows = (await search.toArray()) as Row[];
    return rows.map((row) => ({
      key: row.key,
      videoId: row.video_id,
      similarity: 1 - row._distance,
      metadata: metadataOf(row),
    }));
  }

  /**
   * Folds every new row into the index now instead of at the upkeep thresholds: after a bulk load, so that
   * queries stop comparing the unindexed rows one by one.
   */
  settle(): Promise<void> {
    return this.#exclusive(async () => {
      await this.#optimize();
      this.#rowsSinceOptimize = 0;
      this.#writesSinceOptimize = 0;
    });
  }

  /** Runs writes one after another, so a version check and the write it decides stay together. */
  #exclusive<T>(write: () => Promise<T>): Promise<T> {
    const result = this.#writes.then(write);
    this.#writes = result.catch(() => undefined);
    return result;
  }

  async #indexedSequences(videoIds: string[]): Promise<Map<string, string>> {
    const rows = (await this.#table
      .query()
      .where(`kind = 'video' AND video_id IN (${videoIds.map(quoted).join(', ')})`)
      .select(['video_id', 'sequence'])
      .toArray()) as Array<{ video_id: string; sequence: string }>;
    return new Map(rows.map((row) => [row.video_id, row.sequence]));
  }

  /** Builds the index once the table is large enough, retrains it as it grows, folds new rows in. */
  async #maintain(rowsWritten: number): Promise<void> {
    this.#rowsSinceOptimize += rowsWritten;
    this.#writesSinceOptimize++;
    const rows = await this.#table.countRows();
    if (rows >= this.#settings.indexFromRows && (!this.#indexed || rows >= this.#trainedRows * RETRAIN_GROWTH)) {
      await this.#train(rows);
    } else if (
      this.#rowsSinceOptimize >= Math.max(OPTIMIZE_MIN_ROWS, rows * OPTIMIZE_SHARE) ||
      this.#writesSinceOptimize >= OPTIMIZE_AFTER_WRITES
    ) {
      await this.#optimize();
    } else return;
    this.#rowsSinceOptimize = 0;
    this.#writesSinceOptimize = 0;
  }

  /** Folds new rows into the index, compacts files, and drops versions (and their files) no query can still be reading. */
  async #optimize(): Promise<void> {
    await this.#table.optimize({ cleanupOlderThan: new Date(Date.now() - OLD_VERSIONS_KEPT_MS) });
  }

  async #train(rows: number): Promise<void> {
    await this.#optimize();
    await this.#table.createIndex('vector', {
      config: Index.ivfRq({
        distanceType: 'cosine',
        numPartitions: Math.max(1, Math.round(Math.sqrt(rows))),
        numBits: this.#settings.codeBits,
        sampleRate: 64,
        maxIterations: 20,
      }),
      name: VECTOR_INDEX,
    });
    await this.#table.createIndex('video_id', { config: Index.btree() });
    this.#indexed = true;
    this.#trainedRows = rows;
  }
}
