import cliProgress from 'cli-progress';
import { type DownloadProgress, type FetchedModel, type FetchModelOptions, fetchModel } from '../xclip/hub.js';

/** Progress output of the model commands, on stderr. */

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
        {
          stream: process.stderr,
          format: '{file} [{bar}] {percentage}% | {received}/{size} MB | ETA {eta_formatted}',
          hideCursor: true,
        },
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

/** fetchModel with a bar per file on a terminal, else one line per file once done. */
export async function fetchModelWithProgress(options: FetchModelOptions): Promise<FetchedModel> {
  const bars = process.stderr.isTTY ? progressBars() : undefined;
  let model: FetchedModel;
  try {
    model = await fetchModel({ ...options, onProgress: bars?.update });
  } finally {
    bars?.stop();
  }
  if (!bars)
    for (const file of model.files) process.stderr.write(`${file.name}: ${megabytes(file.bytes)} MB ${file.status}\n`);
  return model;
}

/** buildModel's onStage: one line per finished stage. */
export function reportBuildStage(stage: string, elapsedMs: number): void {
  process.stderr.write(`built ${stage} (${(elapsedMs / 1000).toFixed(1)} s)\n`);
}
