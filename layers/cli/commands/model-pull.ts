import { type Command, Option } from 'commander';
import { buildModel, PRECISIONS, type Precision } from '../../xclip/build.js';
import { DEFAULT_REPO, DEFAULT_REVISION } from '../../xclip/hub.js';
import { defaultModelDir } from '../../xclip/model-location.js';
import { fetchModelWithProgress, reportBuildStage } from '../model-progress.js';
import { modelCommand } from './model.js';

export function registerModelPullCommand(program: Command): void {
  modelCommand(program)
    .command('pull')
    .description('download an X-CLIP checkpoint from the Hugging Face hub and build it (int8 by default)')
    .argument('[repo]', 'hub repository', DEFAULT_REPO)
    .option('--revision <revision>', 'branch, tag, commit or refs/pr/N', DEFAULT_REVISION)
    .addOption(new Option('--precision <precision>', 'weight precision').choices(PRECISIONS).default('int8'))
    .option('--out <dir>', 'built model directory (default: $XCLIP_MODEL_DIR or models/xclip-base-patch32-<precision>)')
    .action(async (repo: string, options: { revision: string; precision: Precision; out?: string }) => {
      const fetched = await fetchModelWithProgress({ repo, revision: options.revision });
      process.stderr.write(`fetched ${repo}@${fetched.commit ?? options.revision} into ${fetched.dir}\n`);
      const built = await buildModel({
        from: fetched.dir,
        out: options.out ?? defaultModelDir(options.precision),
        precision: options.precision,
        onStage: reportBuildStage,
      });
      process.stdout.write(`${built.dir}\n`);
    });
}
