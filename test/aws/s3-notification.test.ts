import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SQSEvent } from 'aws-lambda';
import { objectSequence } from '../../layers/pipeline/adapters/aws/object-versions.js';
import {
  InvalidS3EventError,
  parseS3Notification,
  s3NotificationBody,
  sourceOfRecord,
} from '../../layers/pipeline/adapters/aws/s3-notification.js';
import { sampleEvent } from '../../scripts/lib/lambda-events.js';

test('events/s3-put.json: the key is form-decoded, the ETag is the version, time then sequencer the sequence', () => {
  const [record] = parseS3Notification(JSON.stringify(sampleEvent('s3-put.json')));
  assert.deepEqual(sourceOfRecord(record!), {
    bucket: 'uploads',
    key: 'videos/my holiday clip.mp4',
    version: '0123456789abcdef0123456789abcdef',
    sequence: '2026-01-05T10:00:00.000Z#0062A7F3B9C1D2E3F400000000000000',
  });
});

test('SQS-wrapped puts: spaces as +, unicode percent-encoded, a literal + as %2B', () => {
  const keys = sampleEvent<SQSEvent>('sqs-s3-put.json').Records.flatMap((record) =>
    parseS3Notification(record.body).map((event) => event.key),
  );
  assert.deepEqual(keys, ['videos/my holiday clip.mp4', 'videos/café ☕ déjà vu.mp4', 'videos/a+b=c.mp4']);
});

test('s3:TestEvent has no records; anything else that is not a notification is an InvalidS3EventError', () => {
  assert.deepEqual(parseS3Notification(JSON.stringify(sampleEvent('s3-test-event.json'))), []);
  for (const body of ['', 'not json', '{}', '{"Records":[]}', '{"Records":[{"eventSource":"aws:sqs"}]}']) {
    assert.throws(() => parseS3Notification(body), InvalidS3EventError, body);
  }
  const badKey = JSON.stringify(sampleEvent('s3-put.json')).replace(
    'videos/my+holiday+clip.mp4',
    'videos/%E0%A4%A.mp4',
  );
  assert.throws(() => parseS3Notification(badKey), InvalidS3EventError);
  const removal = JSON.parse(
    JSON.stringify(sampleEvent('s3-put.json'))
      .replace('ObjectCreated:Put', 'ObjectRemoved:Delete')
      .replace(/"eTag":"[^"]*",?/, ''),
  );
  assert.throws(() => sourceOfRecord(parseS3Notification(JSON.stringify(removal))[0]!), InvalidS3EventError);
});

test('an S3-event-shaped body gives back the source it was made from', () => {
  for (const source of [
    { bucket: 'b', key: 'videos/a b+ü%/c.mp4', version: 'abc-2', sequence: objectSequence('2026-01-05T10:00:00Z') },
    { bucket: 'b', key: 'x.mp4', version: 'e', sequence: objectSequence('2026-01-05T10:00:00.123Z', '1a2b') },
  ]) {
    assert.deepEqual(parseS3Notification(s3NotificationBody(source, 5)).map(sourceOfRecord), [source]);
  }
});

test('sequences order by time, then by sequencer compared right-padded', () => {
  const t = '2026-01-05T10:00:00.000Z';
  assert.ok(objectSequence(t) < objectSequence(t, '01'), 'a listing sorts before an event of the same millisecond');
  assert.ok(objectSequence(t, '0062A7F3B9C1D2E3F4') < objectSequence(t, '0062A7F3B9C1D2E3F5'));
  assert.ok(
    objectSequence(t, '0062A7F3B9C1D2E3F4') < objectSequence(t, '0062A7F3B9C1D2E3F401'),
    'a longer sequencer is later',
  );
  assert.ok(objectSequence(t, 'FF') < objectSequence('2026-01-05T10:00:00.001Z'));
});
