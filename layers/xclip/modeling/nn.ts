import type { Activation } from '../config.js';
import { attr, type GraphBuilder } from '../onnx/graph-builder.js';
import { type CheckpointWeights, scaled, transpose2d } from '../weights.js';
import type { WeightFormat } from './weight-format.js';

/** What every module builder needs: the graph under construction, the weights and how to store them. */
export interface ModelContext {
  g: GraphBuilder;
  weights: CheckpointWeights;
  format: WeightFormat;
}

export interface LinearOptions {
  bias?: boolean;
  /** Multiplies weight and bias at build time (used to fold attention's query scaling). */
  scale?: number;
}

interface LinearWeights {
  /** [in, out], the x @ W layout. */
  weight: Float32Array;
  bias?: Float32Array;
}

/** HF nn.Linear `prefix` weights ([out, in]) transposed for x @ W, scaled when asked. */
function linearWeights(
  ctx: ModelContext,
  prefix: string,
  inFeatures: number,
  outFeatures: number,
  { bias = true, scale = 1 }: LinearOptions,
): LinearWeights {
  const weight = transpose2d(
    ctx.weights.take(`${prefix}.weight`, [outFeatures, inFeatures]).data,
    outFeatures,
    inFeatures,
  );
  const biasData = bias ? ctx.weights.take(`${prefix}.bias`, [outFeatures]).data : undefined;
  if (scale === 1) return { weight, bias: biasData };
  return { weight: scaled(weight, scale), bias: biasData && scaled(biasData, scale) };
}

/** HF nn.Linear `prefix` ([out, in] weight, optional bias) applied to x [..., in]. */
export function linear(
  ctx: ModelContext,
  prefix: string,
  x: string,
  inFeatures: number,
  outFeatures: number,
  options: LinearOptions = {},
): string {
  const { weight, bias } = linearWeights(ctx, prefix, inFeatures, outFeatures, options);
  return ctx.format.linear.emit(ctx.g, x, weight, inFeatures, outFeatures, bias, prefix);
}

/**
 * Several HF nn.Linear layers of the same input, all `size` -> `size`, as one wider matrix
 * multiplication whose output is split again (attention's q/k/v): one quantization of x, one GEMM.
 */
export function packedLinear(
  ctx: ModelContext,
  prefixes: ReadonlyArray<{ prefix: string } & LinearOptions>,
  x: string,
  size: number,
): string[] {
  const parts = prefixes.map(({ prefix, ...options }) => linearWeights(ctx, prefix, size, size, options));
  const width = size * parts.length;
  const weight = new Float32Array(size * width);
  for (let row = 0; row < size; row++) {
    parts.forEach((part, p) => {
      weight.set(part.weight.subarray(row * size, (row + 1) * size), row * width + p * size);
    });
  }
  const hasBias = parts.some((part) => part.bias);
  const bias = hasBias ? new Float32Array(width) : undefined;
  parts.forEach((part, p) => {
    part.bias && bias!.set(part.bias, p * size);
  });
  const name = prefixes.map(({ prefix }) => prefix).join('+');
  const packed = ctx.format.linear.emit(ctx.g, x, weight, size, width, bias, name);
  return ctx.g.op(
    'Split',
    [packed, ctx.g.ints(parts.map(() => size))],
    { axis: attr.int(-1) },
    { outputs: parts.length, name: `${name}.split` },
  );
}

/** HF nn.LayerNorm `prefix` over the last axis. */
export function layerNorm(ctx: ModelContext, prefix: string, x: string, size: number, eps: number): string {
  const { g, weights } = ctx;
  const scale = g.initializer(`${prefix}.weight`, {
    type: 'float32',
    dims: [size],
    data: weights.take(`${prefix}.weight`, [size]).data,
  });
  const bias = g.initializer(`${prefix}.bias`, {
    type: 'float32',
    dims: [size],
    data: weights.take(`${prefix}.bias`, [size]).data,
  });
  return g.op1(
    'LayerNormalization',
    [x, scale, bias],
    { axis: attr.int(-1), epsilon: attr.float(eps) },
    { name: prefix },
  );
}

/** HF ACT2FN[name] in opset-17 operators. */
export function activation(g: GraphBuilder, name: Activation, x: string): string {
  switch (name) {
    case 'quick_gelu':
      return g.op1('Mul', [x, g.op1('Sigmoid', [g.op1('Mul', [x, g.scalar(1.702)])])], {}, { name: 'quick_gelu' });
    case 'gelu': {
      const erf = g.op1('Erf', [g.op1('Mul', [x, g.scalar(Math.SQRT1_2)])]);
      return g.op1('Mul', [g.op1('Mul', [x, g.scalar(0.5)]), g.op1('Add', [erf, g.scalar(1)])], {}, { name: 'gelu' });
    }
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      const cube = g.op1('Mul', [g.op1('Mul', [x, x]), x]);
      const inner = g.op1('Mul', [
        g.op1('Add', [x, g.op1('Mul', [cube, g.scalar(0.044715)])]),
        g.scalar(Math.sqrt(2 / Math.PI)),
      ]);
      const tanh = g.op1('Tanh', [inner]);
      return g.op1(
        'Mul',
        [g.op1('Mul', [x, g.scalar(0.5)]), g.op1('Add', [tanh, g.scalar(1)])],
        {},
        { name: 'gelu_tanh' },
      );
    }
    case 'relu':
      return g.op1('Relu', [x]);
    case 'silu':
    case 'swish':
      return g.op1('Mul', [x, g.op1('Sigmoid', [x])], {}, { name: 'silu' });
    case 'tanh':
      return g.op1('Tanh', [x]);
    case 'sigmoid':
      return g.op1('Sigmoid', [x]);
  }
}

/** HF CLIP-style MLP: fc1 -> act -> fc2 (names given, since the prompt generator calls them mlp.0 / mlp.3). */
export function mlp(
  ctx: ModelContext,
  names: { fc1: string; fc2: string },
  x: string,
  hidden: number,
  intermediate: number,
  act: Activation,
): string {
  const h = linear(ctx, names.fc1, x, hidden, intermediate);
  return linear(ctx, names.fc2, activation(ctx.g, act, h), intermediate, hidden);
}

export interface AttentionShape {
  hidden: number;
  heads: number;
}

/**
 * Scaled dot-product attention over already projected q [b, sq, D] (scaling folded in), k and v
 * [b, sk, D]; `mask` is added to the scores [b, heads, sq, sk] when given. Returns [b, sq, D].
 */
export function scaledDotProductAttention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  shape: AttentionShape,
  mask?: string,
): string {
  const headDim = shape.hidden / shape.heads;
  const split = g.ints([0, 0, shape.heads, headDim]);
  const heads = (value: string, perm: number[]) =>
    g.op1('Transpose', [g.op1('Reshape', [value, split])], { perm: attr.ints(perm) });
  let scores = g.op1('MatMul', [heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])], {}, { name: 'attn_scores' });
  if (mask) scores = g.op1('Add', [scores, mask]);
  const probs = g.op1('Softmax', [scores], { axis: attr.int(-1) });
  const context = g.op1('Transpose', [g.op1('MatMul', [probs, heads(v, [0, 2, 1, 3])])], {
    perm: attr.ints([0, 2, 1, 3]),
  });
  return g.op1('Reshape', [context, g.ints([0, 0, shape.hidden])], {}, { name: 'attn_context' });
}

/** HF XCLIPAttention `prefix` (q/k/v/out_proj with bias, q scaled by head_dim^-0.5) as self-attention. */
export function selfAttention(
  ctx: ModelContext,
  prefix: string,
  x: string,
  shape: AttentionShape,
  mask?: string,
): string {
  const { hidden } = shape;
  const scale = (hidden / shape.heads) ** -0.5;
  const [q, k, v] = packedLinear(
    ctx,
    [{ prefix: `${prefix}.q_proj`, scale }, { prefix: `${prefix}.k_proj` }, { prefix: `${prefix}.v_proj` }],
    x,
    hidden,
  ) as [string, string, string];
  return linear(ctx, `${prefix}.out_proj`, scaledDotProductAttention(ctx.g, q, k, v, shape, mask), hidden, hidden);
}

export interface EncoderLayerShape extends AttentionShape {
  intermediate: number;
  act: Activation;
  eps: number;
}

/** HF XCLIPEncoderLayer (pre-LN): x + self_attn(ln1(x)), then + mlp(ln2(.)). */
export function encoderLayer(
  ctx: ModelContext,
  prefix: string,
  x: string,
  shape: EncoderLayerShape,
  mask?: string,
): string {
  const { g } = ctx;
  const attended = g.op1('Add', [
    x,
    selfAttention(
      ctx,
      `${prefix}.self_attn`,
      layerNorm(ctx, `${prefix}.layer_norm1`, x, shape.hidden, shape.eps),
      shape,
      mask,
    ),
  ]);
  return encoderMlpBlock(ctx, prefix, attended, shape);
}

/** The second half of an encoder layer: x + mlp(layer_norm2(x)). */
export function encoderMlpBlock(ctx: ModelContext, prefix: string, x: string, shape: EncoderLayerShape): string {
  const normed = layerNorm(ctx, `${prefix}.layer_norm2`, x, shape.hidden, shape.eps);
  const mlpOut = mlp(
    ctx,
    { fc1: `${prefix}.mlp.fc1`, fc2: `${prefix}.mlp.fc2` },
    normed,
    shape.hidden,
    shape.intermediate,
    shape.act,
  );
  return ctx.g.op1('Add', [x, mlpOut], {}, { name: `${prefix}.out` });
}

/** Mean over `axis`, dropping it (opset 17 keeps axes as an attribute). */
export function meanOver(g: GraphBuilder, x: string, axis: number): string {
  return g.op1('ReduceMean', [x], { axes: attr.ints([axis]), keepdims: attr.int(0) });
}

/** x / ||x||_2 over the last axis, without epsilon (as HF does). */
export function l2Normalize(g: GraphBuilder, x: string): string {
  return g.op1(
    'Div',
    [x, g.op1('ReduceL2', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) })],
    {},
    { name: 'l2_normalized' },
  );
}
