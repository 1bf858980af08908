import { XclipError } from '../common/errors.js';
import { SafetensorsFile, elementCount, toFloat32 } from './safetensors.js';

export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

export class CheckpointError extends XclipError {
  constructor(path: string, why: string) {
    super('INVALID_CHECKPOINT', `checkpoint ${path} does not fit the X-CLIP config`, why);
  }
}

/**
 * Weights of an HF checkpoint, read tensor by tensor as the converter asks for them (as float32),
 * with the names taken so far recorded so that leftovers can be reported as unknown.
 */
export class CheckpointWeights {
  private readonly taken = new Set<string>();

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
    if (expectedShape && (info.shape.length !== expectedShape.length || info.shape.some((d, i) => d !== expectedShape[i]))) {
      throw new CheckpointError(this.path, `tensor ${name} has shape [${info.shape}] but the config implies [${expectedShape}]`);
    }
    this.taken.add(name);
    const tensor = this.file.get(name);
    return { shape: tensor.shape, data: toFloat32(tensor) };
  }

  /** Names never taken, except buffers HF itself ignores when loading. */
  untaken(): string[] {
    return this.names().filter((name) => !this.taken.has(name) && !name.endsWith('position_ids'));
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

export { elementCount };
