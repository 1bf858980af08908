import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { XclipError } from '../common/errors.js';

/** safetensors dtypes this project reads and writes. */
export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export type TensorData =
  | Float64Array
  | Float32Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** A tensor in memory. F16/BF16 hold raw 16-bit patterns in a Uint16Array; BOOL holds 0/1 bytes. */
export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: TensorData;
}

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

const DTYPE_BYTES: Record<Dtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Largest header we accept: real checkpoints have headers of a few hundred KB. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export class InvalidSafetensorsError extends XclipError {
  constructor(source: string, why: string) {
    super('INVALID_SAFETENSORS', `cannot read safetensors file ${source}`, why);
  }
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && value in DTYPE_BYTES;
}

function typedView(dtype: Dtype, bytes: Uint8Array): TensorData {
  // A typed array needs its own aligned buffer; bytes read by SafetensorsFile.get already own one.
  const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = owned ? (bytes.buffer as ArrayBuffer) : Uint8Array.from(bytes).buffer;
  switch (dtype) {
    case 'F64':
      return new Float64Array(buffer);
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buffer);
    case 'I64':
      return new BigInt64Array(buffer);
    case 'I32':
      return new Int32Array(buffer);
    case 'I16':
      return new Int16Array(buffer);
    case 'I8':
      return new Int8Array(buffer);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(buffer);
  }
}

/** Parses and validates a header; `dataBytes` is the size of everything after it. */
function parseHeader(
  source: string,
  json: string,
  dataBytes: number,
): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new InvalidSafetensorsError(source, `header is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidSafetensorsError(source, 'header is not a JSON object');
  }
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = Object.fromEntries(
        Object.entries((entry ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as Record<string, unknown>;
    if (!isDtype(dtype))
      throw new InvalidSafetensorsError(source, `tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new InvalidSafetensorsError(source, `tensor "${name}" has an invalid shape ${JSON.stringify(shape)}`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new InvalidSafetensorsError(source, `tensor "${name}" has invalid data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    const expected = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      throw new InvalidSafetensorsError(
        source,
        `tensor "${name}" spans ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${expected}`,
      );
    }
    if (end > dataBytes) {
      throw new InvalidSafetensorsError(
        source,
        `tensor "${name}" ends at byte ${end} but the data section has ${dataBytes} (file truncated?)`,
      );
    }
    tensors.set(name, { dtype, shape: shape as number[], begin, end });
  }
  const spans = [...tensors.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.begin < spans[i - 1]!.end) throw new InvalidSafetensorsError(source, 'tensor data ranges overlap');
  }
  return { tensors, metadata };
}

/**
 * A safetensors file opened for lazy reading: only the header is read up front, each tensor is read
 * from disk when asked for, so a converter holds one copy of the weights at most.
 */
export class SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
  private fd: number | undefined;

  private constructor(
    readonly path: string,
    fd: number,
    private readonly dataStart: number,
    header: ReturnType<typeof parseHeader>,
  ) {
    this.fd = fd;
    this.tensors = header.tensors;
    this.metadata = header.metadata;
  }

  static open(path: string): SafetensorsFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < 8)
        throw new InvalidSafetensorsError(path, `file has ${size} bytes, fewer than the 8-byte header length`);
      const prefix = Buffer.alloc(8);
      readSync(fd, prefix, 0, 8, 0);
      const headerBytes = prefix.readBigUInt64LE(0);
      if (headerBytes > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) {
        throw new InvalidSafetensorsError(
          path,
          `header length ${headerBytes} exceeds the file (${size} bytes) or the ${MAX_HEADER_BYTES}-byte limit`,
        );
      }
      const header = Buffer.alloc(Number(headerBytes));
      readSync(fd, header, 0, header.length, 8);
      const dataStart = 8 + header.length;
      return new SafetensorsFile(path, fd, dataStart, parseHeader(path, header.toString('utf8'), size - dataStart));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Reads one tensor from disk. */
  get(name: string): Tensor {
    const info = this.tensors.get(name);
    if (!info) throw new InvalidSafetensorsError(this.path, `no tensor named "${name}"`);
    if (this.fd === undefined) throw new InvalidSafetensorsError(this.path, 'file already closed');
    const bytes = new Uint8Array(new ArrayBuffer(info.end - info.begin));
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, this.dataStart + info.begin + done);
      if (n === 0) throw new InvalidSafetensorsError(this.path, `unexpected end of file in tensor "${name}"`);
      done += n;
    }
    return { dtype: info.dtype, shape: [...info.shape], data: typedView(info.dtype, bytes) };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Reads every tensor of a file (small files: fixtures, model inputs and outputs). */
export function readSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const file = SafetensorsFile.open(path);
  try {
    const tensors = new Map<string, Tensor>();
    for (const name of file.tensors.keys()) tensors.set(name, file.get(name));
    return { tensors, metadata: { ...file.metadata } };
  } finally {
    file.close();
  }
}

function dtypeOfData(data: TensorData): Dtype {
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof Uint8Array) return 'U8';
  return 'F16';
}

/**
 * Writes tensors to `path` in insertion order, streaming each tensor's bytes (no concatenated copy).
 * Each tensor's dtype must match its data's element size.
 */
export function writeSafetensors(
  path: string,
  tensors: Iterable<[string, Tensor]>,
  metadata: Record<string, string> = {},
): void {
  const entries = [...tensors];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, tensor] of entries) {
    const bytes = DTYPE_BYTES[tensor.dtype];
    if (tensor.data.BYTES_PER_ELEMENT !== bytes) {
      throw new InvalidSafetensorsError(
        path,
        `tensor "${name}" is ${tensor.dtype} but its data is ${dtypeOfData(tensor.data)}`,
      );
    }
    if (tensor.data.length !== elementCount(tensor.shape)) {
      throw new InvalidSafetensorsError(
        path,
        `tensor "${name}" has ${tensor.data.length} elements but shape ${JSON.stringify(tensor.shape)}`,
      );
    }
    header[name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + tensor.data.byteLength],
    };
    offset += tensor.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, jsonBytes);
    for (const [, tensor] of entries) {
      const view = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
      for (let done = 0; done < view.length; ) done += writeSync(fd, view, done, Math.min(view.length - done, 1 << 30));
    }
  } finally {
    closeSync(fd);
  }
}

/** IEEE half (binary16) bits -> number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** number -> IEEE half bits, rounding to nearest even. */
export function floatToHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let rounded = mantissa >> shift;
    const rest = mantissa & ((1 << shift) - 1);
    if (rest > half || (rest === half && rounded & 1)) rounded++;
    return sign | rounded;
  }
  let result = sign | (e << 10) | (mantissa >> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  return result;
}

/** Any floating tensor as float32 (F16/BF16 decoded, F64 rounded). */
export function toFloat32(tensor: Tensor): Float32Array {
  const { dtype, data } = tensor;
  if (dtype === 'F32') return data as Float32Array;
  if (dtype === 'F64') return Float32Array.from(data as Float64Array);
  if (dtype === 'F16') return Float32Array.from(data as Uint16Array, halfToFloat);
  if (dtype === 'BF16') {
    const bits = new Uint32Array((data as Uint16Array).length);
    (data as Uint16Array).forEach((b, i) => {
      bits[i] = b << 16;
    });
    return new Float32Array(bits.buffer);
  }
  throw new XclipError('NOT_FLOAT', `cannot read a ${dtype} tensor as float32`, 'expected F32, F64, F16 or BF16');
}
