import { NotFoundError, NotReadyError } from '../errors.js';
import type { ResultStore } from '../ports/result-store.js';
import type { VideoRecord, VideoResult } from '../result-schema.js';

/** The record of video `id` with its result: NotFoundError without one, NotReadyError (`cannot …`) until it is DONE. */
export async function doneRecord(
  results: ResultStore,
  id: string,
  cannot: string,
): Promise<VideoRecord & { result: VideoResult }> {
  const record = await results.get(id);
  if (!record) throw new NotFoundError(`video ${id}`);
  if (record.status !== 'DONE' || !record.result) throw new NotReadyError(cannot, `it is ${record.status}, not DONE`);
  return record as VideoRecord & { result: VideoResult };
}
