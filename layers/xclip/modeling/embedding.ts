import { attr, type GraphBuilder, onnxDataType } from '../onnx/graph-builder.js';
import { quantizeInt8 } from '../quantize.js';

/** How an embedding table [rows, width] is stored and looked up by integer ids. */
export interface EmbeddingEmitter {
  gather(g: GraphBuilder, table: Float32Array, rows: number, width: number, ids: string, name: string): string;
}

export const fp32Embedding: EmbeddingEmitter = {
  gather(g, table, rows, width, ids, name) {
    const weight = g.initializer(`${name}.weight`, { type: 'float32', dims: [rows, width], data: table });
    return g.op1('Gather', [weight, ids], { axis: attr.int(0) }, { name });
  },
};

/**
 * int8 rows with one scale per row: the 49408-row token table is the text model's largest tensor,
 * and a lookup dequantizes only the rows it gathers.
 */
export const int8Embedding: EmbeddingEmitter = {
  gather(g, table, rows, width, ids, name) {
    const { values, scales } = quantizeInt8(table, rows, width, 'row');
    const quantized = g.initializer(`${name}.weight_int8`, { type: 'int8', dims: [rows, width], data: values });
    const rowScales = g.initializer(`${name}.row_scale`, { type: 'float32', dims: [rows, 1], data: scales });
    const gathered = g.op1('Cast', [g.op1('Gather', [quantized, ids], { axis: attr.int(0) })], {
      to: attr.int(onnxDataType(g.floatType)),
    });
    return g.op1('Mul', [gathered, g.op1('Gather', [rowScales, ids], { axis: attr.int(0) })], {}, { name });
  },
};
