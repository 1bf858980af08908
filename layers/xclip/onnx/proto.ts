// onnx-proto is a CommonJS protobufjs static module: its namespace is reached through the default export.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
