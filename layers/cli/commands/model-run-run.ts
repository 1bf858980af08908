import { runModelOnFile } from '../../xclip/run-file.js';

/** `xclip model run`, imported when it runs. */
export async function run(options: { model: string; inputs: string; out: string }): Promise<void> {
  await runModelOnFile(options.model, options.inputs, options.out);
}
