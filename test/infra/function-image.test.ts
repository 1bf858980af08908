import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { ClassifierFunction } from '../../infra/lib/classifier-function.js';
import { FunctionImage } from '../../infra/lib/function-image.js';
import { ResultsApi } from '../../infra/lib/results-api.js';

const REPO = new URL('../../', import.meta.url).pathname;
const DOCKERFILE = readFileSync(join(REPO, FunctionImage.DOCKERFILE), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'xclip-image-'));
after(() => rmSync(work, { recursive: true, force: true }));

function write(root: string, path: string, content = path): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
}

/** A repository root with what the image needs and a sample of what it must not see. */
function fixtureRepository(options: { model?: boolean; bundles?: boolean } = {}): string {
  const root = mkdtempSync(join(work, 'repo-'));
  mkdirSync(join(root, 'functions/classifier'), { recursive: true });
  copyFileSync(join(REPO, FunctionImage.DOCKERFILE), join(root, FunctionImage.DOCKERFILE));
  copyFileSync(join(REPO, '.dockerignore'), join(root, '.dockerignore'));
  write(root, 'functions/gpu-server/entrypoint.sh');
  write(root, 'functions/shared/config.ts');
  for (const path of [
    'package.json',
    'package-lock.json',
    'node_modules/onnxruntime-node/index.js',
    '.git/HEAD',
    'test/a.test.ts',
    'layers/x.ts',
    'cdk.out/old.template.json',
    'dist/cli/main.js',
    'models/other/manifest.json',
    'README.md',
  ]) {
    write(root, path);
  }
  if (options.bundles ?? true) {
    write(root, 'dist/functions/classifier/index.mjs');
    write(root, 'dist/functions/api/index.mjs');
  }
  if (options.model ?? true) {
    write(root, 'models/xclip-base-patch32-int8/manifest.json');
    write(root, 'models/xclip-base-patch32-int8/vision.onnx', 'weights v1');
  }
  return root;
}

/** Synthesizes an image of `repositoryRoot` (staged, as `cdk synth` does) for both handlers. */
function imageOf(
  repositoryRoot: string,
  modelDir?: string,
): { stack: Stack; image: FunctionImage; stagedFiles: string[] } {
  const app = new App({ outdir: mkdtempSync(join(work, 'cdk.out-')), builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'ImageTest');
  const image = new FunctionImage(stack, 'Image', { repositoryRoot, modelDir });
  image.codeFor(ClassifierFunction.HANDLER);
  image.codeFor(ResultsApi.HANDLER);
  app.synth();
  const staged = join(app.outdir, `asset.${image.asset.assetHash}`);
  const list = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? list(join(dir, entry.name)) : [relative(staged, join(dir, entry.name))],
    );
  return { stack, image, stagedFiles: list(staged).sort() };
}

test('the build context holds the Dockerfile, the lockfile, the handler bundles and the chosen model only', () => {
  const { stagedFiles } = imageOf(fixtureRepository());
  assert.deepEqual(stagedFiles, [
    '.dockerignore',
    'dist/functions/api/index.mjs',
    'dist/functions/classifier/index.mjs',
    'functions/classifier/Dockerfile',
    'models/xclip-base-patch32-int8/manifest.json',
    'models/xclip-base-patch32-int8/vision.onnx',
    'package-lock.json',
  ]);
  assert.deepEqual(
    imageOf(fixtureRepository(), 'models/other').stagedFiles.filter((file) => file.startsWith('models/')),
    ['models/other/manifest.json'],
  );
});

test('the image changes with the model and the bundles, not with what the context leaves out', () => {
  const root = fixtureRepository();
  const hash = () => imageOf(root).image.asset.assetHash;
  const original = hash();
  write(root, 'node_modules/onnxruntime-node/index.js', 'changed');
  write(root, 'layers/x.ts', 'changed');
  write(root, 'models/other/manifest.json', 'changed');
  assert.equal(hash(), original);
  write(root, 'models/xclip-base-patch32-int8/vision.onnx', 'weights v2');
  const withNewModel = hash();
  assert.notEqual(withNewModel, original);
  write(root, 'dist/functions/api/index.mjs', 'changed');
  assert.notEqual(hash(), withNewModel);
});

test('synth works without the model or the bundles, and warns that the image build needs them', () => {
  const { stack } = imageOf(fixtureRepository({ model: false, bundles: false }));
  const annotations = Annotations.fromStack(stack);
  annotations.hasWarning(
    '/ImageTest/Image',
    Match.stringLikeRegexp('no model in models/xclip-base-patch32-int8: run `npx xclip model pull`'),
  );
  annotations.hasWarning('/ImageTest/Image', Match.stringLikeRegexp('classifier/index.mjs: run `npm run build`'));
  annotations.hasWarning('/ImageTest/Image', Match.stringLikeRegexp('api/index.mjs: run `npm run build`'));
  const complete = Annotations.fromStack(imageOf(fixtureRepository()).stack);
  assert.deepEqual(complete.findWarning('*', Match.anyValue()), []);
});

test('the Dockerfile: Lambda Node.js 22 base, no ffmpeg program, onnxruntime-node and node-av without scripts, the model at /opt/model', () => {
  assert.match(DOCKERFILE, /^ARG LAMBDA_NODE_IMAGE=public\.ecr\.aws\/lambda\/nodejs:22$/m);
  assert.match(DOCKERFILE, /^FROM \$\{LAMBDA_NODE_IMAGE\}$/m, 'the final stage is the Lambda base image');
  assert.doesNotMatch(DOCKERFILE, /install-ffmpeg|FFMPEG_PATH|FFPROBE_PATH/, 'node-av decodes: no ffmpeg program');
  assert.match(DOCKERFILE, /^ENV MODEL_DIR=\/opt\/model/m);
  assert.match(DOCKERFILE, /npm install --omit=dev --ignore-scripts .*"onnxruntime-node@\$\{version\}"/);
  assert.match(DOCKERFILE, /"node-av@\$\{av_version\}" "@seydx\/node-av-linux-\$\{ort_arch\}@\$\{av_version\}"/);
  assert.match(
    DOCKERFILE,
    new RegExp(`^ARG MODEL_SOURCE_DIR=${FunctionImage.DEFAULT_MODEL_DIR}$`, 'm'),
    'the build arg infra/ passes',
  );
  assert.match(DOCKERFILE, /^COPY \$\{MODEL_SOURCE_DIR\} \/opt\/model$/m);
  assert.match(DOCKERFILE, /^COPY dist\/functions \$\{LAMBDA_TASK_ROOT\}\/functions$/m);
});

test('each handler the stack names is a function with an entry point', () => {
  for (const handler of [ClassifierFunction.HANDLER, ResultsApi.HANDLER]) {
    const [, name] = /^functions\/([a-z-]+)\/index\.handler$/.exec(handler) ?? [];
    assert.ok(name, handler);
    assert.ok(readdirSync(join(REPO, 'functions', name)).includes('handler.ts'), `functions/${name}/handler.ts`);
  }
});
