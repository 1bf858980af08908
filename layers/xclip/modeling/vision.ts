import { patchGrid, type XclipConfig } from '../config.js';
import { attr } from '../onnx/graph-builder.js';
import { transpose2d } from '../weights.js';
import { VISION_INPUT, VISION_OUTPUTS } from './graph-io.js';
import {
  type EncoderLayerShape,
  encoderLayer,
  encoderMlpBlock,
  layerNorm,
  linear,
  type ModelContext,
  meanOver,
  selfAttention,
} from './nn.js';

/**
 * HF XCLIPVisionEmbeddings on frames [BT, C, H, W]: patch conv, CLS prepended, positions added.
 * The conv (kernel = stride = patch) is computed as what it is, a linear layer on flattened patches,
 * so it is quantized like every other linear layer. The CLS token is folded into row 0 of the
 * position table and a zero token is padded in front of the patches: the same sum as concatenating.
 */
function visionEmbeddings(ctx: ModelContext, frames: string, config: XclipConfig): string {
  const { g, weights } = ctx;
  const vision = config.vision_config;
  const { hidden_size: hidden, patch_size: patch, num_channels: channels } = vision;
  const { side, count } = patchGrid(vision);
  const patchValues = channels * patch * patch;
  const grid = g.op1('Reshape', [frames, g.ints([-1, channels, side, patch, side, patch])]);
  const patchRows = g.op1(
    'Reshape',
    [g.op1('Transpose', [grid], { perm: attr.ints([0, 2, 4, 1, 3, 5]) }), g.ints([-1, count, patchValues])],
    {},
    { name: 'patches' },
  );
  const kernel = weights.take('vision_model.embeddings.patch_embedding.weight', [hidden, channels, patch, patch]).data;
  const patches = ctx.format.linear.emit(
    g,
    patchRows,
    transpose2d(kernel, hidden, patchValues),
    patchValues,
    hidden,
    undefined,
    'vision_model.embeddings.patch_embedding',
  );
  const withClsSlot = g.op1('Pad', [patches, g.ints([0, 1, 0, 0, 0, 0])]);
  const classEmbedding = weights.take('vision_model.embeddings.class_embedding', [hidden]).data;
  const positions = weights.take('vision_model.embeddings.position_embedding.weight', [count + 1, hidden]).data;
  for (let i = 0; i < hidden; i++) positions[i] = Math.fround(positions[i]! + classEmbedding[i]!);
  const table = g.initializer('vision_model.embeddings.cls_and_position', {
    type: 'float32',
    dims: [count + 1, hidden],
    data: positions,
  });
  return g.op1('Add', [withClsSlot, table], {}, { name: 'vision_embeddings' });
}

/**
 * HF XCLIPVisionEncoderLayer: a cross-frame message token built from each frame's CLS joins the
 * frame's tokens for self-attention only, then the usual MLP block.
 */
function visionEncoderLayer(ctx: ModelContext, prefix: string, x: string, config: XclipConfig): string {
  const { g } = ctx;
  const vision = config.vision_config;
  const hidden = vision.hidden_size;
  const frames = vision.num_frames;
  const tokens = patchGrid(vision).count + 1;
  const shape: EncoderLayerShape = {
    hidden,
    heads: vision.num_attention_heads,
    intermediate: vision.intermediate_size,
    act: vision.hidden_act,
    eps: vision.layer_norm_eps,
  };
  const cls = g.op1('Gather', [x, g.constant('int64', [], [0])], { axis: attr.int(1) }, { name: `${prefix}.cls` });
  const message = g.op1('Reshape', [
    linear(ctx, `${prefix}.message_fc`, cls, hidden, hidden),
    g.ints([-1, frames, hidden]),
  ]);
  const messageAttended = selfAttention(
    ctx,
    `${prefix}.message_attn`,
    layerNorm(ctx, `${prefix}.message_ln`, message, hidden, shape.eps),
    shape,
  );
  const messageToken = g.op1(
    'Reshape',
    [g.op1('Add', [message, messageAttended]), g.ints([-1, 1, hidden])],
    {},
    { name: `${prefix}.message_token` },
  );
  const withMessage = g.op1('Concat', [x, messageToken], { axis: attr.int(1) });
  const attended = g.op1('Add', [
    withMessage,
    selfAttention(
      ctx,
      `${prefix}.self_attn`,
      layerNorm(ctx, `${prefix}.layer_norm1`, withMessage, hidden, shape.eps),
      shape,
    ),
  ]);
  const withoutMessage = g.op1('Slice', [attended, g.ints([0]), g.ints([tokens]), g.ints([1])]);
  return encoderMlpBlock(ctx, prefix, withoutMessage, shape);
}

/** HF XCLIPMultiframeIntegrationTransformer: frame_embeds [B, T, P] -> video embedding [B, P]. */
function multiframeIntegrationTransformer(ctx: ModelContext, frameEmbeds: string, config: XclipConfig): string {
  const { g, weights } = ctx;
  const vision = config.vision_config;
  const hidden = vision.mit_hidden_size;
  const positions = g.initializer('mit.position_embedding', {
    type: 'float32',
    dims: [1, vision.num_frames, hidden],
    data: weights.take('mit.position_embedding', [1, vision.num_frames, hidden]).data,
  });
  let h = g.op1('Add', [frameEmbeds, positions]);
  const shape: EncoderLayerShape = {
    hidden,
    heads: vision.mit_num_attention_heads,
    intermediate: vision.mit_intermediate_size,
    act: vision.hidden_act,
    eps: vision.layer_norm_eps,
  };
  for (let i = 0; i < vision.mit_num_hidden_layers; i++) h = encoderLayer(ctx, `mit.encoder.layers.${i}`, h, shape);
  return meanOver(g, g.op1('Add', [h, frameEmbeds], {}, { name: 'mit_last_hidden_state' }), 1);
}

/**
 * Builds vision.onnx: pixel_values [B, T, C, H, W] -> video_embeds [B, P] (MIT output, not
 * normalised) and visual_tokens [B, N, P] (the prompt generator's visual input, mean over frames).
 */
export function buildVisionGraph(ctx: ModelContext, config: XclipConfig): void {
  const { g, weights } = ctx;
  const vision = config.vision_config;
  const { hidden_size: hidden, num_frames: frames, image_size: size, num_channels: channels } = vision;
  const P = config.projection_dim;
  const patches = patchGrid(vision).count;
  const eps = vision.layer_norm_eps;

  const pixels = g.input(VISION_INPUT, 'float32', ['batch', frames, channels, size, size]);
  const flatFrames = g.op1('Reshape', [pixels, g.ints([-1, channels, size, size])]);
  let x = layerNorm(ctx, 'vision_model.pre_layernorm', visionEmbeddings(ctx, flatFrames, config), hidden, eps);
  for (let i = 0; i < vision.num_hidden_layers; i++)
    x = visionEncoderLayer(ctx, `vision_model.encoder.layers.${i}`, x, config);

  const cls = g.op1('Gather', [x, g.constant('int64', [], [0])], { axis: attr.int(1) });
  const pooled = layerNorm(ctx, 'vision_model.post_layernorm', cls, hidden, eps);
  const frameEmbeds = g.op1(
    'Reshape',
    [linear(ctx, 'visual_projection', pooled, hidden, P, { bias: false }), g.ints([-1, frames, P])],
    {},
    { name: 'frame_embeds' },
  );
  const videoEmbeds = multiframeIntegrationTransformer(ctx, frameEmbeds, config);

  const patchTokens = g.op1('Slice', [x, g.ints([1]), g.ints([patches + 1]), g.ints([1])]);
  // Stored as [Hv, P] and used as x @ W: already in the layout a linear emitter takes.
  const projection = weights.take('prompts_visual_projection', [hidden, P]).data;
  const normedTokens = layerNorm(ctx, 'prompts_visual_layernorm', patchTokens, hidden, eps);
  const projected = ctx.format.linear.emit(
    g,
    normedTokens,
    projection,
    hidden,
    P,
    undefined,
    'prompts_visual_projection',
  );
  const visualTokens = meanOver(g, g.op1('Reshape', [projected, g.ints([-1, frames, patches, P])]), 1);

  g.output(videoEmbeds, VISION_OUTPUTS.videoEmbeds, 'float32', ['batch', P]);
  g.output(visualTokens, VISION_OUTPUTS.visualTokens, 'float32', ['batch', patches, P]);
}
