import { type Command, InvalidArgumentError } from 'commander';
import { type ModelBenchResult, type Timing, benchmarkModel } from '../../bench/model-bench.js';
import { defaultModelDir } from '../../xclip/model-location.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

const ms = (t: Timing) => `${t.medianMs.toFixed(0).padStart(6)} ms median, ${t.minMs.toFixed(0).padStart(6)} ms min`;

function formatModelBench(r: ModelBenchResult): string {
  return [
    `model ${r.model} (${r.precision}), ${r.threads} threads, ${r.runs} runs on ${r.video}`,
    `  load          ${r.loadMs.toFixed(0).padStart(6)} ms`,
    `  decode        ${ms(r.decode)}`,
    `  vision        ${ms(r.vision)}`,
    `  score (${r.labels})   ${ms(r.score)}`,
    `  total         ${ms(r.total)}`,
    `  text          ${r.textMsPerLabel.toFixed(2).padStart(6)} ms per label (${(r.textMsPerLabel * r.labels / 1000).toFixed(2)} s for ${r.labels})`,
    `  peak RSS      ${r.peakRssMb.toFixed(0).padStart(6)} MB`,
  ].join('\n');
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure decode, vision, scoring and text encoding time, load time and memory of a built model')
    .option('--model <dir>', 'built model directory (default: $XCLIP_MODEL_DIR or models/xclip-base-patch32-int8)')
    .option('--runs <n>', 'timed runs after one warm-up', positiveInteger, 5)
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', positiveInteger)
    .option('--json', 'print one JSON object to stdout')
    .action(async (options: { model?: string; runs: number; threads?: number; json?: boolean }) => {
      const result = await benchmarkModel({ modelDir: options.model ?? defaultModelDir(), runs: options.runs, threads: options.threads });
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatModelBench(result)}\n`);
    });
}
