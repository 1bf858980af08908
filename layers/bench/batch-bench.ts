import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ConcurrencyLimit } from '../common/concurrency.js';
import { XclipError } from '../common/errors.js';
import { FsObjectStore, LanceVectorIndex, SqliteResultStore } from '../pipeline/adapters/local/index.js';
import type { VideoOutcome } from '../pipeline/core/index.js';
import { classifyBatch, VideoClassifier } from '../pipeline/core/index.js';
import { BENCH_VIDEO, benchVideoPath, summarizeStages } from './model-bench.js';
import type { Timing } from './timing.js';

/** What `xclip bench --batch N --json` prints. */
export interface BatchBenchResult {
  model: string;
  precision: string;
  executionProvider: string;
  video: string;
  videos: number;
  concurrency: number;
  maxVideoBatch: number;
  loadMs: number;
  /** Wall time of the whole request, from the first download to the last record. */
  wallMs: number;
  videosPerSecond: number;
  done: number;
  failed: number;
  skipped: number;
  /** The first few videos that did not end DONE, and why. */
  failures: BatchBenchFailure[];
  /** Per video DONE, as its result records them (vision includes the wait for a shared run); absent when none was. */
  perVideo?: { decode: Timing; vision: Timing; score: Timing; total: Timing };
  /** This process only: ffmpeg's processes are not counted. */
  peakRssMb: number;
  /**
   * How late this process's event loop ran its callbacks during the request (1 ms resolution): what a request to
   * a server classifying at this rate would wait on top of its own work.
   */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

export interface BatchBenchFailure {
  key: string;
  status: 'FAILED' | 'SKIPPED';
  reason: string;
}

const MAX_FAILURES_SHOWN = 5;

export interface BatchBenchOptions {
  modelDir: string;
  /** Copies of the video in the request. */
  videos: number;
  /** Video classified (default: the generated 10 s 720p H.264 benchmark video). */
  video?: string;
  executionProviders?: string[];
  /** Videos decoded at once (default: the CPU cores). */
  concurrency?: number;
  /** Videos per shared vision run (default 32). */
  maxVideoBatch?: number;
  threads?: number;
  cacheDir?: string;
}

/** `video` under `path` without copying it where the filesystem allows (a hard link, else a symbolic one). */
function linkVideo(video: string, path: string): void {
  try {
    linkSync(video, path);
  } catch {
    symlinkSync(resolve(video), path);
  }
}

function failureOf(outcome: VideoOutcome): BatchBenchFailure | undefined {
  if (outcome.status === 'FAILED')
    return { key: outcome.key, status: outcome.status, reason: `${outcome.error.code}: ${outcome.error.message}` };
  if (outcome.status === 'SKIPPED') return { key: outcome.key, status: outcome.status, reason: outcome.reason };
  return undefined;
}

/**
 * End-to-end throughput of the GPU server's batch path on this machine: one request of `videos` copies of a video
 * through classifyBatch (download from a local object store, decode, vision runs shared across concurrent videos,
 * scoring, results stored in SQLite), after an untimed warm-up request of `concurrency` copies (so the first runs
 * of each batch size are not timed). What the SageMaker endpoint adds (S3 and DynamoDB round trips, HTTP) is
 * left out.
 */
export async function benchmarkBatch(options: BatchBenchOptions): Promise<BatchBenchResult> {
  const video = options.video ?? benchVideoPath(options.cacheDir);
  const concurrency = options.concurrency ?? availableParallelism();
  const maxVideoBatch = options.maxVideoBatch ?? 32;
  const work = mkdtempSync(join(tmpdir(), 'xclip-batch-bench-'));
  let results: SqliteResultStore | undefined;
  let classifier: VideoClassifier | undefined;
  try {
    results = new SqliteResultStore(join(work, 'results.db'));
    classifier = await VideoClassifier.load({
      modelDir: options.modelDir,
      executionProviders: options.executionProviders,
      maxVideoBatch,
      threads: options.threads,
    });
    const sourceDir = join(work, 'videos');
    mkdirSync(sourceDir);
    const uris = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => {
        const key = `${prefix}-${i}${extname(video)}`;
        linkVideo(video, join(sourceDir, key));
        return `s3://videos/${key}`;
      });
    const sources = new FsObjectStore(sourceDir, 'videos');
    const deps = {
      model: classifier,
      sources,
      artifacts: new FsObjectStore(join(work, 'artifacts')),
      results,
      // Indexed as `xclip serve` indexes them, so the batch pays for it too.
      vectors: await LanceVectorIndex.open({
        directory: join(work, 'vectors'),
        dimension: classifier.model.projectionDim,
      }),
      workDir: work,
      maxAttempts: 1,
      slots: new ConcurrencyLimit(concurrency),
    };
    const warmUpFailure = (
      await classifyBatch(deps, { videos: uris('warm-up', Math.min(concurrency, options.videos)) })
    ).videos
      .map(failureOf)
      .find(Boolean);
    if (warmUpFailure) throw new XclipError('BENCH_VIDEO_FAILED', `cannot classify ${video}`, warmUpFailure.reason);

    const request = { videos: uris('copy', options.videos) };
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const started = performance.now();
    const summary = await classifyBatch(deps, request);
    const wallMs = performance.now() - started;
    loopDelay.disable();
    const timings = summary.videos.flatMap((outcome) => (outcome.status === 'DONE' ? [outcome.timings] : []));
    return {
      model: classifier.model.id,
      precision: classifier.model.precision,
      executionProvider: classifier.model.executionProvider,
      video: options.video ?? BENCH_VIDEO,
      videos: options.videos,
      concurrency,
      maxVideoBatch,
      loadMs: classifier.loadMs,
      wallMs,
      videosPerSecond: (1000 * summary.counts.done) / wallMs,
      done: summary.counts.done,
      failed: summary.counts.failed,
      skipped: summary.counts.skipped,
      failures: summary.videos.flatMap((outcome) => failureOf(outcome) ?? []).slice(0, MAX_FAILURES_SHOWN),
      perVideo: timings.length === 0 ? undefined : summarizeStages(timings),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      eventLoopDelayMs: {
        p50: loopDelay.percentile(50) / 1e6,
        p99: loopDelay.percentile(99) / 1e6,
        max: loopDelay.max / 1e6,
      },
    };
  } finally {
    try {
      await classifier?.release();
    } finally {
      results?.close();
      rmSync(work, { recursive: true, force: true });
    }
  }
}
