import protobuf from 'protobufjs/minimal.js';
import type { Int8WeightLayout } from './int8-layout.js';

/** TensorProto.DataType of each layout. */
const DATA_TYPE: Record<Int8WeightLayout, number> = { uint8: 2, int8: 3 };
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Where an initializer's type and bytes lie in the model's protobuf encoding. */
interface InitializerAt {
  dataType: number;
  /** Offset of the one-byte varint holding the data type. */
  dataTypeAt: number;
  /** The raw_data bytes, a view of the model's buffer; absent when the values are held another way. */
  raw?: Uint8Array;
}

/** Calls `field` for each field of the message ending at `end`; the fields it does not read are skipped. */
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

function readInitializer(reader: protobuf.Reader, model: Uint8Array, end: number): [string, InitializerAt] {
  let name = '';
  const at: InitializerAt = { dataType: 0, dataTypeAt: -1 };
  eachField(reader, end, (number, wireType) => {
    if (number === 2 && wireType === WIRE_VARINT) {
      at.dataTypeAt = reader.pos;
      at.dataType = reader.uint32();
    } else if (number === 8 && wireType === WIRE_BYTES) {
      name = reader.string();
    } else if (number === 9 && wireType === WIRE_BYTES) {
      const length = reader.uint32();
      at.raw = model.subarray(reader.pos, reader.pos + length);
      reader.pos += length;
    } else return false;
    return true;
  });
  return [name, at];
}

/** The names of a DynamicQuantizeMatMul node's weight and weight zero point (its inputs 1 and 3). */
function readWeightInputs(reader: protobuf.Reader, end: number): string[] {
  const inputs: string[] = [];
  let opType = '';
  eachField(reader, end, (number, wireType) => {
    if (number === 1 && wireType === WIRE_BYTES) inputs.push(reader.string());
    else if (number === 4 && wireType === WIRE_BYTES) opType = reader.string();
    else return false;
    return true;
  });
  return opType === 'DynamicQuantizeMatMul' ? [inputs[1], inputs[3]].filter((name): name is string => !!name) : [];
}

/** The model's initializers by name and the names DynamicQuantizeMatMul nodes read as weights or zero points. */
function readGraph(model: Uint8Array): { initializers: Map<string, InitializerAt>; weights: Set<string> } {
  const reader = protobuf.Reader.create(model);
  const initializers = new Map<string, InitializerAt>();
  const weights = new Set<string>();
  eachField(reader, model.length, (number, wireType) => {
    if (number !== 7 || wireType !== WIRE_BYTES) return false;
    nested(reader, (graphEnd) =>
      eachField(reader, graphEnd, (graphField, graphWire) => {
        if (graphWire !== WIRE_BYTES) return false;
        if (graphField === 1) {
          nested(reader, (end) => {
            for (const name of readWeightInputs(reader, end)) weights.add(name);
          });
        } else if (graphField === 5) {
          nested(reader, (end) => initializers.set(...readInitializer(reader, model, end)));
        } else return false;
        return true;
      }),
    );
    return true;
  });
  return { initializers, weights };
}

/** Flips the top bit of each byte: uint8 v around 128 <-> int8 v - 128 around 0. */
function flipTopBits(bytes: Uint8Array): void {
  let at = 0;
  for (; at < bytes.length && (bytes.byteOffset + at) % 4 !== 0; at++) bytes[at]! ^= 0x80;
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset + at, (bytes.length - at) >>> 2);
  for (let i = 0; i < words.length; i++) words[i]! ^= 0x80808080;
  for (at += words.length * 4; at < bytes.length; at++) bytes[at]! ^= 0x80;
}

/**
 * Rewrites, in place, the weights and weight zero points of the DynamicQuantizeMatMul nodes of an ONNX model's
 * bytes into `layout`; returns how many initializers changed. Nothing is changed unless every one of them holds
 * its values as raw bytes of one of the two layouts.
 */
export function rewriteInt8Weights(model: Uint8Array, layout: Int8WeightLayout): number {
  const { initializers, weights } = readGraph(model);
  const wanted = DATA_TYPE[layout];
  const changes: InitializerAt[] = [];
  for (const name of weights) {
    const at = initializers.get(name);
    if (!at) throw new Error(`the graph has no initializer ${name} for a DynamicQuantizeMatMul node`);
    if (at.dataType === wanted) continue;
    if (at.dataType !== DATA_TYPE.uint8 && at.dataType !== DATA_TYPE.int8)
      throw new Error(`${name} is of ONNX data type ${at.dataType}, not uint8 or int8`);
    if (!at.raw) throw new Error(`${name} holds no raw bytes`);
    changes.push(at);
  }
  for (const at of changes) {
    model[at.dataTypeAt] = wanted;
    flipTopBits(at.raw!);
  }
  return changes.length;
}
