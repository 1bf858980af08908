import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mediaTools } from '../media/index.js';
import { VideoClassifier } from '../pipeline/classifier.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from '../xclip/label-sets.js';

export interface Timing {
  medianMs: number;
  minMs: number;
}

/** What `xclip bench --json` prints (DESIGN.md "Benchmarks"). */
export interface ModelBenchResult {
  model: string;
  precision: string;
  threads: number;
  runs: number;
  video: string;
  labels: number;
  loadMs: number;
  decode: Timing;
  vision: Timing;
  score: Timing;
  total: Timing;
  textMsPerLabel: number;
  peakRssMb: number;
}

export interface ModelBenchOptions {
  modelDir: string;
  runs?: number;
  threads?: number;
  /** Where the generated benchmark video is kept between runs. */
  cacheDir?: string;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { medianMs: median, minMs: sorted[0]! };
}

export const BENCH_VIDEO = '720p H.264, 10 s, 30 fps, keyframe every 250 frames';

/** The per-video benchmark clip, made once with ffmpeg: 720p H.264 with a 250-frame GOP. */
export function benchVideo(cacheDir: string): string {
  const path = join(cacheDir, 'bench-720p-h264-10s.mp4');
  if (!existsSync(path)) {
    mkdirSync(cacheDir, { recursive: true });
    execFileSync(mediaTools().ffmpeg, [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-t', '10',
      '-c:v', 'libx264', '-preset', 'veryfast', '-g', '250', '-pix_fmt', 'yuv420p', '-y', `${path}.part.mp4`,
    ]);
    renameSync(`${path}.part.mp4`, path);
  }
  return path;
}

/**
 * Per-video cost of classification on this machine, through the same VideoClassifier that
 * `xclip classify` uses: decode, vision graph, and scoring against the 400 Kinetics labels, after one
 * warm-up run; plus text encoding per label and model load time.
 */
export async function benchmarkModel(options: ModelBenchOptions): Promise<ModelBenchResult> {
  const runs = options.runs ?? 5;
  const threads = options.threads ?? availableParallelism();
  const video = benchVideo(options.cacheDir ?? join(tmpdir(), 'xclip-bench'));
  const labels = resolveLabelSet(DEFAULT_LABEL_SET);
  const classifier = await VideoClassifier.load({ modelDir: options.modelDir, threads });
  try {
    const textStarted = performance.now();
    await classifier.textFeatures(labels.names);
    const textMsPerLabel = (performance.now() - textStarted) / labels.names.length;

    await classifier.classifyFile(video, { labels });
    const samples = { decode: [] as number[], vision: [] as number[], score: [] as number[], total: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const { timings } = await classifier.classifyFile(video, { labels });
      samples.decode.push(timings.decodeMs);
      samples.vision.push(timings.visionMs);
      samples.score.push(timings.scoreMs);
      samples.total.push(timings.totalMs);
    }
    return {
      model: classifier.model.id,
      precision: classifier.model.precision,
      threads,
      runs,
      video: BENCH_VIDEO,
      labels: labels.names.length,
      loadMs: classifier.loadMs,
      decode: timing(samples.decode),
      vision: timing(samples.vision),
      score: timing(samples.score),
      total: timing(samples.total),
      textMsPerLabel,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await classifier.release();
  }
}
