import { type EmbeddingEmitter, fp32Embedding, int8Embedding } from './embedding.js';
import { type LinearEmitter, fp32Linear, int4Linear, int8Linear } from './linear.js';

export const PRECISIONS = ['fp32', 'int8', 'int4'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** How a precision stores and applies weights: linear layers and the token embedding table. */
export interface WeightFormat {
  linear: LinearEmitter;
  embedding: EmbeddingEmitter;
}

export const WEIGHT_FORMATS: Record<Precision, WeightFormat> = {
  fp32: { linear: fp32Linear, embedding: fp32Embedding },
  int8: { linear: int8Linear, embedding: int8Embedding },
  int4: { linear: int4Linear(4), embedding: int8Embedding },
};
