import { XclipError } from '../common/errors.js';
import { SafetensorsFile, toFloat32 } from './safetensors.js';

export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

export class CheckpointError extends XclipError {
  constructor(path: string, why: string) {
    super('INVALID_CHECKPOINT', `checkpoint ${path} does not fit the X-CLIP config`, why);
  }
}

/** Lists at most `limit` names, then how many more. */
function nameList(names: readonly string[], limit = 8): string {
  return names.length <= limit
    ? names.join(', ')
    : `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}

/** Buffers that older checkpoints carry and HF itself ignores when loading. */
const IGNORED_BUFFER = /(^|\.)position_ids$/;

/** Weights of an HF checkpoint, read tensor by tensor as the converter asks for them (as float32). */
export class CheckpointWeights {
  constructor(private readonly file: SafetensorsFile) {}

  static open(path: string): CheckpointWeights {
    return new CheckpointWeights(SafetensorsFile.open(path));
  }

  get path(): string {
    return this.file.path;
  }

  names(): string[] {
    return [...this.file.tensors.keys()];
  }

  shapeOf(name: string): number[] | undefined {
    return this.file.tensors.get(name)?.shape;
  }

  /** Reads `name` as float32, checking its shape when one is given. */
  take(name: string, expectedShape?: readonly number[]): FloatTensor {
    const info = this.file.tensors.get(name);
    if (!info) throw new CheckpointError(this.path, `missing tensor ${name}`);
    if (
      expectedShape &&
      (info.shape.length !== expectedShape.length || info.shape.some((d, i) => d !== expectedShape[i]))
    ) {
      throw new CheckpointError(
        this.path,
        `tensor ${name} has shape [${info.shape}] but the config implies [${expectedShape}]`,
      );
    }
    const tensor = this.file.get(name);
    return { shape: tensor.shape, data: toFloat32(tensor) };
  }

  /**
   * Checks the checkpoint against the tensors the config implies, naming every missing tensor,
   * unknown tensor and wrong shape at once.
   */
  checkLayout(expected: ReadonlyArray<{ name: string; shape: readonly number[] }>): void {
    const expectedNames = new Set(expected.map((tensor) => tensor.name));
    const missing = expected.filter((tensor) => !this.file.tensors.has(tensor.name)).map((tensor) => tensor.name);
    const unknown = this.names().filter((name) => !expectedNames.has(name) && !IGNORED_BUFFER.test(name));
    const misshapen = expected
      .filter((tensor) => {
        const shape = this.shapeOf(tensor.name);
        return (
          shape !== undefined && (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i]))
        );
      })
      .map((tensor) => `${tensor.name} [${this.shapeOf(tensor.name)}] (config implies [${tensor.shape}])`);
    const problems = [
      missing.length > 0 ? `missing tensors: ${nameList(missing)}` : '',
      unknown.length > 0 ? `unknown tensors: ${nameList(unknown)}` : '',
      misshapen.length > 0 ? `wrong shapes: ${nameList(misshapen, 4)}` : '',
    ].filter(Boolean);
    if (problems.length > 0) throw new CheckpointError(this.path, problems.join('; '));
  }

  close(): void {
    this.file.close();
  }
}

export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  }
  return out;
}

export function scaled(data: Float32Array, factor: number): Float32Array {
  return data.map((v) => v * factor);
}
