import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { UsageError, XclipError } from '../common/errors.js';
import { stderrSummary } from '../media/tools.js';
import { CLIP_BPE_DIR } from '../xclip/clip-bpe.js';
import { readXclipConfig } from '../xclip/config.js';
import type { LabelSet } from '../xclip/label-sets.js';
import { ClipTokenizer } from '../xclip/tokenizer.js';
import type { Timing } from './timing.js';

/** The PyTorch re-implementation of HF's X-CLIP forward; scripts/build-cli.mjs copies it beside the CLI's chunks. */
export const PYTORCH_REFERENCE_SCRIPT = fileURLToPath(
  new URL('./pytorch-reference/xclip_reference.py', import.meta.url),
);

/** The script's exit status when torch cannot be imported. */
const TORCH_MISSING_STATUS = 3;

/** python3 or torch is not there: the PyTorch reference cannot run on this machine. */
export class PytorchUnavailableError extends XclipError {
  constructor(why: string) {
    super(
      'PYTORCH_UNAVAILABLE',
      'cannot run the PyTorch reference',
      `${why}; install python3 and torch (apt-get install python3-torch) or set PYTHON to a python with torch`,
    );
  }
}

export class PytorchReferenceError extends XclipError {
  constructor(why: string) {
    super('PYTORCH_REFERENCE_FAILED', 'the PyTorch reference failed', why);
  }
}

/** Runs the reference script with `args`, `stdin` on its standard input; its one JSON object. */
export async function runPytorchReference(
  args: readonly string[],
  stdin = '',
  env: NodeJS.ProcessEnv = process.env,
): Promise<unknown> {
  const python = env.PYTHON || 'python3';
  const pending = promisify(execFile)(python, [PYTORCH_REFERENCE_SCRIPT, ...args], { maxBuffer: 64 * 1024 * 1024 });
  // A python that never started closes this pipe under the write: the spawn error below says why.
  pending.child.stdin!.on('error', () => {});
  pending.child.stdin!.end(stdin);
  let stdout: string;
  try {
    ({ stdout } = await pending);
  } catch (error) {
    const { code, stderr } = error as { code?: string | number; stderr?: string };
    if (code === 'ENOENT') throw new PytorchUnavailableError(`${python} not found`);
    const why = stderrSummary(stderr ?? '') || (error as Error).message;
    if (code === TORCH_MISSING_STATUS) throw new PytorchUnavailableError(why);
    throw new PytorchReferenceError(why);
  }
  try {
    return JSON.parse(stdout);
  } catch {
    throw new PytorchReferenceError(`not one JSON object on stdout: ${stdout.slice(0, 200)}`);
  }
}

/** What the script's `time` mode prints. */
export interface PytorchModelTime {
  torch: string;
  threads: number;
  runs: number;
  pixelValues: number[];
  labels: number;
  tokenLength: number;
  loadMs: number;
  /** Vision + MIT + video-conditioned prompts + logits against precomputed text features: our int8 path's work. */
  videoWithTextFeatures: Timing;
  /** XCLIPModel.forward with the label texts: the text tower runs every time. */
  fullForward: Timing;
}

export interface PytorchModelTimeOptions {
  /** An HF checkpoint: config.json and model.safetensors. */
  checkpointDir: string;
  labels: LabelSet;
  threads: number;
  runs: number;
}

/**
 * fp32 model time of the HF X-CLIP forward in PyTorch on a random video of the checkpoint's size and the label
 * texts, CLIP-tokenized and padded to the longest as HF's processor pads them.
 */
export async function timePytorchModel(options: PytorchModelTimeOptions): Promise<PytorchModelTime> {
  const { checkpointDir } = options;
  readXclipConfig(join(checkpointDir, 'config.json'));
  if (!existsSync(join(checkpointDir, 'model.safetensors'))) {
    throw new UsageError(
      `no model.safetensors in ${checkpointDir}`,
      'the PyTorch checkpoint is an HF one (config.json + model.safetensors), such as `xclip model random` writes',
    );
  }
  const batch = ClipTokenizer.fromDirectory(CLIP_BPE_DIR).encodeBatch(options.labels.names, { padToLongest: true });
  const rows = (ids: BigInt64Array) =>
    Array.from({ length: batch.rows }, (_, row) =>
      Array.from(ids.subarray(row * batch.length, (row + 1) * batch.length), Number),
    );
  const tokens = JSON.stringify({ input_ids: rows(batch.inputIds), attention_mask: rows(batch.attentionMask) });
  const args = ['time', checkpointDir, '--threads', String(options.threads), '--runs', String(options.runs)];
  return (await runPytorchReference(args, tokens)) as PytorchModelTime;
}

/** How many times PyTorch's model time our end-to-end time per video is, against each PyTorch figure. */
export function pytorchRatios(endToEndMs: number, pytorch: PytorchModelTime) {
  return {
    endToEndOverVideoWithTextFeatures: endToEndMs / pytorch.videoWithTextFeatures.medianMs,
    endToEndOverFullForward: endToEndMs / pytorch.fullForward.medianMs,
  };
}
