import { ByteBuffer } from 'flatbuffers';
import protobuf from 'protobufjs/minimal.js';
import type { Int8WeightLayout } from './int8-layout.js';

/** TensorProto.DataType (ONNX) and TensorDataType (ORT format) of each layout: the same numbers in both. */
const DATA_TYPE: Record<Int8WeightLayout, number> = { uint8: 2, int8: 3 };

const QUANTIZED_OP = 'DynamicQuantizeMatMul';
const QUANTIZED_OP_DOMAIN = 'com.microsoft';
/** The inputs of a DynamicQuantizeMatMul that hold its weights and their zero points. */
const WEIGHT_INPUT = 1;
const ZERO_POINT_INPUT = 3;

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

interface GraphNode {
  opType: string;
  domain: string;
  inputs: string[];
}

/** What the rewrite reads of a graph, in either encoding. */
interface GraphLayout {
  nodes: GraphNode[];
  initializers: Map<string, Initializer>;
  /** Types the graph declares for values by name (the ORT format's node_args), which must follow the tensors'. */
  declared?: Map<string, TypedValue>;
}

/** A model the rewrite cannot take: it is left as it was. */
export class Int8WeightsError extends Error {}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Calls `field` for each field of the protobuf message ending at `end`; the fields it does not read are skipped. */
function eachField(reader: protobuf.Reader, end: number, field: (number: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!field(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
  if (reader.pos !== end) throw new Int8WeightsError('a protobuf message runs past its end');
}

function nested(reader: protobuf.Reader, read: (end: number) => void): void {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new Int8WeightsError('a protobuf message runs past the end of the model');
  read(end);
  reader.pos = end;
}

/** A TensorProto: data_type 2, name 8, raw_data 9. */
function readTensorProto(reader: protobuf.Reader, model: Uint8Array, end: number): [string, Initializer] {
  let name = '';
  const tensor: Initializer = { dataType: 0, dataTypeAt: -1 };
  eachField(reader, end, (number, wireType) => {
    if (number === 2 && wireType === WIRE_VARINT) {
      tensor.dataTypeAt = reader.pos;
      tensor.dataType = reader.uint32();
      // Only a one-byte varint can be rewritten in place.
      if (reader.pos !== tensor.dataTypeAt + 1) tensor.dataTypeAt = -1;
    } else if (number === 8 && wireType === WIRE_BYTES) {
      name = reader.string();
    } else if (number === 9 && wireType === WIRE_BYTES) {
      nested(reader, (rawEnd) => {
        tensor.raw = model.subarray(reader.pos, rawEnd);
      });
    } else return false;
    return true;
  });
  return [name, tensor];
}

/** A NodeProto: input 1, op_type 4, domain 7. */
function readNodeProto(reader: protobuf.Reader, end: number): GraphNode {
  const node: GraphNode = { opType: '', domain: '', inputs: [] };
  eachField(reader, end, (number, wireType) => {
    if (wireType !== WIRE_BYTES) return false;
    if (number === 1) node.inputs.push(reader.string());
    else if (number === 4) node.opType = reader.string();
    else if (number === 7) node.domain = reader.string();
    else return false;
    return true;
  });
  return node;
}

/** An ONNX ModelProto: its graph (7), the graph's nodes (1) and initializers (5). */
function readOnnx(model: Uint8Array): GraphLayout {
  const reader = protobuf.Reader.create(model);
  const layout: GraphLayout = { nodes: [], initializers: new Map() };
  eachField(reader, model.length, (number, wireType) => {
    if (number !== 7 || wireType !== WIRE_BYTES) return false;
    nested(reader, (graphEnd) =>
      eachField(reader, graphEnd, (graphField, graphWire) => {
        if (graphWire !== WIRE_BYTES) return false;
        if (graphField === 1) nested(reader, (end) => layout.nodes.push(readNodeProto(reader, end)));
        else if (graphField === 5)
          nested(reader, (end) => layout.initializers.set(...readTensorProto(reader, model, end)));
        else return false;
        return true;
      }),
    );
    return true;
  });
  return layout;
}

/** Field slots of the ORT format's tables (onnxruntime/core/flatbuffers/schema/ort.fbs) that the rewrite reads. */
const ORT = {
  identifier: 'ORTM',
  session: { model: 1 },
  model: { graph: 7 },
  graph: { initializers: 0, nodeArgs: 1, nodes: 2 },
  node: { domain: 2, opType: 5, inputs: 8 },
  tensor: { name: 0, dataType: 3, rawData: 4 },
  valueInfo: { name: 0, type: 2 },
  // A union takes two slots: its type tag, then its value.
  typeInfo: { valueType: 1, value: 2 },
  /** TypeInfoValue's tag for a tensor_type. */
  tensorTypeTag: 1,
  tensorTypeAndShape: { elemType: 0 },
} as const;

/**
 * Reads an ORT-format model (a flatbuffer) with every offset checked against its length: flatbuffers' own reader
 * reads zeros past the end, and a corrupt copy must end in an error, not in a runaway loop.
 */
function ortReader(model: Uint8Array) {
  const bb = new ByteBuffer(model);
  const within = (offset: number, bytes: number) => {
    if (!Number.isSafeInteger(offset) || offset < 0 || bytes < 0 || offset + bytes > model.length)
      throw new Int8WeightsError('the ORT-format model points outside itself');
    return offset;
  };
  /** The position a uoffset at `offset` points to. */
  const deref = (offset: number) => within(within(offset, 4) + bb.readUint32(offset), 4);
  /** Where field `slot` of the table at `table` lies, or -1 when the table does not hold it. */
  const field = (table: number, slot: number, bytes: number) => {
    const vtable = within(table - bb.readInt32(within(table, 4)), 4);
    const entry = 4 + 2 * slot;
    const vtableBytes = bb.readUint16(vtable);
    within(vtable, vtableBytes);
    if (entry >= vtableBytes) return -1;
    const offset = bb.readUint16(within(vtable + entry, 2));
    return offset === 0 ? -1 : within(table + offset, bytes);
  };
  const text = (at: number) => {
    const length = bb.readUint32(at);
    return Buffer.from(model.buffer, model.byteOffset + within(at + 4, length), length).toString('utf8');
  };
  /** The elements of the vector of offsets in field `slot`: tables or strings. */
  const vector = (table: number, slot: number): number[] => {
    const at = field(table, slot, 4);
    if (at < 0) return [];
    const start = deref(at);
    const length = bb.readUint32(start);
    within(start + 4, 4 * length);
    return Array.from({ length }, (_, i) => deref(start + 4 + 4 * i));
  };
  return {
    readUint8: (at: number) => bb.readUint8(at),
    hasIdentifier: (identifier: string) => model.length >= 8 && bb.__has_identifier(identifier),
    root: () => deref(0),
    field,
    table: (parent: number, slot: number) => {
      const at = field(parent, slot, 4);
      if (at < 0) throw new Int8WeightsError(`the ORT-format model lacks a table (slot ${slot})`);
      return deref(at);
    },
    tables: vector,
    strings: (parent: number, slot: number) => vector(parent, slot).map(text),
    string: (parent: number, slot: number) => {
      const at = field(parent, slot, 4);
      return at < 0 ? '' : text(deref(at));
    },
    bytes: (parent: number, slot: number): Uint8Array | undefined => {
      const at = field(parent, slot, 4);
      if (at < 0) return undefined;
      const start = deref(at);
      const length = bb.readUint32(start);
      return model.subarray(within(start + 4, length), start + 4 + length);
    },
    typed: (parent: number, slot: number): TypedValue => {
      const at = field(parent, slot, 4);
      return at < 0 ? { dataType: 0, dataTypeAt: -1 } : { dataType: bb.readInt32(at), dataTypeAt: at };
    },
  };
}

/** An ORT-format model: its graph's nodes, initializers, and the types its node_args declare. */
function readOrt(model: Uint8Array): GraphLayout {
  const r = ortReader(model);
  if (!r.hasIdentifier(ORT.identifier))
    throw new Int8WeightsError(`not an ORT-format model (no "${ORT.identifier}" identifier)`);
  const graph = r.table(r.table(r.root(), ORT.session.model), ORT.model.graph);
  const layout: GraphLayout = { nodes: [], initializers: new Map(), declared: new Map() };
  for (const node of r.tables(graph, ORT.graph.nodes)) {
    layout.nodes.push({
      opType: r.string(node, ORT.node.opType),
      domain: r.string(node, ORT.node.domain),
      inputs: r.strings(node, ORT.node.inputs),
    });
  }
  for (const tensor of r.tables(graph, ORT.graph.initializers)) {
    layout.initializers.set(r.string(tensor, ORT.tensor.name), {
      ...r.typed(tensor, ORT.tensor.dataType),
      raw: r.bytes(tensor, ORT.tensor.rawData),
    });
  }
  for (const valueInfo of r.tables(graph, ORT.graph.nodeArgs)) {
    const name = r.string(valueInfo, ORT.valueInfo.name);
    if (!layout.initializers.has(name) || r.field(valueInfo, ORT.valueInfo.type, 4) < 0) continue;
    const typeInfo = r.table(valueInfo, ORT.valueInfo.type);
    const tag = r.field(typeInfo, ORT.typeInfo.valueType, 1);
    if (tag < 0 || r.readUint8(tag) !== ORT.tensorTypeTag) continue;
    layout.declared!.set(name, r.typed(r.table(typeInfo, ORT.typeInfo.value), ORT.tensorTypeAndShape.elemType));
  }
  return layout;
}

/**
 * The initializers DynamicQuantizeMatMul nodes take as weights and zero points. Each must be read by such nodes
 * alone, in those places: flipping its bytes would change what any other reader sees.
 */
function quantizedWeights({ nodes, initializers }: GraphLayout): Set<string> {
  const isQuantized = (node: GraphNode) => node.opType === QUANTIZED_OP && node.domain === QUANTIZED_OP_DOMAIN;
  const weights = new Set<string>();
  for (const { inputs } of nodes.filter(isQuantized)) {
    const [weight, zeroPoint] = [inputs[WEIGHT_INPUT], inputs[ZERO_POINT_INPUT]];
    // Without a zero point, uint8 weights sit around 0: the same bytes flipped would not hold the same numbers.
    if (!weight || !zeroPoint) throw new Int8WeightsError(`a ${QUANTIZED_OP} node has no weight zero point`);
    if (!initializers.has(weight) || !initializers.has(zeroPoint)) continue;
    weights.add(weight).add(zeroPoint);
  }
  for (const node of nodes) {
    const quantized = isQuantized(node);
    node.inputs.forEach((name, i) => {
      if (weights.has(name) && !(quantized && (i === WEIGHT_INPUT || i === ZERO_POINT_INPUT)))
        throw new Int8WeightsError(`${name} is also read by a ${node.opType} node as its input ${i}`);
    });
  }
  return weights;
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
 * how many initializers changed. A model it cannot take (malformed, a weight of another type or shared with other
 * nodes, ...) throws Int8WeightsError and is left as it was: nothing is written before every check has passed.
 */
export function rewriteInt8Weights(model: Uint8Array, layout: Int8WeightLayout, format: 'onnx' | 'ort'): number {
  let graph: GraphLayout;
  try {
    graph = format === 'onnx' ? readOnnx(model) : readOrt(model);
  } catch (error) {
    if (error instanceof Int8WeightsError) throw error;
    throw new Int8WeightsError(`cannot read the ${format} model: ${(error as Error).message}`);
  }
  const wanted = DATA_TYPE[layout];
  const tensors: Initializer[] = [];
  const types: TypedValue[] = [];
  for (const name of quantizedWeights(graph)) {
    const tensor = graph.initializers.get(name)!;
    if (tensor.dataType === wanted) continue;
    if (!isInt8Type(tensor.dataType))
      throw new Int8WeightsError(`${name} is of data type ${tensor.dataType}, not uint8 or int8`);
    if (!tensor.raw || tensor.dataTypeAt < 0) throw new Int8WeightsError(`${name} is not held as raw bytes`);
    tensors.push(tensor);
    if (!graph.declared) continue;
    const type = graph.declared.get(name);
    if (type?.dataType !== tensor.dataType || type.dataTypeAt < 0)
      throw new Int8WeightsError(`${name} is declared of data type ${type?.dataType}, not its own ${tensor.dataType}`);
    types.push(type);
  }
  for (const { dataTypeAt } of [...tensors, ...types]) model[dataTypeAt] = wanted;
  for (const tensor of tensors) flipTopBits(tensor.raw!);
  return tensors.length;
}
