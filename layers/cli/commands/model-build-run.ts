import { buildModel, type Precision } from '../../xclip/build.js';
import { reportBuildStage } from '../model-progress.js';

/** `xclip model build`, imported when it runs. */
export async function run(options: {
  from: string;
  out: string;
  precision: Precision;
  ortFormat: boolean;
}): Promise<void> {
  const result = await buildModel({
    ...options,
    onStage: reportBuildStage,
  });
  const megabytes = (files: Array<{ bytes: number }>) =>
    (files.reduce((sum, file) => sum + file.bytes, 0) / 1e6).toFixed(1);
  const copies = result.manifest.ortFormat;
  const ortFormat = copies ? ` + ${megabytes(Object.values(copies.graphs))} MB of ORT-format copies` : '';
  process.stderr.write(
    `model written to ${result.dir}: ${result.manifest.precision}, ${megabytes(Object.values(result.manifest.files))} MB${ortFormat} in ${(result.ms / 1000).toFixed(1)} s\n`,
  );
}
