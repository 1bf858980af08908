import type { Precision } from '../precision.js';
import { type EmbeddingEmitter, fp32Embedding, int8Embedding } from './embedding.js';
import { fp32Linear, int4Linear, int8Linear, type LinearEmitter } from './linear.js';

/** How a precision stores and applies weights: linear layers, the token embedding table, and the float type inside the graphs. */
export interface WeightFormat {
  linear: LinearEmitter;
  embedding: EmbeddingEmitter;
  compute: 'float32' | 'float16';
}

export const WEIGHT_FORMATS: Record<Precision, WeightFormat> = {
  fp32: { linear: fp32Linear, embedding: fp32Embedding, compute: 'float32' },
  int8: { linear: int8Linear, embedding: int8Embedding, compute: 'float32' },
  int4: { linear: int4Linear(4), embedding: int8Embedding, compute: 'float32' },
  // For GPUs: every float in half precision, float32 at the graphs' inputs and outputs.
  fp16: { linear: fp32Linear, embedding: fp32Embedding, compute: 'float16' },
};
