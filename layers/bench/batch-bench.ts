import { linkSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { ConcurrencyLimit } from '../common/concurrency.js';
import { XclipError } from '../common/errors.js';
import { type Timing, benchmarkVideo, summarizeRuns } from '../media/bench.js';
import { FsObjectStore } from '../pipeline/adapters/local/fs-object-store.js';
import { SqliteResultStore } from '../pipeline/adapters/local/sqlite-result-store.js';
import { VideoClassifier } from '../pipeline/classifier.js';
import { classifyBatch } from '../pipeline/routing/classify-batch.js';
import { BENCH_VIDEO } from './model-bench.js';

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
  /** Per video, as its result records them: vision includes the wait for a shared run. */
  perVideo: { decode: Timing; vision: Timing; score: Timing; total: Timing };
  peakRssMb: number;
}

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

/**
 * End-to-end throughput of the GPU server's batch path on this machine: one request of `videos` copies of a video
 * through classifyBatch (download from a local object store, decode, vision runs shared across concurrent videos,
 * scoring, results stored in SQLite), after one untimed warm-up video. What the SageMaker endpoint adds (S3 and
 * DynamoDB round trips, HTTP) is left out.
 */
export async function benchmarkBatch(options: BatchBenchOptions): Promise<BatchBenchResult> {
  const video = options.video ?? benchmarkVideo('h264', 10, { cacheDir: options.cacheDir });
  const concurrency = options.concurrency ?? availableParallelism();
  const maxVideoBatch = options.maxVideoBatch ?? 32;
  const work = mkdtempSync(join(tmpdir(), 'xclip-batch-bench-'));
  const results = new SqliteResultStore(join(work, 'results.db'));
  let classifier: VideoClassifier | undefined;
  try {
    classifier = await VideoClassifier.load({
      modelDir: options.modelDir, executionProviders: options.executionProviders, maxVideoBatch, threads: options.threads,
    });
    const sourceDir = join(work, 'videos');
    mkdirSync(sourceDir);
    const keys = Array.from({ length: options.videos + 1 }, (_, i) => `copy-${i}${extname(video)}`);
    for (const key of keys) linkSync(video, join(sourceDir, key));
    const sources = new FsObjectStore(sourceDir, 'videos');
    const deps = {
      model: classifier, sources, artifacts: new FsObjectStore(join(work, 'artifacts')), results,
      workDir: work, maxAttempts: 1, slots: new ConcurrencyLimit(concurrency),
    };
    const uri = (key: string) => `s3://videos/${key}`;
    const warmUp = (await classifyBatch(deps, { video: uri(keys[0]!) })).videos[0]!;
    if (warmUp.status !== 'DONE') {
      throw new XclipError('BENCH_VIDEO_FAILED', `cannot classify ${video}`, warmUp.status === 'FAILED' ? warmUp.error.message : warmUp.reason);
    }

    const started = performance.now();
    const summary = await classifyBatch(deps, { videos: keys.slice(1).map(uri) });
    const wallMs = performance.now() - started;
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
      perVideo: {
        decode: summarizeRuns(timings.map((t) => t.decodeMs)),
        vision: summarizeRuns(timings.map((t) => t.visionMs)),
        score: summarizeRuns(timings.map((t) => t.scoreMs)),
        total: summarizeRuns(timings.map((t) => t.totalMs)),
      },
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await classifier?.release();
    results.close();
    rmSync(work, { recursive: true, force: true });
  }
}
