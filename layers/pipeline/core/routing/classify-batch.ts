import type { ConcurrencyLimit } from '../../../common/concurrency.js';
import { modelInfoOf } from '../ports/video-model.js';
import type { SourceObject } from '../result-schema.js';
import {
  type ClassifyDeps,
  type ClassifyOutcome,
  type ClassifySettings,
  classifyDelivery,
  ObjectNotFoundError,
  recordErrorOf,
} from '../use-cases/classify.js';
import { videoIdFor } from '../video-id.js';
import { type GpuRequest, type GpuSummary, settingsOf, type VideoOutcome } from './gpu-request.js';
import { requestedVideos, resolveVideos } from './request-videos.js';

export interface BatchDeps extends ClassifyDeps {
  /** Tries per video; a video still failing after the last one is recorded FAILED. */
  maxAttempts: number;
  /**
   * Slots for videos being downloaded and classified, shared by every request in progress: decoding is CPU work,
   * so several decoders keep an accelerator busy (their vision runs share batches when the model was loaded with
   * maxVideoBatch), and concurrent requests take turns instead of multiplying the decoders.
   */
  slots: ConcurrencyLimit;
}

function outcomeOf(deps: BatchDeps, source: SourceObject, outcome: ClassifyOutcome): VideoOutcome {
  const { key } = source;
  if (outcome.status === 'DONE') {
    const { labels, timings } = outcome.result;
    return {
      status: 'DONE',
      key,
      id: outcome.id,
      source,
      labels,
      timings: { ...timings, executionProvider: deps.model.model.executionProvider },
    };
  }
  if (outcome.status === 'FAILED') return { status: 'FAILED', key, id: outcome.id, source, error: outcome.error };
  return { status: 'SKIPPED', key, id: outcome.id, source, reason: outcome.reason };
}

/**
 * One video through the Lambda path's own use case, a transient error tried again up to `maxAttempts` times: the
 * last attempt counts as a queue's last delivery, which records the video FAILED before its error is thrown.
 */
async function classifyWithAttempts(
  deps: BatchDeps,
  source: SourceObject,
  settings: ClassifySettings,
): Promise<VideoOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return outcomeOf(
        deps,
        source,
        await classifyDelivery(deps, source, settings, { receiveCount: attempt, maxReceives: deps.maxAttempts }),
      );
    } catch (error) {
      if (attempt >= deps.maxAttempts)
        return {
          status: 'FAILED',
          key: source.key,
          id: videoIdFor(source.bucket, source.key),
          source,
          error: recordErrorOf(error),
        };
    }
  }
}

/**
 * A GPU request (one video, a list, or a manifest): its videos are classified in the shared `deps.slots` and each
 * stored exactly as the Lambda classifier stores it (artifacts, result document, record); the summary says what
 * became of each, in the request's order. Request problems (malformed, unknown manifest, bad labels) are thrown
 * before anything is classified.
 */
export async function classifyBatch(deps: BatchDeps, request: GpuRequest): Promise<GpuSummary> {
  const started = performance.now();
  const { refs, options } = await requestedVideos(deps.sources, request);
  const settings = settingsOf(options);
  // This request's videos take turns with those of the other requests in progress, not after them all.
  const turn = Symbol('request');
  const videos = await Promise.all(
    (await resolveVideos(deps.sources, refs)).map(
      (video): Promise<VideoOutcome> =>
        'source' in video
          ? deps.slots.run(() => classifyWithAttempts(deps, video.source, settings), turn)
          : Promise.resolve({
              status: 'FAILED',
              key: video.missingKey,
              error: recordErrorOf(new ObjectNotFoundError(video.missingKey)),
            }),
    ),
  );
  const { executionProvider } = deps.model.model;
  const count = (status: VideoOutcome['status']) => videos.filter((video) => video.status === status).length;
  return {
    model: modelInfoOf(deps.model),
    executionProvider,
    videos,
    counts: { done: count('DONE'), failed: count('FAILED'), skipped: count('SKIPPED') },
    timings: { totalMs: performance.now() - started, executionProvider },
  };
}
