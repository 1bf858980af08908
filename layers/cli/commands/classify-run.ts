import cliProgress from 'cli-progress';
import { describeError } from '../../common/errors.js';
import type { LabelScore, VideoClassification } from '../../pipeline/core/index.js';
import { loadClassifier } from '../../pipeline/core/index.js';
import { resolveLabelSet } from '../../xclip/label-sets.js';
import { defaultModelDir } from '../../xclip/model-location.js';

interface ClassifyCommandOptions {
  model: string;
  labels: string;
  top: number;
  views: '1x1' | '4x3';
  exact?: boolean;
  timeline?: number;
  json?: boolean;
  threads?: number;
  executionProviders: string[];
}

function formatLabels(labels: readonly LabelScore[]): string {
  return labels.map((l) => `  ${(l.score * 100).toFixed(1).padStart(5)}%  ${l.label}`).join('\n');
}

function formatResult(file: string, result: VideoClassification): string {
  const { video, timings } = result;
  const lines = [
    `${file}  (${video.durationSeconds.toFixed(1)} s, ${video.width}x${video.height} ${video.codec}; decode ${timings.decodeMs.toFixed(0)} ms, model ${(timings.visionMs + timings.scoreMs).toFixed(0)} ms)`,
    formatLabels(result.labels),
  ];
  for (const window of result.timeline ?? []) {
    lines.push(
      `  [${window.startSeconds.toFixed(1)}-${window.endSeconds.toFixed(1)} s] ${window.labels.map((l) => `${l.label} ${(l.score * 100).toFixed(0)}%`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function jsonResult(file: string, result: VideoClassification): object {
  return { file, ...result, embedding: Array.from(result.embedding), visualTokens: undefined };
}

/** A progress bar on stderr; `log` prints above it without breaking it. */
function progressDisplay(total: number): { log: (text: string) => void; advance: () => void; stop: () => void } {
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: 'classifying [{bar}] {value}/{total} videos | ETA {eta_formatted}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0);
  return { log: (text) => bars.log(text), advance: () => bar.increment(), stop: () => bars.stop() };
}

/**
 * From this many clips to encode on, the weights are pre-packed at load: that makes each clip's vision run about
 * 10% faster and the start about 0.75 s slower with the full-size model (BENCHMARKS.md, "Process start"), repaid
 * after about 25 clips. A timeline adds an unknown number of windows, each a clip of its own.
 */
const PREPACK_FROM_CLIPS = 24;
/** Clips the vision graph encodes per video in each view layout: one, or 4 clips x 3 crops. */
const CLIPS_PER_VIDEO = { '1x1': 1, '4x3': 12 } as const;

/** `xclip classify`, imported when it runs. */
export async function run(files: string[], options: ClassifyCommandOptions): Promise<void> {
  const labels = resolveLabelSet(options.labels);
  const classifier = await loadClassifier(
    {
      modelDir: options.model ?? defaultModelDir(),
      threads: options.threads,
      executionProviders: options.executionProviders,
      prepackWeights:
        options.timeline !== undefined || files.length * CLIPS_PER_VIDEO[options.views] >= PREPACK_FROM_CLIPS,
    },
    (line) => process.stderr.write(`xclip: warning: ${line}\n`),
  );
  const progress = files.length > 1 && process.stderr.isTTY ? progressDisplay(files.length) : undefined;
  const print = progress && process.stdout.isTTY ? progress.log : (text: string) => process.stdout.write(text);
  const results: object[] = [];
  let failed = 0;
  try {
    for (const file of files) {
      try {
        const result = await classifier.classifyFile(file, {
          labels,
          top: options.top,
          views: options.views,
          exact: options.exact,
          timelineSeconds: options.timeline,
        });
        if (options.json) results.push(jsonResult(file, result));
        else print(formatResult(file, result));
      } catch (error) {
        failed++;
        if (options.json)
          results.push({
            file,
            error: { code: (error as { code?: string }).code ?? 'ERROR', message: describeError(error) },
          });
        (progress?.log ?? ((text: string) => process.stderr.write(text)))(`xclip: ${file}: ${describeError(error)}\n`);
      }
      progress?.advance();
    }
  } finally {
    progress?.stop();
    await classifier.release();
  }
  if (options.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  if (failed > 0) process.exitCode = 1;
}
