/** The weight precisions a model is built at (a module of its own: the CLI's options list them without the builder). */
export const PRECISIONS = ['fp32', 'int8', 'int4', 'fp16'] as const;
export type Precision = (typeof PRECISIONS)[number];
