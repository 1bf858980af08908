import { fetchModelWithProgress } from '../model-progress.js';

/** `xclip model fetch`, imported when it runs. */
export async function run(repo: string, options: { revision: string; out?: string; timeout: number }): Promise<void> {
  const model = await fetchModelWithProgress({
    repo,
    revision: options.revision,
    out: options.out,
    timeoutMs: options.timeout * 1000,
  });
  process.stdout.write(`${model.dir}\n`);
}
