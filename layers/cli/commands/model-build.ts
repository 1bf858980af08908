import { type Command, Option } from 'commander';
import { PRECISIONS } from '../../xclip/precision.js';
import { lazyAction } from '../lazy-action.js';
import { modelCommand } from './model.js';

export function registerModelBuildCommand(program: Command): void {
  modelCommand(program)
    .command('build')
    .description('convert an HF X-CLIP checkpoint (config.json + model.safetensors) into ONNX graphs')
    .requiredOption('--from <dir>', 'HF model directory')
    .requiredOption('--out <dir>', 'output model directory (replaced when the build succeeds)')
    .addOption(new Option('--precision <precision>', 'weight precision').choices(PRECISIONS).default('fp32'))
    .option('--no-ort-format', "skip the graphs' ORT-format copies (faster CPU loads; unused on a GPU)")
    .action(lazyAction(() => import('./model-build-run.js')));
}
