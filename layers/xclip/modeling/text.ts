import type { XclipConfig } from '../config.js';
import { attr, type GraphBuilder, onnxDataType } from '../onnx/graph-builder.js';
import { TEXT_INPUTS, TEXT_OUTPUT } from './graph-io.js';
import { type EncoderLayerShape, encoderLayer, layerNorm, linear, type ModelContext } from './nn.js';

/** torch.finfo(float32).min, the value HF's masks add. */
const MASKED = -3.4028234663852886e38;

/** Causal mask for the longest sequence the model takes; sliced to [L, L] at run time. */
function causalMaskTable(length: number): Float32Array {
  const table = new Float32Array(length * length);
  for (let query = 0; query < length; query++) {
    for (let key = query + 1; key < length; key++) table[query * length + key] = MASKED;
  }
  return table;
}

/** HF's additive mask [C, 1, L, L]: causal plus padding (keys whose attention_mask is 0). */
function attentionMask(g: GraphBuilder, mask: string, length: string, maxPositions: number): string {
  const table = g.initializer('causal_mask', {
    type: 'float32',
    dims: [maxPositions, maxPositions],
    data: causalMaskTable(maxPositions),
  });
  const zero = g.ints([0]);
  const causal = g.op1('Slice', [
    table,
    g.op1('Concat', [zero, zero], { axis: attr.int(0) }),
    g.op1('Concat', [length, length], { axis: attr.int(0) }),
    g.ints([0, 1]),
  ]);
  const isPadding = g.op1('Equal', [mask, g.constant('int64', [], [0])]);
  const padding = g.op1('Where', [isPadding, g.scalar(MASKED), g.scalar(0)]);
  const paddingPerKey = g.op1('Unsqueeze', [padding, g.ints([1, 2])]);
  return g.op1('Add', [causal, paddingPerKey], {}, { name: 'text_attention_mask' });
}

/**
 * Builds text.onnx: input_ids [C, L] and attention_mask [C, L] (L up to max_position_embeddings)
 * -> text_features [C, P] = text_projection(final_layer_norm(hidden at the first EOS)).
 * HF pools at input_ids.argmax(-1): the first occurrence of the largest id.
 */
export function buildTextGraph(ctx: ModelContext, config: XclipConfig): void {
  const { g, weights } = ctx;
  const text = config.text_config;
  const hidden = text.hidden_size;
  const P = config.projection_dim;
  const maxPositions = text.max_position_embeddings;

  const ids = g.input(TEXT_INPUTS.inputIds, 'int64', ['texts', 'sequence']);
  const mask = g.input(TEXT_INPUTS.attentionMask, 'int64', ['texts', 'sequence']);
  const length = g.op1('Slice', [g.op1('Shape', [ids]), g.ints([1]), g.ints([2])], {}, { name: 'sequence_length' });

  const positionTable = g.initializer('text_model.embeddings.position_embedding.weight', {
    type: 'float32',
    dims: [maxPositions, hidden],
    data: weights.take('text_model.embeddings.position_embedding.weight', [maxPositions, hidden]).data,
  });
  const positions = g.op1('Slice', [positionTable, g.ints([0]), length, g.ints([0])]);
  const tokenTable = weights.take('text_model.embeddings.token_embedding.weight', [text.vocab_size, hidden]).data;
  const tokens = ctx.format.embedding.gather(
    g,
    tokenTable,
    text.vocab_size,
    hidden,
    ids,
    'text_model.embeddings.token_embedding',
  );
  let x = g.op1('Add', [tokens, positions], {}, { name: 'text_embeddings' });

  const additiveMask = attentionMask(g, mask, length, maxPositions);
  const shape: EncoderLayerShape = {
    hidden,
    heads: text.num_attention_heads,
    intermediate: text.intermediate_size,
    act: text.hidden_act,
    eps: text.layer_norm_eps,
  };
  for (let i = 0; i < text.num_hidden_layers; i++)
    x = encoderLayer(ctx, `text_model.encoder.layers.${i}`, x, shape, additiveMask);

  // final_layer_norm is per position, so it is applied to the pooled row only.
  const eosIndex = g.op1('ArgMax', [g.op1('Cast', [ids], { to: attr.int(onnxDataType('int32')) })], {
    axis: attr.int(1),
    keepdims: attr.int(1),
    select_last_index: attr.int(0),
  });
  const gatherIndex = g.op1('Expand', [g.op1('Unsqueeze', [eosIndex, g.ints([2])]), g.ints([1, 1, hidden])]);
  const pooledRow = g.op1(
    'Squeeze',
    [g.op1('GatherElements', [x, gatherIndex], { axis: attr.int(1) }), g.ints([1])],
    {},
    { name: 'text_pooled_raw' },
  );
  const pooled = layerNorm(ctx, 'text_model.final_layer_norm', pooledRow, hidden, text.layer_norm_eps);
  const features = linear(ctx, 'text_projection', pooled, hidden, P, { bias: false });
  g.output(features, TEXT_OUTPUT, 'float32', ['texts', P]);
}
