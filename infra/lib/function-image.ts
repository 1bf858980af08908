import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, IgnoreMode } from 'aws-cdk-lib';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Architecture, DockerImageCode } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export interface FunctionImageProps {
  /** The repository root: the image's build context. */
  readonly repositoryRoot: string;
  /**
   * The model directory baked into the image at /opt/model, relative to the repository root and under models/.
   * @default 'models/xclip-base-patch32-int8'
   */
  readonly modelDir?: string;
  /**
   * The CPU the image is built for.
   * @default Architecture.X86_64
   */
  readonly architecture?: Architecture;
}

/**
 * The one container image every function runs (functions/classifier/Dockerfile): node-av, onnxruntime-node, the model
 * and every handler bundle. Functions differ only by the CMD that names their handler.
 */
export class FunctionImage extends Construct {
  static readonly DOCKERFILE = 'functions/classifier/Dockerfile';
  static readonly DEFAULT_MODEL_DIR = 'models/xclip-base-patch32-int8';

  readonly asset: DockerImageAsset;
  readonly architecture: Architecture;
  private readonly repositoryRoot: string;

  constructor(scope: Construct, id: string, props: FunctionImageProps) {
    super(scope, id);
    const modelDir = props.modelDir ?? FunctionImage.DEFAULT_MODEL_DIR;
    this.repositoryRoot = props.repositoryRoot;
    this.architecture = props.architecture ?? Architecture.X86_64;

    if (!existsSync(join(props.repositoryRoot, modelDir, 'manifest.json'))) {
      Annotations.of(this).addWarningV2(
        'xclip:modelMissing',
        `no model in ${modelDir}: run \`npx xclip model pull\` (or \`-c modelDir=\`) before \`cdk deploy\`, or the image build fails`,
      );
    }

    this.asset = new DockerImageAsset(this, 'Asset', {
      directory: props.repositoryRoot,
      file: FunctionImage.DOCKERFILE,
      platform: this.architecture === Architecture.ARM_64 ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      buildArgs: { MODEL_SOURCE_DIR: modelDir },
      ignoreMode: IgnoreMode.DOCKER,
      // .dockerignore admits every model and the GPU image's entry point; of those only the chosen model goes into the
      // asset (its hash and its build context).
      exclude: ['models/*', `!${modelDir}`, 'functions/gpu-server/*'],
    });
  }

  /** The image, starting `handler` (`<bundle dir>/index.handler`, as in dist/functions/<name>/index.mjs). */
  codeFor(handler: string): DockerImageCode {
    const bundle = join(this.repositoryRoot, 'dist', handler.replace(/\.[^./]+$/, '.mjs'));
    if (!existsSync(bundle)) {
      Annotations.of(this).addWarningV2(
        `xclip:bundleMissing:${handler}`,
        `no ${bundle}: run \`npm run build\` before \`cdk deploy\`, or the image lacks the ${handler} handler`,
      );
    }
    return DockerImageCode.fromEcr(this.asset.repository, { tagOrDigest: this.asset.imageTag, cmd: [handler] });
  }
}
