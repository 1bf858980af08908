import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { z } from 'zod';
import type { EnqueueOutcome, ListQuery, Page, ResultStore } from '../../core/index.js';
import {
  decodeCursor,
  encodeCursor,
  isRequeueable,
  isRetryable,
  queryFingerprint,
  type RecordError,
  type SourceObject,
  type VideoRecord,
  type VideoResult,
  videoResultSchema,
} from '../../core/index.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS videos (
  id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL,
  key TEXT NOT NULL,
  version TEXT NOT NULL,
  sequence TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  error_code TEXT,
  error_message TEXT,
  error_retryable INTEGER,
  lease_until TEXT,
  queued_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  result TEXT
);
CREATE INDEX IF NOT EXISTS videos_recent ON videos (updated_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS videos_by_status ON videos (status, updated_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS video_labels (
  video_id TEXT NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  score REAL NOT NULL,
  PRIMARY KEY (video_id, label)
);
CREATE INDEX IF NOT EXISTS video_labels_by_score ON video_labels (label, score DESC, video_id);
`;

interface VideoRow {
  id: string;
  bucket: string;
  key: string;
  version: string;
  sequence: string;
  status: VideoRecord['status'];
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  error_retryable: number | null;
  lease_until: string | null;
  queued_at: string;
  updated_at: string;
  result: string | null;
}

const recentPosition = z.object({ u: z.string(), i: z.string() });
const labelPosition = z.object({ s: z.number(), i: z.string() });

function toRecord(row: VideoRow): VideoRecord {
  return {
    id: row.id,
    source: { bucket: row.bucket, key: row.key, version: row.version, sequence: row.sequence },
    status: row.status,
    attempts: row.attempts,
    ...(row.error_code !== null
      ? {
          error: {
            code: row.error_code,
            message: row.error_message ?? '',
            ...(row.error_retryable !== null ? { retryable: row.error_retryable === 1 } : {}),
          },
        }
      : {}),
    ...(row.lease_until !== null ? { leaseUntil: row.lease_until } : {}),
    queuedAt: row.queued_at,
    updatedAt: row.updated_at,
    ...(row.result !== null ? { result: videoResultSchema.parse(JSON.parse(row.result)) } : {}),
  };
}

const RECORD_COLUMNS =
  'v.id, v.bucket, v.key, v.version, v.sequence, v.status, v.attempts, v.error_code, v.error_message, v.error_retryable, v.lease_until, v.queued_at, v.updated_at, v.result';

/** Columns added after the first release, for stores made before them. */
const ADDED_COLUMNS: Record<string, string> = { error_retryable: 'INTEGER', lease_until: 'TEXT' };

/** The ResultStore in one SQLite file (WAL); top labels in a side table for the by-label index. */
export class SqliteResultStore implements ResultStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const columns = new Set(
      (this.db.prepare('PRAGMA table_info(videos)').all() as Array<{ name: string }>).map((column) => column.name),
    );
    for (const [name, type] of Object.entries(ADDED_COLUMNS))
      if (!columns.has(name)) this.db.exec(`ALTER TABLE videos ADD COLUMN ${name} ${type}`);
  }

  close(): void {
    this.db.close();
  }

  private row(id: string): VideoRow | undefined {
    return this.db.prepare(`SELECT ${RECORD_COLUMNS} FROM videos v WHERE v.id = ?`).get(id) as VideoRow | undefined;
  }

  async get(id: string): Promise<VideoRecord | undefined> {
    const row = this.row(id);
    return row && toRecord(row);
  }

  async enqueue(id: string, source: SourceObject, at: string): Promise<EnqueueOutcome> {
    return this.db.transaction((): EnqueueOutcome => {
      const row = this.row(id);
      if (row?.version === source.version && !isRequeueable(toRecord(row), at))
        return row.status === 'QUEUED' || row.status === 'PROCESSING' ? 'pending' : 'finished';
      if (row && row.version !== source.version && row.sequence >= source.sequence) return 'stale';
      this.db.prepare('DELETE FROM video_labels WHERE video_id = ?').run(id);
      this.db
        .prepare(`
        INSERT INTO videos (id, bucket, key, version, sequence, status, attempts, queued_at, updated_at)
        VALUES (@id, @bucket, @key, @version, @sequence, 'QUEUED', 0, @at, @at)
        ON CONFLICT (id) DO UPDATE SET bucket = @bucket, key = @key, version = @version, sequence = @sequence,
          status = 'QUEUED', attempts = 0, error_code = NULL, error_message = NULL, error_retryable = NULL,
          lease_until = NULL, queued_at = @at, updated_at = @at, result = NULL
      `)
        .run({ id, ...source, at });
      return 'queued';
    })();
  }

  async claim(id: string, version: string, at: string, leaseUntil: string): Promise<VideoRecord | undefined> {
    const changed = this.db
      .prepare(`
      UPDATE videos SET status = 'PROCESSING', attempts = attempts + 1, updated_at = @at, lease_until = @leaseUntil
      WHERE id = @id AND version = @version
        AND (status = 'QUEUED' OR (status = 'PROCESSING' AND (lease_until IS NULL OR lease_until <= @at)))
    `)
      .run({ at, leaseUntil, id, version }).changes;
    return changed === 1 ? this.get(id) : undefined;
  }

  async release(id: string, version: string, at: string): Promise<boolean> {
    return (
      this.db
        .prepare(`
      UPDATE videos SET status = 'QUEUED', lease_until = NULL, updated_at = ?
      WHERE id = ? AND version = ? AND status = 'PROCESSING'
    `)
        .run(at, id, version).changes === 1
    );
  }

  async requeue(id: string, at: string, leaseEndedBy = at): Promise<VideoRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.row(id);
      if (!row || !isRetryable(toRecord(row), leaseEndedBy)) return undefined;
      this.db
        .prepare(`
        UPDATE videos SET status = 'QUEUED', attempts = 0, error_code = NULL, error_message = NULL,
          error_retryable = NULL, lease_until = NULL, queued_at = ?, updated_at = ?
        WHERE id = ?
      `)
        .run(at, at, id);
      return toRecord(this.row(id)!);
    })();
  }

  private replaceLabels(id: string, result: VideoResult): void {
    this.db.prepare('DELETE FROM video_labels WHERE video_id = ?').run(id);
    const insert = this.db.prepare('INSERT OR REPLACE INTO video_labels (video_id, label, score) VALUES (?, ?, ?)');
    for (const label of result.labels) insert.run(id, label.label, label.score);
  }

  async complete(id: string, version: string, result: VideoResult, at: string): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`
        UPDATE videos SET status = 'DONE', error_code = NULL, error_message = NULL, error_retryable = NULL,
          lease_until = NULL, result = ?, updated_at = ?
        WHERE id = ? AND version = ? AND status = 'PROCESSING'
      `)
        .run(JSON.stringify(result), at, id, version).changes;
      if (changed === 1) this.replaceLabels(id, result);
      return changed === 1;
    })();
  }

  async fail(id: string, version: string, error: RecordError, at: string): Promise<boolean> {
    return (
      this.db
        .prepare(`
      UPDATE videos SET status = 'FAILED', error_code = ?, error_message = ?, error_retryable = ?, lease_until = NULL,
        updated_at = ?
      WHERE id = ? AND version = ? AND status IN ('QUEUED', 'PROCESSING')
    `)
        .run(error.code, error.message, error.retryable === undefined ? null : Number(error.retryable), at, id, version)
        .changes === 1
    );
  }

  async relabel(id: string, version: string, result: VideoResult, at: string): Promise<boolean> {
    return this.db.transaction(() => {
      const changed = this.db
        .prepare(`UPDATE videos SET result = ?, updated_at = ? WHERE id = ? AND version = ? AND status = 'DONE'`)
        .run(JSON.stringify(result), at, id, version).changes;
      if (changed === 1) this.replaceLabels(id, result);
      return changed === 1;
    })();
  }

  async list(query: ListQuery): Promise<Page<VideoRecord>> {
    const fingerprint = queryFingerprint({ status: query.status, label: query.label, since: query.since });
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.status) {
      where.push('v.status = ?');
      params.push(query.status);
    }
    if (query.since) {
      where.push('v.updated_at >= ?');
      params.push(query.since);
    }
    let sql: string;
    if (query.label !== undefined) {
      where.push('l.label = ?');
      params.push(query.label);
      if (query.cursor) {
        const { s, i } = decodeCursor(query.cursor, labelPosition, fingerprint);
        where.push('(l.score < ? OR (l.score = ? AND v.id > ?))');
        params.push(s, s, i);
      }
      sql = `SELECT ${RECORD_COLUMNS}, l.score AS label_score FROM video_labels l JOIN videos v ON v.id = l.video_id
             WHERE ${where.join(' AND ')} ORDER BY l.score DESC, v.id ASC LIMIT ?`;
    } else {
      if (query.cursor) {
        const { u, i } = decodeCursor(query.cursor, recentPosition, fingerprint);
        where.push('(v.updated_at < ? OR (v.updated_at = ? AND v.id < ?))');
        params.push(u, u, i);
      }
      sql = `SELECT ${RECORD_COLUMNS} FROM videos v ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY v.updated_at DESC, v.id DESC LIMIT ?`;
    }
    const rows = this.db.prepare(sql).all(...params, query.limit + 1) as Array<VideoRow & { label_score?: number }>;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const more = rows.length > query.limit && last !== undefined;
    const position =
      last && (query.label !== undefined ? { s: last.label_score!, i: last.id } : { u: last.updated_at, i: last.id });
    return { items: page.map(toRecord), ...(more ? { nextCursor: encodeCursor(position, fingerprint) } : {}) };
  }

  async unfinished(): Promise<VideoRecord[]> {
    const rows = this.db
      .prepare(`SELECT ${RECORD_COLUMNS} FROM videos v WHERE v.status IN ('QUEUED', 'PROCESSING') ORDER BY v.queued_at`)
      .all() as VideoRow[];
    return rows.map(toRecord);
  }
}
