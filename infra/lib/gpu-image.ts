import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, IgnoreMode } from 'aws-cdk-lib';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Construct } from 'constructs';

export interface GpuImageProps {
  /** The repository root: the image's build context. */
  readonly repositoryRoot: string;
  /** The model directory baked into the image at /opt/model, relative to the repository root and under models/. */
  readonly modelDir: string;
}

/**
 * The GPU endpoint's container image (functions/gpu-server/Dockerfile): CUDA 13 + cuDNN 9, onnxruntime-node with its
 * CUDA provider, node-av, the gpu-server bundle and a model built for a GPU. x86_64, as SageMaker's GPU instances are.
 */
export class GpuImage extends Construct {
  static readonly DOCKERFILE = 'functions/gpu-server/Dockerfile';
  static readonly BUNDLE = 'dist/functions/gpu-server';
  static readonly ENTRYPOINT = 'functions/gpu-server/entrypoint.sh';

  readonly asset: DockerImageAsset;

  constructor(scope: Construct, id: string, props: GpuImageProps) {
    super(scope, id);
    if (!existsSync(join(props.repositoryRoot, props.modelDir, 'manifest.json'))) {
      Annotations.of(this).addWarningV2(
        'xclip:gpuModelMissing',
        `no model in ${props.modelDir}: run \`npx xclip model build --precision fp16\` into it (or \`-c gpuModelDir=\`) before \`cdk deploy\`, or the GPU image build fails`,
      );
    }
    if (!existsSync(join(props.repositoryRoot, GpuImage.BUNDLE, 'index.mjs'))) {
      Annotations.of(this).addWarningV2(
        'xclip:gpuBundleMissing',
        `no ${GpuImage.BUNDLE}/index.mjs: run \`npm run build\` before \`cdk deploy\``,
      );
    }
    this.asset = new DockerImageAsset(this, 'Asset', {
      directory: props.repositoryRoot,
      file: GpuImage.DOCKERFILE,
      platform: Platform.LINUX_AMD64,
      buildArgs: { MODEL_SOURCE_DIR: props.modelDir },
      ignoreMode: IgnoreMode.DOCKER,
      // .dockerignore admits the Lambda image's files; this image takes its own Dockerfile instead and keeps, of the
      // bundles and models, only its own (the asset's hash and build context follow).
      exclude: [
        'functions/*',
        `!${GpuImage.DOCKERFILE}`,
        `!${GpuImage.ENTRYPOINT}`,
        'dist/functions/*',
        `!${GpuImage.BUNDLE}`,
        'models/*',
        `!${props.modelDir}`,
      ],
    });
  }
}
