import { type Command, Option } from 'commander';
import { DEFAULT_REPO, DEFAULT_REVISION } from '../../xclip/hub.js';
import { PRECISIONS } from '../../xclip/precision.js';
import { lazyAction } from '../lazy-action.js';
import { modelCommand } from './model.js';

export function registerModelPullCommand(program: Command): void {
  modelCommand(program)
    .command('pull')
    .description('download an X-CLIP checkpoint from the Hugging Face hub and build it (int8 by default)')
    .argument('[repo]', 'hub repository', DEFAULT_REPO)
    .option('--revision <revision>', 'branch, tag, commit or refs/pr/N', DEFAULT_REVISION)
    .addOption(new Option('--precision <precision>', 'weight precision').choices(PRECISIONS).default('int8'))
    .option('--out <dir>', 'built model directory (default: $XCLIP_MODEL_DIR or models/xclip-base-patch32-<precision>)')
    .option('--no-ort-format', "skip the graphs' ORT-format copies (faster CPU loads; unused on a GPU)")
    .action(lazyAction(() => import('./model-pull-run.js')));
}
