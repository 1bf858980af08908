import type { S3EventRecord } from '../../layers/pipeline/adapters/aws/index.js';
import { uploadKeyProblem } from '../../layers/pipeline/core/index.js';
import type { FunctionConfig } from '../shared/config.js';

/**
 * Why an S3 event record is not an upload to classify, or undefined when it is one: a video, or a manifest when
 * `manifestSuffix` is given (GPU routing is on).
 */
export function skipReason(
  record: S3EventRecord,
  config: Pick<FunctionConfig, 'bucket' | 'uploadPrefix' | 'videoSuffixes'>,
  manifestSuffix?: string,
): string | undefined {
  if (!record.eventName.startsWith('ObjectCreated:')) return `${record.eventName} is not an upload`;
  if (record.bucket !== config.bucket) return `bucket ${record.bucket} is not the upload bucket ${config.bucket}`;
  return uploadKeyProblem(record.key, config, manifestSuffix ? [manifestSuffix] : []);
}
