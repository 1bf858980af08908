import { buildModel, type Precision } from '../../xclip/build.js';
import { reportBuildStage } from '../model-progress.js';

/** `xclip model build`, imported when it runs. */
export async function run(options: { from: string; out: string; precision: Precision }): Promise<void> {
  const result = await buildModel({
    ...options,
    onStage: reportBuildStage,
  });
  const bytes = Object.values(result.manifest.files).reduce((sum, file) => sum + file.bytes, 0);
  process.stderr.write(
    `model written to ${result.dir}: ${result.manifest.precision}, ${(bytes / 1e6).toFixed(1)} MB in ${(result.ms / 1000).toFixed(1)} s\n`,
  );
}
