import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { floatToHalf } from '../safetensors.js';
import { type OnnxTypes, onnx } from './proto.js';

/** Element types the converter emits. */
export type ElemType = 'float32' | 'float16' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

const DATA_TYPE: Record<ElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

/** ONNX's TensorProto.DataType number of an element type (the `to` of a Cast). */
export function onnxDataType(type: ElemType): number {
  return DATA_TYPE[type];
}

export type InitializerData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface InitializerTensor {
  type: ElemType;
  dims: readonly number[];
  /** Raw little-endian element data (float16 as bit patterns in a Uint16Array). */
  data: InitializerData;
}

/** A dimension is a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

/** A typed node attribute; make them with the helpers below so ints and floats never mix up. */
export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string };

export const attr = {
  int: (value: number): Attribute => ({ kind: 'int', value }),
  float: (value: number): Attribute => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attribute => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attribute => ({ kind: 'floats', value }),
  string: (value: string): Attribute => ({ kind: 'string', value }),
};

/** Largest finite float16: larger float32 constants (mask values) are clamped to it. */
const HALF_MAX = 65504;

/** The Microsoft contrib-op domain of ONNX Runtime. */
export const MS_DOMAIN = 'com.microsoft';
export const ONNX_OPSET = 17;
export const MS_OPSET = 1;

/** ONNX IR version 8 goes with opset 17. */
const IR_VERSION = 8;

/** protobuf messages cannot exceed 2 GiB; past this many initializer bytes the weights go to a side file. */
export const EXTERNAL_DATA_THRESHOLD = 1.5 * 1024 ** 3;

/** External data entries are aligned like onnx's own writer does, so they can be memory-mapped. */
const EXTERNAL_ALIGNMENT = 4096;

function attributeProto(name: string, attribute: Attribute): OnnxTypes.IAttributeProto {
  const type = onnx.AttributeProto.AttributeType;
  switch (attribute.kind) {
    case 'int':
      return { name, type: type.INT, i: attribute.value };
    case 'float':
      return { name, type: type.FLOAT, f: attribute.value };
    case 'ints':
      return { name, type: type.INTS, ints: [...attribute.value] };
    case 'floats':
      return { name, type: type.FLOATS, floats: [...attribute.value] };
    case 'string':
      return { name, type: type.STRING, s: new TextEncoder().encode(attribute.value) };
  }
}

function valueInfo(name: string, type: ElemType, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function rawBytes(data: InitializerData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface NodeOptions {
  domain?: string;
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Base for the node's output names, to keep graphs readable. */
  name?: string;
}

/**
 * Builds one ONNX graph: inputs, initializers, nodes and outputs, with unique value names.
 * Values are referred to by name; `op` returns the names of a node's outputs.
 */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers = new Map<string, InitializerTensor>();
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly usedNames = new Set<string>();
  private readonly constantCache = new Map<string, string>();
  private readonly domains = new Set<string>(['']);

  /**
   * `compute` 'float16' makes a half-precision graph with a float32 interface: float32 initializers
   * and constants are stored as float16, float32 inputs are cast down on entry and outputs cast up.
   */
  constructor(
    readonly graphName: string,
    readonly compute: 'float32' | 'float16' = 'float32',
  ) {}

  private get halfPrecision(): boolean {
    return this.compute === 'float16';
  }

  /** A fresh value name derived from `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  input(name: string, type: ElemType, dims: readonly Dim[]): string {
    if (this.usedNames.has(name)) throw new Error(`graph ${this.graphName}: duplicate value name ${name}`);
    this.usedNames.add(name);
    this.inputs.push(valueInfo(name, type, dims));
    return type === 'float32' && this.halfPrecision
      ? this.op1('Cast', [name], { to: attr.int(DATA_TYPE.float16) }, { name: `${name}_fp16` })
      : name;
  }

  /** Declares `value` as a graph output called `name` (renaming through Identity when needed). */
  output(value: string, name: string, type: ElemType, dims: readonly Dim[]): void {
    if (type === 'float32' && this.halfPrecision)
      value = this.op1('Cast', [value], { to: attr.int(DATA_TYPE.float32) }, { name: `${name}_fp32` });
    if (value !== name) {
      if (this.usedNames.has(name)) throw new Error(`graph ${this.graphName}: duplicate value name ${name}`);
      this.usedNames.add(name);
      this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `${name}_identity` });
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  initializer(name: string, tensor: InitializerTensor): string {
    const unique = this.uniqueName(name);
    const stored =
      tensor.type === 'float32' && this.halfPrecision
        ? {
            type: 'float16' as const,
            dims: tensor.dims,
            data: Uint16Array.from(tensor.data as Float32Array, (v) =>
              floatToHalf(Math.max(-HALF_MAX, Math.min(HALF_MAX, v))),
            ),
          }
        : tensor;
    this.initializers.set(unique, stored);
    return unique;
  }

  /** The float type values have inside the graph. */
  get floatType(): ElemType {
    return this.compute;
  }

  /** A small constant initializer, shared by every node that asks for the same values. */
  constant(type: ElemType, dims: readonly number[], values: readonly number[]): string {
    const key = `${type}|${dims.join(',')}|${values.join(',')}`;
    const cached = this.constantCache.get(key);
    if (cached) return cached;
    let data: InitializerData;
    if (type === 'int64') data = BigInt64Array.from(values, (v) => BigInt(v));
    else if (type === 'float32') data = Float32Array.from(values);
    else if (type === 'int32') data = Int32Array.from(values);
    else throw new Error(`constant of type ${type} is not supported`);
    const name = this.initializer(
      `const_${type}_${values.length === 1 ? String(values[0]).replace(/[^\w]/g, '_') : 'v'}`,
      { type, dims, data },
    );
    this.constantCache.set(key, name);
    return name;
  }

  /** 1-D int64 constant, the usual shape/axes/index argument. */
  ints(values: readonly number[]): string {
    return this.constant('int64', [values.length], values);
  }

  /** float32 scalar constant. */
  scalar(value: number): string {
    return this.constant('float32', [], [value]);
  }

  /** Adds a node; empty strings stand for omitted optional inputs. Returns its output names. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    options: NodeOptions = {},
  ): string[] {
    const domain = options.domain ?? '';
    this.domains.add(domain);
    const base = options.name ?? opType;
    const outputs = Array.from({ length: options.outputs ?? 1 }, (_, i) =>
      this.uniqueName(i === 0 ? base : `${base}_out${i}`),
    );
    this.nodes.push({
      opType,
      domain,
      input: [...inputs],
      output: outputs,
      name: this.uniqueName(`${base}_node`),
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputs;
  }

  /** Adds a single-output node and returns its output. */
  op1(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, Attribute> = {},
    options: Omit<NodeOptions, 'outputs'> = {},
  ): string {
    return this.op(opType, inputs, attributes, options)[0]!;
  }

  get initializerBytes(): number {
    let total = 0;
    for (const tensor of this.initializers.values()) total += tensor.data.byteLength;
    return total;
  }

  /**
   * Writes the model to `path`. When the weights would pass protobuf's size limit, every large
   * initializer goes to `<path>.data` (ONNX external data, offsets aligned) and the .onnx keeps only
   * the graph. Returns the files written.
   */
  save(path: string, metadata: Record<string, string> = {}, threshold = EXTERNAL_DATA_THRESHOLD): string[] {
    const external = this.initializerBytes > threshold;
    const dataPath = `${path}.data`;
    const tensors: OnnxTypes.ITensorProto[] = [];
    let dataFd: number | undefined;
    let offset = 0;
    try {
      if (external) dataFd = openSync(dataPath, 'w');
      for (const [name, tensor] of this.initializers) {
        const proto: OnnxTypes.ITensorProto = { name, dataType: DATA_TYPE[tensor.type], dims: [...tensor.dims] };
        const bytes = rawBytes(tensor.data);
        if (dataFd !== undefined && bytes.byteLength >= 1024) {
          offset = Math.ceil(offset / EXTERNAL_ALIGNMENT) * EXTERNAL_ALIGNMENT;
          for (let done = 0; done < bytes.byteLength; )
            done += writeSync(dataFd, bytes, done, bytes.byteLength - done, offset + done);
          proto.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
          proto.externalData = [
            { key: 'location', value: basename(dataPath) },
            { key: 'offset', value: String(offset) },
            { key: 'length', value: String(bytes.byteLength) },
          ];
          offset += bytes.byteLength;
        } else {
          proto.rawData = bytes;
        }
        tensors.push(proto);
      }
    } finally {
      if (dataFd !== undefined) closeSync(dataFd);
    }
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'xclip-serverless',
      opsetImport: [...this.domains].map((domain) => ({
        domain,
        version: domain === MS_DOMAIN ? MS_OPSET : ONNX_OPSET,
      })),
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: tensors,
        input: this.inputs,
        output: this.outputs,
      },
    });
    const encoded = onnx.ModelProto.encode(model).finish();
    const fd = openSync(path, 'w');
    try {
      for (let done = 0; done < encoded.byteLength; ) done += writeSync(fd, encoded, done, encoded.byteLength - done);
    } finally {
      closeSync(fd);
    }
    return external ? [path, dataPath] : [path];
  }
}
