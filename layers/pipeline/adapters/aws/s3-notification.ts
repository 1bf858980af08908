import { z } from 'zod';
import { XclipError } from '../../../common/errors.js';
import { describeIssues } from '../../../common/zod-issues.js';
import type { SourceObject } from '../../core/index.js';
import { objectSequence, splitSequence, versionOfEtag } from './object-versions.js';

/** A queue message that is not an S3 event notification, or one with a malformed record. */
export class InvalidS3EventError extends XclipError {
  constructor(why: string) {
    super('INVALID_S3_EVENT', 'not an S3 event notification', why);
  }
}

/** One record of an S3 event notification, its key decoded. */
export interface S3EventRecord {
  eventName: string;
  eventTime: string;
  bucket: string;
  key: string;
  /** Absent on removal events. */
  eTag?: string;
  bytes?: number;
  sequencer?: string;
}

/** S3 writes ISO 8601 with a zone; a time without one is read as UTC rather than dropping the upload. */
const eventTimeSchema = z.string().transform((text, ctx) => {
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/i.test(text) ? text : `${text}Z`);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time' });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

/** The sequencer only breaks ties between events of one millisecond: one that is not hexadecimal is left out. */
const sequencerSchema = z
  .string()
  .optional()
  .transform((sequencer) => (sequencer !== undefined && /^[0-9A-Fa-f]+$/.test(sequencer) ? sequencer : undefined));

const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().min(1),
  eventTime: eventTimeSchema,
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().min(1).optional(),
      sequencer: sequencerSchema,
    }),
  }),
});

const notificationSchema = z.union([
  z.object({ Event: z.literal('s3:TestEvent') }),
  z.object({ Records: z.array(recordSchema).min(1) }),
]);

/** S3 writes keys form-encoded: spaces as '+', everything else outside URL-safe characters as %XX (a literal '+' as %2B). */
export function decodeEventKey(key: string): string {
  try {
    return decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    throw new InvalidS3EventError(`object key ${JSON.stringify(key)} is not validly percent-encoded`);
  }
}

export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replaceAll('%20', '+').replaceAll('%2F', '/');
}

/**
 * The records of an S3 event notification (an SQS message body). The test event S3 sends when
 * notifications are configured has none.
 */
export function parseS3Notification(body: string): S3EventRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidS3EventError('the message body is not JSON');
  }
  const parsed = notificationSchema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidS3EventError(describeIssues(parsed.error, 'body'));
  }
  if (!('Records' in parsed.data)) return [];
  return parsed.data.Records.map(({ eventName, eventTime, s3 }) => ({
    eventName,
    eventTime,
    bucket: s3.bucket.name,
    key: decodeEventKey(s3.object.key),
    ...(s3.object.eTag !== undefined ? { eTag: s3.object.eTag } : {}),
    ...(s3.object.size !== undefined ? { bytes: s3.object.size } : {}),
    ...(s3.object.sequencer !== undefined ? { sequencer: s3.object.sequencer } : {}),
  }));
}

/** The object version an ObjectCreated record names. */
export function sourceOfRecord(record: S3EventRecord): SourceObject {
  if (record.eTag === undefined)
    throw new InvalidS3EventError(`${record.eventName} record of ${record.key} has no eTag`);
  return {
    bucket: record.bucket,
    key: record.key,
    version: versionOfEtag(record.eTag),
    sequence: objectSequence(record.eventTime, record.sequencer),
  };
}

/**
 * An S3-event-shaped message body for an object version (backfill, re-queueing): the classifier
 * reads it like a notification from S3, and sourceOfRecord gives `source` back.
 */
export function s3NotificationBody(source: SourceObject, bytes?: number): string {
  const { time, sequencer } = splitSequence(source.sequence);
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventTime: time,
        eventName: 'ObjectCreated:Put',
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: source.bucket, arn: `arn:aws:s3:::${source.bucket}` },
          object: { key: encodeEventKey(source.key), size: bytes, eTag: source.version, sequencer },
        },
      },
    ],
  });
}
