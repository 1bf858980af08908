import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XclipError } from '../common/errors.js';
import type { XclipConfig } from './config.js';

export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FORMAT = 'xclip-onnx/1';
/** Bumped whenever the converter's graphs change in a way that changes outputs or I/O. */
export const CONVERTER_VERSION = '0.1.0';

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
  /** Every file of the model directory except the manifest, with its size and sha256. */
  files: Record<string, { bytes: number; sha256: string }>;
  source: { weightsSha256: string };
}

export function preprocessingFor(config: XclipConfig): Preprocessing {
  return {
    frames: config.vision_config.num_frames,
    size: config.vision_config.image_size,
    resize: 'shorter-side-bilinear-antialias',
    crop: 'center',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    layout: 'T,3,H,W',
    sampling: 'segment-midpoints',
  };
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
  return manifest;
}

/** One digest for the whole model: the sha256 of every file's name and sha256, in name order. */
export function modelDigest(manifest: ModelManifest): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(manifest.files).sort()) hash.update(`${name}\0${manifest.files[name]!.sha256}\n`);
  return hash.digest('hex');
}
