import { ByteBuffer } from 'flatbuffers';
import protobuf from 'protobufjs/minimal.js';
import type { Int8WeightLayout } from './int8-layout.js';

/** TensorProto.DataType (ONNX) and TensorDataType (ORT format) of each layout: the same numbers in both. */
const DATA_TYPE: Record<Int8WeightLayout, number> = { uint8: 2, int8: 3 };

/** A typed value of the graph that the rewrite changes, located in the model's bytes. */
interface TypedValue {
  dataType: number;
  /**
   * Offset of the byte that holds the data type: a one-byte varint in protobuf, the low byte of a little-endian
   * int32 in a flatbuffer. uint8 and int8 (2 and 3) differ in that byte alone in both encodings.
   */
  dataTypeAt: number;
}

interface Initializer extends TypedValue {
  /** The tensor's raw bytes, a view of the model's buffer; absent when its values are held another way. */
  raw?: Uint8Array;
}

/** What the rewrite reads of a graph, in either encoding. */
interface GraphLayout {
  initializers: Map<string, Initializer>;
  /** The names DynamicQuantizeMatMul nodes read as their weight and weight zero point (inputs 1 and 3). */
  weights: Set<string>;
  /** Types the graph declares for values by name (the ORT format's node_args), which must follow the tensors'. */
  declared: Map<string, TypedValue>;
}

function weightInputs(opType: string, inputs: readonly string[]): string[] {
  return opType === 'DynamicQuantizeMatMul' ? [inputs[1], inputs[3]].filter((name): name is string => !!name) : [];
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Calls `field` for each field of the protobuf message ending at `end`; the fields it does not read are skipped. */
function eachField(reader: protobuf.Reader, end: number, field: (number: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!field(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
}

function nested(reader: protobuf.Reader, read: (end: number) => void): void {
  const length = reader.uint32();
  const end = reader.pos + length;
  read(end);
  reader.pos = end;
}

/** A TensorProto: name 8, data_type 2, raw_data 9. */
function readTensorProto(reader: protobuf.Reader, model: Uint8Array, end: number): [string, Initializer] {
  let name = '';
  const tensor: Initializer = { dataType: 0, dataTypeAt: -1 };
  eachField(reader, end, (number, wireType) => {
    if (number === 2 && wireType === WIRE_VARINT) {
      tensor.dataTypeAt = reader.pos;
      tensor.dataType = reader.uint32();
    } else if (number === 8 && wireType === WIRE_BYTES) {
      name = reader.string();
    } else if (number === 9 && wireType === WIRE_BYTES) {
      const length = reader.uint32();
      tensor.raw = model.subarray(reader.pos, reader.pos + length);
      reader.pos += length;
    } else return false;
    return true;
  });
  return [name, tensor];
}

/** A NodeProto: input 1, op_type 4. */
function readNodeProto(reader: protobuf.Reader, end: number): string[] {
  const inputs: string[] = [];
  let opType = '';
  eachField(reader, end, (number, wireType) => {
    if (number === 1 && wireType === WIRE_BYTES) inputs.push(reader.string());
    else if (number === 4 && wireType === WIRE_BYTES) opType = reader.string();
    else return false;
    return true;
  });
  return weightInputs(opType, inputs);
}

/** An ONNX ModelProto: its graph (7), the graph's nodes (1) and initializers (5). */
function readOnnx(model: Uint8Array): GraphLayout {
  const reader = protobuf.Reader.create(model);
  const layout: GraphLayout = { initializers: new Map(), weights: new Set(), declared: new Map() };
  eachField(reader, model.length, (number, wireType) => {
    if (number !== 7 || wireType !== WIRE_BYTES) return false;
    nested(reader, (graphEnd) =>
      eachField(reader, graphEnd, (graphField, graphWire) => {
        if (graphWire !== WIRE_BYTES) return false;
        if (graphField === 1) {
          nested(reader, (end) => {
            for (const name of readNodeProto(reader, end)) layout.weights.add(name);
          });
        } else if (graphField === 5) {
          nested(reader, (end) => layout.initializers.set(...readTensorProto(reader, model, end)));
        } else return false;
        return true;
      }),
    );
    return true;
  });
  return layout;
}

/** Field slots of the ORT format's tables (onnxruntime/core/flatbuffers/schema/ort.fbs) that the rewrite reads. */
const ORT = {
  session: { model: 1 },
  model: { graph: 7 },
  graph: { initializers: 0, nodeArgs: 1, nodes: 2 },
  node: { opType: 5, inputs: 8 },
  tensor: { name: 0, dataType: 3, rawData: 4 },
  valueInfo: { name: 0, type: 2 },
  // A union takes two slots: its type tag, then its value.
  typeInfo: { value: 2 },
  tensorTypeAndShape: { elemType: 0 },
} as const;

/** An ORT-format model (a flatbuffer with the identifier "ORTM"): its graph's initializers, nodes and node_args. */
function readOrt(model: Uint8Array): GraphLayout {
  const bb = new ByteBuffer(model);
  const at = (table: number, slot: number) => {
    const offset = bb.__offset(table, 4 + 2 * slot);
    return offset === 0 ? -1 : table + offset;
  };
  const table = (parent: number, slot: number) => {
    const field = at(parent, slot);
    if (field < 0) throw new Error(`the ORT-format model lacks a table (slot ${slot})`);
    return bb.__indirect(field);
  };
  const tables = (parent: number, slot: number): number[] => {
    const field = at(parent, slot);
    if (field < 0) return [];
    const start = bb.__vector(field);
    return Array.from({ length: bb.__vector_len(field) }, (_, i) => bb.__indirect(start + 4 * i));
  };
  const text = (parent: number, slot: number) => {
    const field = at(parent, slot);
    return field < 0 ? '' : (bb.__string(field) as string);
  };
  const typed = (parent: number, slot: number): TypedValue => {
    const field = at(parent, slot);
    return field < 0 ? { dataType: 0, dataTypeAt: -1 } : { dataType: bb.readInt32(field), dataTypeAt: field };
  };
  const graph = table(table(bb.readInt32(bb.position()), ORT.session.model), ORT.model.graph);
  const layout: GraphLayout = { initializers: new Map(), weights: new Set(), declared: new Map() };
  for (const node of tables(graph, ORT.graph.nodes)) {
    const inputsAt = at(node, ORT.node.inputs);
    const inputs =
      inputsAt < 0
        ? []
        : Array.from(
            { length: bb.__vector_len(inputsAt) },
            (_, i) => bb.__string(bb.__vector(inputsAt) + 4 * i) as string,
          );
    for (const name of weightInputs(text(node, ORT.node.opType), inputs)) layout.weights.add(name);
  }
  for (const tensor of tables(graph, ORT.graph.initializers)) {
    const rawAt = at(tensor, ORT.tensor.rawData);
    const raw = rawAt < 0 ? undefined : model.subarray(bb.__vector(rawAt), bb.__vector(rawAt) + bb.__vector_len(rawAt));
    layout.initializers.set(text(tensor, ORT.tensor.name), { ...typed(tensor, ORT.tensor.dataType), raw });
  }
  for (const valueInfo of tables(graph, ORT.graph.nodeArgs)) {
    const name = text(valueInfo, ORT.valueInfo.name);
    if (!layout.weights.has(name) || at(valueInfo, ORT.valueInfo.type) < 0) continue;
    const typeInfo = table(valueInfo, ORT.valueInfo.type);
    if (at(typeInfo, ORT.typeInfo.value) < 0) continue;
    layout.declared.set(name, typed(table(typeInfo, ORT.typeInfo.value), ORT.tensorTypeAndShape.elemType));
  }
  return layout;
}

/** Flips the top bit of each byte: uint8 v around 128 <-> int8 v - 128 around 0. */
function flipTopBits(bytes: Uint8Array): void {
  let at = 0;
  for (; at < bytes.length && (bytes.byteOffset + at) % 4 !== 0; at++) bytes[at]! ^= 0x80;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + at, (bytes.length - at) >>> 2);
  for (let i = 0; i < words.length; i++) words[i]! ^= 0x80808080;
  for (at += words.length * 4; at < bytes.length; at++) bytes[at]! ^= 0x80;
}

function isInt8Type(dataType: number): boolean {
  return dataType === DATA_TYPE.uint8 || dataType === DATA_TYPE.int8;
}

/**
 * Rewrites, in place, the weights and weight zero points of the DynamicQuantizeMatMul nodes of a model's bytes (an
 * ONNX protobuf, or ONNX Runtime's own format) into `layout`, with the types the graph declares for them; returns
 * how many initializers changed. Nothing is changed unless every one of them holds its values as raw bytes of one
 * of the two layouts.
 */
export function rewriteInt8Weights(model: Uint8Array, layout: Int8WeightLayout, format: 'onnx' | 'ort'): number {
  const { initializers, weights, declared } = format === 'onnx' ? readOnnx(model) : readOrt(model);
  const wanted = DATA_TYPE[layout];
  const tensors: Initializer[] = [];
  const types: TypedValue[] = [];
  for (const name of weights) {
    const tensor = initializers.get(name);
    if (!tensor) throw new Error(`the graph has no initializer ${name} for a DynamicQuantizeMatMul node`);
    if (tensor.dataType === wanted) continue;
    if (!isInt8Type(tensor.dataType)) throw new Error(`${name} is of data type ${tensor.dataType}, not uint8 or int8`);
    if (!tensor.raw) throw new Error(`${name} holds no raw bytes`);
    tensors.push(tensor);
    const type = declared.get(name);
    if (type) {
      if (type.dataType !== tensor.dataType) throw new Error(`${name} is declared of data type ${type.dataType}`);
      types.push(type);
    }
  }
  for (const { dataTypeAt } of [...tensors, ...types]) model[dataTypeAt] = wanted;
  for (const tensor of tensors) flipTopBits(tensor.raw!);
  return tensors.length;
}
