import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { XclipError } from '../common/errors.js';
import { describeIssues } from '../common/zod-issues.js';
import type { XclipConfig } from './config.js';
import type { OrtFormatCopies } from './ort-format.js';

export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FORMAT = 'xclip-onnx/1';
/** Bumped whenever the converter's graphs change in a way that changes outputs or I/O. */
export const CONVERTER_VERSION = '0.2.0';
/**
 * Converter versions whose int8 graphs compute wrongly on some CPUs: 0.1.0 stored int8 weights, which ONNX Runtime
 * multiplies with saturation on x86 CPUs without VNNI (see int8Linear). Such a model must be built again.
 */
const INT8_OVERFLOWING_CONVERTERS = new Set(['0.1.0']);

/** Preprocessing contract (DESIGN.md): what a caller must do to frames before vision.onnx. */
export interface Preprocessing {
  frames: number;
  size: number;
  /** Shorter side resized to `size` with antialiased bilinear filtering, then a centre crop. */
  resize: 'shorter-side-bilinear-antialias';
  crop: 'center';
  mean: [number, number, number];
  std: [number, number, number];
  layout: 'T,3,H,W';
  sampling: 'segment-midpoints';
}

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  converterVersion: string;
  /** Name of the source model (the HF directory or repo it was built from). */
  modelId: string;
  precision: string;
  config: XclipConfig;
  preprocessing: Preprocessing;
  text: { contextLength: number };
  /** Label sets whose text features are stored under label-features/ (the default set, when a tokenizer came with the model). */
  labelFeatures: string[];
  /**
   * Every file of the model directory except the manifest and the ORT-format copies, with its size and sha256: what
   * the model computes, whichever runtime built it.
   */
  files: Record<string, { bytes: number; sha256: string }>;
  source: { weightsSha256: string };
  /** The graphs' ORT-format copies, absent when the build wrote none (ort-format.ts). */
  ortFormat?: OrtFormatCopies;
}

/** The checkpoint's image processor settings (Hugging Face's VideoMAEImageProcessor), next to config.json. */
export const PREPROCESSOR_CONFIG_FILE = 'preprocessor_config.json';

const channelTriple = z.tuple([z.number().finite(), z.number().finite(), z.number().finite()]);
const preprocessorConfigSchema = z.object({
  image_mean: channelTriple.optional(),
  image_std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]).optional(),
  crop_size: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }).optional(),
});

/** The ImageNet statistics X-CLIP's processor normalises with, when a checkpoint names none. */
const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];

/**
 * The preprocessing contract of a model built from `from`: frames and size from the config, mean and std from the
 * checkpoint's preprocessor_config.json (ImageNet's without one). A crop size other than the model's image size
 * cannot feed the vision graph, so it is refused.
 */
export function preprocessingFor(config: XclipConfig, from?: string): Preprocessing {
  const path = from === undefined ? undefined : join(from, PREPROCESSOR_CONFIG_FILE);
  const processor = path && existsSync(path) ? readPreprocessorConfig(path) : {};
  const size = config.vision_config.image_size;
  const crop = processor.crop_size;
  if (crop && (crop.height !== size || crop.width !== size))
    throw new XclipError(
      'INVALID_PREPROCESSOR_CONFIG',
      `cannot use ${path}`,
      `its crop_size ${crop.width}x${crop.height} is not the model's image size ${size}`,
    );
  return {
    frames: config.vision_config.num_frames,
    size,
    resize: 'shorter-side-bilinear-antialias',
    crop: 'center',
    mean: processor.image_mean ?? IMAGENET_MEAN,
    std: processor.image_std ?? IMAGENET_STD,
    layout: 'T,3,H,W',
    sampling: 'segment-midpoints',
  };
}

function readPreprocessorConfig(path: string): z.output<typeof preprocessorConfigSchema> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new XclipError('INVALID_PREPROCESSOR_CONFIG', `cannot read ${path}`, (error as Error).message);
  }
  const parsed = preprocessorConfigSchema.safeParse(json);
  if (!parsed.success)
    throw new XclipError('INVALID_PREPROCESSOR_CONFIG', `cannot use ${path}`, describeIssues(parsed.error));
  return parsed.data;
}

export class ModelDirectoryError extends XclipError {
  constructor(dir: string, why: string) {
    super('INVALID_MODEL_DIR', `cannot load model from ${dir}`, why);
  }
}

export function readManifest(dir: string): ModelManifest {
  let raw: string;
  try {
    raw = readFileSync(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new ModelDirectoryError(dir, `${MANIFEST_FILE} not found: build one with \`xclip model build\``);
  }
  const manifest = JSON.parse(raw) as ModelManifest;
  if (manifest.format !== MODEL_FORMAT)
    throw new ModelDirectoryError(
      dir,
      `unsupported model format ${JSON.stringify(manifest.format)}, expected ${MODEL_FORMAT}`,
    );
  if (manifest.precision === 'int8' && INT8_OVERFLOWING_CONVERTERS.has(manifest.converterVersion))
    throw new ModelDirectoryError(
      dir,
      `its int8 graphs come from converter ${manifest.converterVersion}, whose weights overflow on CPUs without VNNI (wrong labels): build it again with \`xclip model build\``,
    );
  return manifest;
}

/** One digest for the whole model: the sha256 of every file's name and sha256, in name order. */
export function modelDigest(manifest: ModelManifest): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(manifest.files).sort()) hash.update(`${name}\0${manifest.files[name]!.sha256}\n`);
  return hash.digest('hex');
}
