import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_REPO, DEFAULT_REVISION, DEFAULT_TIMEOUT_MS, type DownloadProgress, type FetchedModel, fetchModel } from '../../xclip/hub.js';
import { modelCommand } from './model.js';
import { positiveNumber } from '../options.js';

const megabytes = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** One bar per file on a terminal's stderr. */
function progressBars(): { update: (progress: DownloadProgress) => void; stop: () => void } {
  let bar: cliProgress.SingleBar | undefined;
  let barFile: string | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const update = ({ file, receivedBytes, totalBytes }: DownloadProgress): void => {
    const total = totalBytes ?? receivedBytes;
    const payload = { file: file.padEnd(24), received: megabytes(receivedBytes), size: megabytes(total) };
    if (file !== barFile) {
      stop();
      barFile = file;
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: '{file} [{bar}] {percentage}% | {received}/{size} MB | ETA {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, receivedBytes, payload);
    } else {
      bar?.setTotal(total);
      bar?.update(receivedBytes, payload);
    }
  };
  return { update, stop };
}

export function registerModelFetchCommand(program: Command): void {
  modelCommand(program)
    .command('fetch')
    .description('download an X-CLIP checkpoint (config, safetensors weights, tokenizer, processor config) from the Hugging Face hub; prints its directory')
    .argument('[repo]', 'hub repository', DEFAULT_REPO)
    .option('--revision <revision>', 'branch, tag, commit or refs/pr/N', DEFAULT_REVISION)
    .option('--out <dir>', 'output directory (default: $HF_HOME/xclip/<repo>/<revision>)')
    .option('--timeout <seconds>', 'give up when the hub sends nothing for this long', positiveNumber, DEFAULT_TIMEOUT_MS / 1000)
    .action(async (repo: string, options: { revision: string; out?: string; timeout: number }) => {
      const bars = process.stderr.isTTY ? progressBars() : undefined;
      let model: FetchedModel;
      try {
        model = await fetchModel({ repo, revision: options.revision, out: options.out, timeoutMs: options.timeout * 1000, onProgress: bars?.update });
      } finally {
        bars?.stop();
      }
      if (!bars) for (const file of model.files) process.stderr.write(`${file.name}: ${megabytes(file.bytes)} MB ${file.status}\n`);
      process.stdout.write(`${model.dir}\n`);
    });
}
