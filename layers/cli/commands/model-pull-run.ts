import { buildModel, type Precision } from '../../xclip/build.js';
import { defaultModelDir } from '../../xclip/model-location.js';
import { fetchModelWithProgress, reportBuildStage } from '../model-progress.js';

/** `xclip model pull`, imported when it runs. */
export async function run(
  repo: string,
  options: { revision: string; precision: Precision; out?: string; ortFormat: boolean },
): Promise<void> {
  const fetched = await fetchModelWithProgress({ repo, revision: options.revision });
  process.stderr.write(`fetched ${repo}@${fetched.commit ?? options.revision} into ${fetched.dir}\n`);
  const built = await buildModel({
    from: fetched.dir,
    out: options.out ?? defaultModelDir(options.precision),
    precision: options.precision,
    ortFormat: options.ortFormat,
    onStage: reportBuildStage,
  });
  process.stdout.write(`${built.dir}\n`);
}
