import { type Command, Option } from 'commander';
import { buildModel, PRECISIONS, type Precision } from '../../xclip/build.js';
import { reportBuildStage } from '../model-progress.js';
import { modelCommand } from './model.js';

export function registerModelBuildCommand(program: Command): void {
  modelCommand(program)
    .command('build')
    .description('convert an HF X-CLIP checkpoint (config.json + model.safetensors) into ONNX graphs')
    .requiredOption('--from <dir>', 'HF model directory')
    .requiredOption('--out <dir>', 'output model directory (replaced when the build succeeds)')
    .addOption(new Option('--precision <precision>', 'weight precision').choices(PRECISIONS).default('fp32'))
    .action(async (options: { from: string; out: string; precision: Precision }) => {
      const result = await buildModel({
        ...options,
        onStage: reportBuildStage,
      });
      const bytes = Object.values(result.manifest.files).reduce((sum, file) => sum + file.bytes, 0);
      process.stderr.write(
        `model written to ${result.dir}: ${result.manifest.precision}, ${(bytes / 1e6).toFixed(1)} MB in ${(result.ms / 1000).toFixed(1)} s\n`,
      );
    });
}
