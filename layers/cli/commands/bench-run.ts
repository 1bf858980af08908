import { type BatchBenchResult, benchmarkBatch } from '../../bench/batch-bench.js';
import { benchmarkDecode, codecRatios, type DecodeBenchmarkResult } from '../../bench/decode-bench.js';
import { type FidelityResult, measureFidelity } from '../../bench/fidelity.js';
import { benchmarkModel, type ModelBenchResult } from '../../bench/model-bench.js';
import { benchmarkSearchApi } from '../../bench/search-api-bench.js';
import { benchmarkSearch, type QueryMeasurement, type SearchBenchResult } from '../../bench/search-bench.js';
import { benchmarkThroughput, type ThroughputResult } from '../../bench/throughput-bench.js';
import type { Timing } from '../../bench/timing.js';
import type { VectorDistribution } from '../../bench/unit-vectors.js';
import { defaultModelDir } from '../../xclip/model-location.js';

const ms = (t: Timing) => `${t.medianMs.toFixed(0).padStart(6)} ms median, ${t.minMs.toFixed(0).padStart(6)} ms min`;

function formatModelBench(r: ModelBenchResult): string {
  return [
    `model ${r.model} (${r.precision}), ${r.threads} threads, ${r.runs} runs on ${r.video}`,
    `  load          ${r.loadMs.toFixed(0).padStart(6)} ms`,
    `  decode        ${ms(r.decode)}`,
    `  vision        ${ms(r.vision)}`,
    `  score (${r.labels})   ${ms(r.score)}`,
    `  total         ${ms(r.total)}`,
    `  text          ${r.textMsPerLabel.toFixed(2).padStart(6)} ms per label (${((r.textMsPerLabel * r.labels) / 1000).toFixed(2)} s for ${r.labels})`,
    `  peak RSS      ${r.peakRssMb.toFixed(0).padStart(6)} MB`,
  ].join('\n');
}

function formatPytorch(p: NonNullable<ModelBenchResult['pytorch']>): string {
  return [
    `PyTorch ${p.torch} fp32 model time, ${p.threads} threads, ${p.runs} runs, video [${p.pixelValues.join(',')}], ${p.labels} labels of ${p.tokenLength} tokens (load ${p.loadMs.toFixed(0)} ms)`,
    `  vision + prompts + logits vs ${p.labels} text features  ${ms(p.videoWithTextFeatures)}  (our total ${p.ratios.endToEndOverVideoWithTextFeatures.toFixed(2)}x)`,
    `  full forward with ${p.labels} texts                     ${ms(p.fullForward)}  (our total ${p.ratios.endToEndOverFullForward.toFixed(2)}x)`,
  ].join('\n');
}

function formatFidelity(f: FidelityResult): string {
  return [
    `fidelity of ${f.precision} against ${f.reference} (${f.videos} random videos, ${f.labels} labels)`,
    `  video embedding cosine  mean ${f.videoEmbedCosine.mean.toFixed(5)}, min ${f.videoEmbedCosine.min.toFixed(5)}`,
    `  text feature cosine     mean ${f.textFeatureCosine.mean.toFixed(5)}, min ${f.textFeatureCosine.min.toFixed(5)}`,
    `  top-1 agreement ${(f.top1Agreement * 100).toFixed(1)}%, top-5 overlap ${(f.top5Agreement * 100).toFixed(1)}%, max logit delta ${f.maxLogitDelta.toFixed(4)}`,
  ].join('\n');
}

function formatDecode(d: DecodeBenchmarkResult): string {
  const rows = d.cases.map((c) => {
    const video = `${c.codec.padEnd(5)} ${c.format.height}p GOP ${String(c.format.gopFrames).padStart(3)}${c.format.phoneLike ? ' phone' : '      '} ${String(c.durationSeconds).padStart(4)} s`;
    const read =
      c.bytesRead === undefined
        ? ''
        : `  ${(c.bytesRead / 1e6).toFixed(1).padStart(6)} MB read of ${(c.fileBytes / 1e6).toFixed(1)}`;
    return `  ${video}  ${c.sampled.medianMs.toFixed(0).padStart(6)} ms sampled  ${c.exact.medianMs.toFixed(0).padStart(6)} ms exact (median)${read}`;
  });
  const times = (ratio: number | undefined) => (ratio === undefined ? '    -' : `${ratio.toFixed(2)}x`);
  const ratios = codecRatios(d.cases).map(
    (r) =>
      `  ${r.codec.padEnd(5)} ${String(r.durationSeconds).padStart(4)} s over H.264: ${times(r.overFastestH264)} fastest-decoding, ${times(r.overCameraH264)} camera-encoded`,
  );
  return [`decode: ${d.frames} frames at ${d.size}, ${d.decoder} decoder, ${d.ffmpegVersion}`, ...rows, ...ratios].join(
    '\n',
  );
}

function formatThroughput(t: ThroughputResult): string {
  const rows = t.cases.map(
    (c) =>
      `  batch ${String(c.batch).padStart(3)}  ${c.batchMs.medianMs.toFixed(1).padStart(8)} ms median  ${c.perVideoMs.toFixed(1).padStart(7)} ms per video  ${c.videosPerSecond.toFixed(1).padStart(7)} videos/s`,
  );
  return [
    `throughput of ${t.model} (${t.precision}) on ${t.executionProviders.join(',')}, vision + score vs ${t.labels} labels, load ${t.loadMs.toFixed(0)} ms`,
    ...rows,
  ].join('\n');
}

function formatBatch(b: BatchBenchResult): string {
  const lines = [
    `batch path of ${b.model} (${b.precision}) on ${b.executionProvider}: ${b.videos} x ${b.video}, ${b.concurrency} at once, vision runs of up to ${b.maxVideoBatch}`,
    `  ${b.done} done, ${b.failed} failed, ${b.skipped} skipped in ${(b.wallMs / 1000).toFixed(2)} s: ${b.videosPerSecond.toFixed(2)} videos/s (load ${b.loadMs.toFixed(0)} ms)`,
  ];
  if (b.perVideo) {
    lines.push(
      `  per video: decode ${ms(b.perVideo.decode)}`,
      `             vision ${ms(b.perVideo.vision)} (with the wait for a shared run)`,
      `             score  ${ms(b.perVideo.score)}`,
      `             total  ${ms(b.perVideo.total)}`,
    );
  }
  lines.push(
    ...b.failures.map((f) => `  ${f.status} ${f.key}: ${f.reason}`),
    `  peak RSS ${b.peakRssMb.toFixed(0)} MB (this process); event loop delay p50 ${b.eventLoopDelayMs.p50.toFixed(1)} ms, p99 ${b.eventLoopDelayMs.p99.toFixed(1)} ms, max ${b.eventLoopDelayMs.max.toFixed(1)} ms`,
  );
  return lines.join('\n');
}

function formatSearch(r: SearchBenchResult): string {
  const latency = (m: QueryMeasurement) =>
    `p50 ${m.p50Ms.toFixed(1).padStart(6)} ms  p99 ${m.p99Ms.toFixed(1).padStart(6)} ms  recall@10 ${m.recallAt10.toFixed(3)}`;
  const rows = r.search.map(
    (row) =>
      `  ${row.distribution.padEnd(9)} ${String(row.vectors).padStart(8)}  ${latency(row)}  (settled: ${latency(row.settled)}, server RSS ${row.settled.rssMb} MB, peak ${row.settled.peakRssMb} MB)  ${row.insertPerSecond.toFixed(0).padStart(6)} inserts/s  writer RSS ${row.rssMb} MB (peak ${row.peakRssMb} MB)`,
  );
  return [`search: ${r.engine}, ${r.dimension}-d unit vectors, ${r.queries} queries of k = 10`, ...rows].join('\n');
}

interface BenchOptions {
  model?: string;
  runs: number;
  threads?: number;
  reference?: string;
  pytorchCheckpoint?: string;
  videos: number;
  decode?: boolean;
  durations?: number[];
  throughput?: boolean;
  batch?: number;
  executionProviders: string[];
  batchSizes: number[];
  video?: string;
  concurrency?: number;
  maxVideoBatch: number;
  json?: boolean;
  search?: boolean;
  searchApi?: number;
  vectors: number[];
  distributions: VectorDistribution[];
}

/** `xclip bench`, imported when it runs. */
export async function run(options: BenchOptions): Promise<void> {
  if (options.search) {
    const search = await benchmarkSearch({
      sizes: options.vectors,
      distributions: options.distributions,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(options.json ? `${JSON.stringify(search, null, 2)}\n` : `${formatSearch(search)}\n`);
    return;
  }
  const modelDir = options.model ?? defaultModelDir();
  if (options.searchApi !== undefined) {
    const searchApi = await benchmarkSearchApi({
      modelDir,
      videos: options.searchApi,
      queries: options.runs,
      threads: options.threads,
      onProgress: (message) => process.stderr.write(`${message}\n`),
    });
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ searchApi }, null, 2)}\n`
        : `POST /search over ${searchApi.videos} videos (${searchApi.model} ${searchApi.precision}, ${searchApi.dimension}-d, k ${searchApi.k}): p50 ${searchApi.p50Ms.toFixed(1)} ms, p99 ${searchApi.p99Ms.toFixed(1)} ms over ${searchApi.queries} requests; seeded in ${searchApi.seedSeconds.toFixed(0)} s; peak RSS ${searchApi.peakRssMb.toFixed(0)} MB\n`,
    );
    return;
  }
  if (options.batch !== undefined) {
    const batch = await benchmarkBatch({
      modelDir,
      videos: options.batch,
      video: options.video,
      executionProviders: options.executionProviders,
      concurrency: options.concurrency,
      maxVideoBatch: options.maxVideoBatch,
      threads: options.threads,
    });
    process.stdout.write(options.json ? `${JSON.stringify(batch, null, 2)}\n` : `${formatBatch(batch)}\n`);
    // Numbers over videos that failed are not the path's: say so in the exit status too.
    if (batch.failed + batch.skipped > 0) process.exitCode = 1;
    return;
  }
  if (options.throughput) {
    const throughput = await benchmarkThroughput({
      modelDir,
      executionProviders: options.executionProviders,
      batchSizes: options.batchSizes,
      runs: options.runs,
      threads: options.threads,
    });
    process.stdout.write(
      options.json ? `${JSON.stringify(throughput, null, 2)}\n` : `${formatThroughput(throughput)}\n`,
    );
    return;
  }
  const result = await benchmarkModel({
    modelDir,
    runs: options.runs,
    threads: options.threads,
    video: options.video,
    pytorchCheckpoint: options.pytorchCheckpoint,
  });
  const fidelity = options.reference
    ? await measureFidelity({
        modelDir,
        referenceDir: options.reference,
        videos: options.videos,
        threads: options.threads,
      })
    : undefined;
  const decode = options.decode
    ? await benchmarkDecode({
        durationsSeconds: options.durations,
        repeats: options.runs,
        onProgress: (message) => process.stderr.write(`${message}\n`),
      })
    : undefined;
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ ...result, ...(fidelity ? { fidelity } : {}), ...(decode ? { decodeSuite: decode } : {}) }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(
      `${[
        formatModelBench(result),
        result.pytorch && formatPytorch(result.pytorch),
        fidelity && formatFidelity(fidelity),
        decode && formatDecode(decode),
      ]
        .filter(Boolean)
        .join('\n')}\n`,
    );
  }
}
