import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { VECTOR_DISTRIBUTIONS, type VectorDistribution } from '../../bench/unit-vectors.js';
import { commaList } from '../../common/comma-list.js';
import { MODEL_DIR_HELP } from '../../xclip/model-location.js';
import { lazyAction } from '../lazy-action.js';
import { executionProviderList, positiveInteger } from '../options.js';

function distributionList(value: string): VectorDistribution[] {
  return commaList(value).map((item) => {
    if (!VECTOR_DISTRIBUTIONS.includes(item as VectorDistribution))
      throw new InvalidArgumentError(`${item} is not one of ${VECTOR_DISTRIBUTIONS.join(', ')}`);
    return item as VectorDistribution;
  });
}

function positiveIntegerList(value: string): number[] {
  return commaList(value).map((item) => positiveInteger(item));
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure decode, vision, scoring and text encoding time, load time and memory of a built model')
    .option('--model <dir>', MODEL_DIR_HELP)
    .option('--runs <n>', 'timed runs after one warm-up', positiveInteger, 5)
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: all cores)', positiveInteger)
    .option(
      '--pytorch-checkpoint <dir>',
      'also time PyTorch fp32 (python3 + torch) on this HF checkpoint (config.json + model.safetensors) and print our total over it',
    )
    .option('--reference <dir>', 'also compare against this fp32 build of the same checkpoint (fidelity)')
    .option('--videos <n>', 'random videos for the fidelity comparison', positiveInteger, 32)
    .option(
      '--decode',
      'also time frame sampling from generated 10/60/600 s 720p videos (H.264 encoded for the fastest decoding and as cameras do, HEVC, VP9) and a 10 s 1080p phone-like H.264 one, with HEVC and VP9 over H.264',
    )
    .option('--throughput', 'instead: model-only throughput (vision + score, no decoding) per batch size')
    .option(
      '--batch <n>',
      "instead: end-to-end throughput of the GPU server's batch path over a request of n copies of a video",
      positiveInteger,
    )
    .option(
      '--execution-providers <list>',
      'with --throughput or --batch: ONNX Runtime execution providers in order of preference',
      executionProviderList,
      ['cpu'],
    )
    .option('--batch-sizes <list>', 'with --throughput: videos per run', positiveIntegerList, [1, 8])
    .option('--durations <list>', 'with --decode: seconds of the 720p videos (default 10,60,600)', positiveIntegerList)
    .option('--video <file>', 'the video to classify (default: the generated 10 s 720p H.264 one)')
    .option('--concurrency <n>', 'with --batch: videos decoded at once (default: all cores)', positiveInteger)
    .option('--max-video-batch <n>', 'with --batch: videos per shared vision run', positiveInteger, 32)
    .option('--search', 'instead: latency, recall and insert rate of the local vector index (no model needed)')
    .option('--vectors <list>', 'with --search: index sizes', positiveIntegerList, [10_000, 100_000, 1_000_000])
    .option('--distributions <list>', 'with --search: random, clustered or both', distributionList, [
      'random',
      'clustered',
    ])
    .option(
      '--search-api <videos>',
      'instead: POST /search end to end on the local server over this many seeded DONE videos (--model, --runs)',
      positiveInteger,
    )
    .option('--json', 'print one JSON object to stdout')
    .action(lazyAction(() => import('./bench-run.js')));
}
