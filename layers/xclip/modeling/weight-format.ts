import { toFloat16Bits } from '../safetensors.js';
import { type GraphBuilder, attr } from '../onnx/graph-builder.js';
import { type EmbeddingEmitter, fp32Embedding, int8Embedding } from './embedding.js';
import { type LinearEmitter, fp32Linear, int4Linear, int8Linear } from './linear.js';

export const PRECISIONS = ['fp32', 'int8', 'int4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** How a precision stores and applies weights: linear layers and the token embedding table. */
export interface WeightFormat {
  linear: LinearEmitter;
  embedding: EmbeddingEmitter;
  /** A float tensor used as is (the patch convolution's kernel), as a float32 value in the graph. */
  dense: (g: GraphBuilder, name: string, dims: readonly number[], data: Float32Array) => string;
}

const fp32Dense: WeightFormat['dense'] = (g, name, dims, data) => g.initializer(name, { type: 'float32', dims, data });

/** Stored as float16 and cast once: ONNX Runtime folds the Cast when the session loads. */
const fp16StoredDense: WeightFormat['dense'] = (g, name, dims, data) =>
  g.op1('Cast', [g.initializer(`${name}_fp16`, { type: 'float16', dims, data: toFloat16Bits(data) })], { to: attr.int(1 /* FLOAT */) }, { name });

export const WEIGHT_FORMATS: Record<Precision, WeightFormat> = {
  fp32: { linear: fp32Linear, embedding: fp32Embedding, dense: fp32Dense },
  int8: { linear: int8Linear, embedding: int8Embedding, dense: fp32Dense },
  int4: { linear: int4Linear(4), embedding: int8Embedding, dense: fp16StoredDense },
};
