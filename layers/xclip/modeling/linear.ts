import { attr, type GraphBuilder, MS_DOMAIN } from '../onnx/graph-builder.js';
import { quantizeInt4Blocks, quantizeInt8 } from '../quantize.js';

/** How a linear layer's weights are stored and multiplied (fp32 MatMul, int8, int4, ...). */
export interface LinearEmitter {
  /** x [..., in] times weight [in, out] (already transposed from HF's [out, in]) plus optional bias. */
  emit(
    g: GraphBuilder,
    x: string,
    weight: Float32Array,
    inFeatures: number,
    outFeatures: number,
    bias: Float32Array | undefined,
    name: string,
  ): string;
}

function biasInitializer(g: GraphBuilder, name: string, bias: Float32Array): string {
  return g.initializer(`${name}.bias`, { type: 'float32', dims: [bias.length], data: bias });
}

/** Plain opset-17 MatMul (+ Add): the fp32 parity reference. */
export const fp32Linear: LinearEmitter = {
  emit(g, x, weight, inFeatures, outFeatures, bias, name) {
    const w = g.initializer(`${name}.weight`, { type: 'float32', dims: [inFeatures, outFeatures], data: weight });
    const product = g.op1('MatMul', [x, w], {}, { name: `${name}.matmul` });
    return bias ? g.op1('Add', [product, biasInitializer(g, name, bias)], {}, { name: `${name}.add` }) : product;
  },
};

/** Where uint8 weights put the symmetric int8 grid's zero. */
const UINT8_ZERO_POINT = 128;

/**
 * Dynamic int8: weights symmetric 8-bit per output column, activations quantized at run time, all in ONNX
 * Runtime's fused DynamicQuantizeMatMul (bias included). The weights are stored as uint8 around a zero point of
 * 128 rather than as int8: on x86 CPUs with AVX2 but no VNNI, ONNX Runtime's uint8 x int8 kernel adds pairs of
 * products in 16 bits and saturates (logits off by about 3 on the golden fixture), while its uint8 x uint8 kernel
 * is exact everywhere. Where the uint8 x int8 kernel is exact and much the faster (VNNI), sessions rewrite
 * the weights to int8 as they load (int8-layout.ts, int8-weights.ts).
 */
export const int8Linear: LinearEmitter = {
  emit(g, x, weight, inFeatures, outFeatures, bias, name) {
    const { values, scales } = quantizeInt8(weight, inFeatures, outFeatures, 'column');
    const shifted = Uint8Array.from(values, (value) => value + UINT8_ZERO_POINT);
    const zeroPoints = new Uint8Array(outFeatures).fill(UINT8_ZERO_POINT);
    const inputs = [
      x,
      g.initializer(`${name}.weight_uint8`, { type: 'uint8', dims: [inFeatures, outFeatures], data: shifted }),
      g.initializer(`${name}.weight_scale`, { type: 'float32', dims: [outFeatures], data: scales }),
      g.initializer(`${name}.weight_zero_point`, { type: 'uint8', dims: [outFeatures], data: zeroPoints }),
    ];
    if (bias) inputs.push(biasInitializer(g, name, bias));
    return g.op1('DynamicQuantizeMatMul', inputs, {}, { domain: MS_DOMAIN, name: `${name}.qmatmul` });
  },
};

export const INT4_BLOCK_SIZE = 32;

/** Weight-only 4-bit MatMulNBits; `accuracyLevel` 4 lets ONNX Runtime compute with int8 activations. */
export function int4Linear(accuracyLevel: number): LinearEmitter {
  return {
    emit(g, x, weight, inFeatures, outFeatures, bias, name) {
      const { packed, scales, blocks } = quantizeInt4Blocks(weight, inFeatures, outFeatures, INT4_BLOCK_SIZE);
      const inputs = [
        x,
        g.initializer(`${name}.weight_int4`, {
          type: 'uint8',
          dims: [outFeatures, blocks, INT4_BLOCK_SIZE / 2],
          data: packed,
        }),
        g.initializer(`${name}.weight_scale`, { type: 'float32', dims: [outFeatures * blocks], data: scales }),
      ];
      if (bias) inputs.push('', '', biasInitializer(g, name, bias));
      return g.op1(
        'MatMulNBits',
        inputs,
        {
          K: attr.int(inFeatures),
          N: attr.int(outFeatures),
          bits: attr.int(4),
          block_size: attr.int(INT4_BLOCK_SIZE),
          accuracy_level: attr.int(accuracyLevel),
        },
        { domain: MS_DOMAIN, name: `${name}.matmul_nbits` },
      );
    },
  };
}
