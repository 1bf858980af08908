import { availableParallelism } from 'node:os';
import { VideoClassifier } from '../pipeline/core/index.js';
import { DEFAULT_LABEL_SET, type LabelSet, resolveLabelSet } from '../xclip/label-sets.js';
import { BENCHMARK_VIDEO, benchmarkVideo } from './decode-bench.js';
import { type PytorchModelTime, pytorchRatios, timePytorchModel } from './pytorch-bench.js';
import { summarizeRuns, type Timing } from './timing.js';

/** Median and minimum of each stage over classifications' timings. */
export function summarizeStages(
  timings: ReadonlyArray<{ decodeMs: number; visionMs: number; scoreMs: number; totalMs: number }>,
): { decode: Timing; vision: Timing; score: Timing; total: Timing } {
  return {
    decode: summarizeRuns(timings.map((t) => t.decodeMs)),
    vision: summarizeRuns(timings.map((t) => t.visionMs)),
    score: summarizeRuns(timings.map((t) => t.scoreMs)),
    total: summarizeRuns(timings.map((t) => t.totalMs)),
  };
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
  /** PyTorch fp32's model time on the same labels and threads, and our total per video over it. */
  pytorch?: PytorchModelTime & { ratios: ReturnType<typeof pytorchRatios> };
}

export interface ModelBenchOptions {
  modelDir: string;
  runs?: number;
  threads?: number;
  /** Where the generated benchmark video is kept between runs. */
  cacheDir?: string;
  /** The video to classify instead of the generated one. */
  video?: string;
  /** An HF checkpoint (config.json + model.safetensors) to time in PyTorch fp32 after the model, in the same run. */
  pytorchCheckpoint?: string;
}

const BENCH_SECONDS = 10;
const { height, fps, gopFrames } = BENCHMARK_VIDEO;
export const BENCH_VIDEO = `${height}p H.264, ${BENCH_SECONDS} s, ${fps} fps, keyframe every ${gopFrames} frames`;

/** The video BENCH_VIDEO describes, generated on first use into `cacheDir`. */
export function benchVideoPath(cacheDir?: string): string {
  return benchmarkVideo('h264', BENCH_SECONDS, { cacheDir });
}

/**
 * Per-video cost of classification on this machine, through the same VideoClassifier that
 * `xclip classify` uses: decode, vision graph, and scoring against the 400 Kinetics labels, after one
 * warm-up run; plus text encoding per label and model load time (the vision and score graphs: text loads on first use).
 */
export async function benchmarkModel(options: ModelBenchOptions): Promise<ModelBenchResult> {
  const runs = options.runs ?? 5;
  const threads = options.threads ?? availableParallelism();
  const video = options.video ?? benchVideoPath(options.cacheDir);
  const labels = resolveLabelSet(DEFAULT_LABEL_SET);
  // PyTorch first, so a missing torch fails at once; its process has exited before the classifier loads.
  const pytorch = options.pytorchCheckpoint
    ? await timePytorchModel({ checkpointDir: options.pytorchCheckpoint, labels, threads, runs })
    : undefined;
  const result = await benchmarkClassifier(options.modelDir, video, labels, runs, threads);
  const named = { ...result, video: options.video ?? BENCH_VIDEO };
  return pytorch ? { ...named, pytorch: { ...pytorch, ratios: pytorchRatios(result.total.medianMs, pytorch) } } : named;
}

async function benchmarkClassifier(
  modelDir: string,
  video: string,
  labels: LabelSet,
  runs: number,
  threads: number,
): Promise<Omit<ModelBenchResult, 'video' | 'pytorch'>> {
  const classifier = await VideoClassifier.load({ modelDir, threads });
  try {
    // The text graph and the tokenizer load on first use: one label, untimed, so the figure is encoding alone.
    await classifier.textFeatures(labels.names.slice(0, 1));
    const textStarted = performance.now();
    await classifier.textFeatures(labels.names);
    const textMsPerLabel = (performance.now() - textStarted) / labels.names.length;

    await classifier.classifyFile(video, { labels });
    const timings = [];
    for (let run = 0; run < runs; run++) timings.push((await classifier.classifyFile(video, { labels })).timings);
    return {
      model: classifier.model.id,
      precision: classifier.model.precision,
      threads,
      runs,
      labels: labels.names.length,
      loadMs: classifier.loadMs,
      ...summarizeStages(timings),
      textMsPerLabel,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    };
  } finally {
    await classifier.release();
  }
}
