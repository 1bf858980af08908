import { createHash } from 'node:crypto';
import {
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { XclipError } from '../common/errors.js';
import { checkpointLayout } from './checkpoint-layout.js';
import { patchGrid, readXclipConfig, type XclipConfig } from './config.js';
import { wantedInt8Layout } from './int8-layout.js';
import { LABEL_FEATURES_DIR, labelFeaturesPath, writeLabelFeatures } from './label-features.js';
import { DEFAULT_LABEL_SET, resolveLabelSet } from './label-sets.js';
import { CONVERTER_VERSION, MANIFEST_FILE, MODEL_FORMAT, type ModelManifest, preprocessingFor } from './manifest.js';
import type { ModelContext } from './modeling/nn.js';
import { buildScoreGraph } from './modeling/score.js';
import { buildTextGraph } from './modeling/text.js';
import { buildVisionGraph } from './modeling/vision.js';
import { WEIGHT_FORMATS } from './modeling/weight-format.js';
import { GraphBuilder } from './onnx/graph-builder.js';
import { GRAPH_NAMES, writeOrtFormatCopies } from './ort-format.js';
import { PRECISIONS, type Precision } from './precision.js';
import { XclipRuntime } from './runtime.js';
import { encodeTexts } from './text-encoder.js';
import { TOKENIZER_FILES, tokenizerForModel } from './tokenizer.js';
import { CheckpointWeights } from './weights.js';

export { PRECISIONS, type Precision };

export interface BuildOptions {
  /** HF model directory: config.json + model.safetensors (+ vocab.json, merges.txt). */
  from: string;
  /** Output directory; replaced atomically once the build succeeds. */
  out: string;
  precision?: Precision;
  /**
   * Whether to write the graphs' ORT-format copies, which CPU sessions load faster (default true); a model only run
   * on a GPU has no use for them.
   */
  ortFormat?: boolean;
  /** Called as each stage finishes, for progress output. */
  onStage?: (stage: string, elapsedMs: number) => void;
}

export interface BuildResult {
  manifest: ModelManifest;
  dir: string;
  ms: number;
}

export class BuildError extends XclipError {
  constructor(what: string, why: string) {
    super('BUILD_FAILED', what, why);
  }
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function buildGraph(
  name: string,
  base: Omit<ModelContext, 'g'>,
  build: (ctx: ModelContext) => void,
  outDir: string,
  metadata: Record<string, string>,
): string[] {
  const g = new GraphBuilder(name, base.format.compute);
  build({ ...base, g });
  return g.save(join(outDir, `${name}.onnx`), metadata);
}

function writeManifest(dir: string, manifest: ModelManifest): void {
  writeFileSync(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Relative paths of every file under `dir`, sorted. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/**
 * Computes the default label set's text features with the model just built, when the model came
 * with a CLIP tokenizer that fits its vocabulary; returns the label set id, or undefined.
 */
async function storeDefaultLabelFeatures(dir: string, config: XclipConfig): Promise<string | undefined> {
  const tokenizer = tokenizerForModel(dir, config.text_config.vocab_size);
  if (!tokenizer) return undefined;
  const labels = resolveLabelSet(DEFAULT_LABEL_SET);
  const runtime = await XclipRuntime.load(dir);
  try {
    const features = await encodeTexts(runtime, tokenizer, labels.names);
    mkdirSync(join(dir, LABEL_FEATURES_DIR), { recursive: true });
    writeLabelFeatures(labelFeaturesPath(dir, labels.id), labels, features, config.projection_dim);
    return labels.id;
  } finally {
    await runtime.release();
  }
}

/**
 * Converts an HF X-CLIP checkpoint into the three ONNX graphs (vision, text, score), their ORT-format copies and a
 * manifest. Every tensor of the checkpoint must be used and every tensor the config implies present.
 */
export async function buildModel(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const precision = options.precision ?? 'fp32';
  const from = resolve(options.from);
  const out = resolve(options.out);
  const configPath = join(from, 'config.json');
  const weightsPath = join(from, 'model.safetensors');
  if (!existsSync(weightsPath)) throw new BuildError(`cannot build from ${from}`, 'model.safetensors not found');
  const config: XclipConfig = readXclipConfig(configPath);
  const preprocessing = preprocessingFor(config, from);

  const weights = CheckpointWeights.open(weightsPath);
  try {
    weights.checkLayout(checkpointLayout(config));
  } catch (error) {
    weights.close();
    throw error;
  }
  mkdirSync(dirname(out), { recursive: true });
  const staging = `${out}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const base = { weights, format: WEIGHT_FORMATS[precision] };
    const metadata = { precision, converter_version: CONVERTER_VERSION };
    const stage = (name: string) => options.onStage?.(name, performance.now() - started);
    buildGraph('vision', base, (ctx) => buildVisionGraph(ctx, config), staging, metadata);
    stage('vision graph');
    buildGraph('text', base, (ctx) => buildTextGraph(ctx, config), staging, metadata);
    stage('text graph');
    buildGraph(
      'score',
      base,
      (ctx) => buildScoreGraph(ctx, config, patchGrid(config.vision_config).count),
      staging,
      metadata,
    );
    stage('score graph');
    const ortFormat =
      (options.ortFormat ?? true)
        ? await writeOrtFormatCopies(staging, GRAPH_NAMES, wantedInt8Layout(precision))
        : undefined;
    if (ortFormat) stage('ORT-format copies');

    for (const file of TOKENIZER_FILES) {
      if (existsSync(join(from, file))) copyFileSync(join(from, file), join(staging, file));
    }
    const manifest: ModelManifest = {
      format: MODEL_FORMAT,
      converterVersion: CONVERTER_VERSION,
      modelId: basename(from),
      precision,
      config,
      preprocessing,
      text: { contextLength: config.text_config.max_position_embeddings },
      labelFeatures: [],
      files: {},
      source: { weightsSha256: await sha256OfFile(weightsPath) },
      ortFormat,
    };
    writeManifest(staging, manifest);
    const labelSet = await storeDefaultLabelFeatures(staging, config);
    if (labelSet) {
      manifest.labelFeatures.push(labelSet);
      stage(`${labelSet} label features`);
    }
    const ortFormatFiles = new Set(Object.values(ortFormat?.graphs ?? {}).map((copy) => copy.file));
    for (const file of listFiles(staging)) {
      if (file === MANIFEST_FILE || ortFormatFiles.has(file)) continue;
      const path = join(staging, file);
      manifest.files[file] = { bytes: statSync(path).size, sha256: await sha256OfFile(path) };
    }
    writeManifest(staging, manifest);
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
    return { manifest, dir: out, ms: performance.now() - started };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    weights.close();
  }
}
