import type { LabelSet } from '../../../xclip/label-sets.js';
import { timestampOf } from '../clock.js';
import { NotReadyError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ResultStore } from '../ports/result-store.js';
import type { VectorIndex } from '../ports/vector-index.js';
import type { VideoModel } from '../ports/video-model.js';
import { writeResultDocument } from '../result-document.js';
import type { RecordError, VideoResult } from '../result-schema.js';
import { readStoredTensors } from '../stored-tensors.js';
import { readSegmentEmbeddings, videoVectorsOf } from '../video-vectors.js';
import { recordErrorOf } from './classify.js';
import { doneRecord } from './done-record.js';

export interface RelabelDeps {
  model: VideoModel;
  artifacts: ObjectStore;
  results: ResultStore;
  /** Its vectors carry the labels a search filters on. */
  vectors: VectorIndex;
  now?: () => Date;
}

export type RelabelOutcome = { id: string; result: VideoResult } | { id: string; error: RecordError };

/**
 * New labels for a classified video from its stored embedding and visual tokens, through the score
 * graph only (no download, no decoding); the stored result, its document and its indexed labels are updated.
 */
export async function relabelVideo(deps: RelabelDeps, id: string, labels: LabelSet, top: number): Promise<VideoResult> {
  const record = await doneRecord(deps.results, id, `cannot relabel video ${id}`);
  const tensors = await readStoredTensors(deps.artifacts, record.result);
  const scores = await deps.model.scoreStored(tensors.embedding, tensors.visualTokens, { labels, top });
  // The timeline's windows were labelled with the old set and cannot be rescored without decoding.
  const { timeline: _staleTimeline, ...kept } = record.result;
  const result: VideoResult = { ...kept, labelSetId: labels.id, labels: scores };
  // The index first, as classify does: search reads labels from the record, the label filter from the index.
  const vectors = videoVectorsOf(result, tensors.embedding, await readSegmentEmbeddings(deps.artifacts, result));
  await deps.vectors.upsert(id, vectors.version, vectors.entries);
  if (!(await deps.results.relabel(id, record.source.version, result, timestampOf(deps)))) {
    throw new NotReadyError(`cannot relabel video ${id}`, 'a newer version of it arrived meanwhile');
  }
  await writeResultDocument(deps.artifacts, result);
  return result;
}

/** relabelVideo for each id in turn; one video's error does not stop the others. */
export async function relabelVideos(
  deps: RelabelDeps,
  ids: readonly string[],
  labels: LabelSet,
  top: number,
): Promise<RelabelOutcome[]> {
  const outcomes: RelabelOutcome[] = [];
  for (const id of ids) {
    try {
      outcomes.push({ id, result: await relabelVideo(deps, id, labels, top) });
    } catch (error) {
      outcomes.push({ id, error: recordErrorOf(error) });
    }
  }
  return outcomes;
}
