import type { XclipConfig } from '../config.js';
import { attr } from '../onnx/graph-builder.js';
import { SCORE_OUTPUTS, TEXT_OUTPUT, VISION_OUTPUTS } from './graph-io.js';
import {
  l2Normalize,
  layerNorm,
  linear,
  type ModelContext,
  mlp,
  packedLinear,
  scaledDotProductAttention,
} from './nn.js';

/** HF XCLIPCrossAttention: text queries [B, C, P] attend to the visual tokens [B, N, P]. */
function crossAttention(
  ctx: ModelContext,
  prefix: string,
  queries: string,
  visual: string,
  config: XclipConfig,
): string {
  const P = config.projection_dim;
  const heads = config.prompt_num_attention_heads;
  const scale = (P / heads) ** -0.5;
  const q = linear(ctx, `${prefix}.q_proj`, queries, P, P, { bias: false, scale });
  const [k, v] = packedLinear(
    ctx,
    [
      { prefix: `${prefix}.k_proj`, bias: false },
      { prefix: `${prefix}.v_proj`, bias: false },
    ],
    visual,
    P,
  ) as [string, string];
  return linear(ctx, `${prefix}.proj`, scaledDotProductAttention(ctx.g, q, k, v, { hidden: P, heads }), P, P);
}

/** HF PromptGeneratorLayer: x + cross_attn(norm1(x), visual), then x + mlp(norm3(x)); text eps. */
function promptGeneratorLayer(
  ctx: ModelContext,
  prefix: string,
  x: string,
  visual: string,
  config: XclipConfig,
): string {
  const { g } = ctx;
  const P = config.projection_dim;
  const eps = config.text_config.layer_norm_eps;
  const attended = g.op1('Add', [
    x,
    crossAttention(ctx, `${prefix}.cross_attn`, layerNorm(ctx, `${prefix}.norm1`, x, P, eps), visual, config),
  ]);
  const mlpOut = mlp(
    ctx,
    { fc1: `${prefix}.mlp.0`, fc2: `${prefix}.mlp.3` },
    layerNorm(ctx, `${prefix}.norm3`, attended, P, eps),
    P,
    4 * P,
    config.prompt_hidden_act,
  );
  return g.op1('Add', [attended, mlpOut], {}, { name: `${prefix}.out` });
}

/**
 * Builds score.onnx: video_embeds [B, P] (unnormalised), visual_tokens [B, N, P] and
 * text_features [C, P] -> logits_per_video [B, C] and text_embeds [B, C, P] (video-conditioned
 * and normalised), as HF XCLIPModel.forward ends.
 */
export function buildScoreGraph(ctx: ModelContext, config: XclipConfig, patches: number): void {
  const { g, weights } = ctx;
  const P = config.projection_dim;

  const videoEmbeds = g.input(VISION_OUTPUTS.videoEmbeds, 'float32', ['batch', P]);
  const visualTokens = g.input(VISION_OUTPUTS.visualTokens, 'float32', ['batch', patches, P]);
  const textFeatures = g.input(TEXT_OUTPUT, 'float32', ['texts', P]);

  const visual = layerNorm(ctx, 'prompts_generator.layernorm', visualTokens, P, config.vision_config.layer_norm_eps);
  const batch = g.op1('Slice', [g.op1('Shape', [videoEmbeds]), g.ints([0]), g.ints([1])]);
  const perVideoShape = g.op1('Concat', [batch, g.op1('Shape', [textFeatures])], { axis: attr.int(0) });
  const textPerVideo = g.op1(
    'Expand',
    [g.op1('Unsqueeze', [textFeatures, g.ints([0])]), perVideoShape],
    {},
    { name: 'text_per_video' },
  );

  let x = textPerVideo;
  for (let i = 0; i < config.prompt_layers; i++)
    x = promptGeneratorLayer(ctx, `prompts_generator.decoder.${i}`, x, visual, config);
  const alpha = g.initializer('prompts_generator.alpha', {
    type: 'float32',
    dims: [P],
    data: weights.take('prompts_generator.alpha', [P]).data,
  });
  const textEmbeds = l2Normalize(
    g,
    g.op1('Add', [textPerVideo, g.op1('Mul', [x, alpha])], {}, { name: 'text_embeds_unnormalized' }),
  );

  const logitScale = Math.exp(weights.take('logit_scale', []).data[0]!);
  const scaledVideo = g.op1('Mul', [l2Normalize(g, videoEmbeds), g.scalar(logitScale)]);
  const logits = g.op1('Squeeze', [
    g.op1('MatMul', [textEmbeds, g.op1('Unsqueeze', [scaledVideo, g.ints([2])])]),
    g.ints([2]),
  ]);

  g.output(logits, SCORE_OUTPUTS.logits, 'float32', ['batch', 'texts']);
  g.output(textEmbeds, SCORE_OUTPUTS.textEmbeds, 'float32', ['batch', 'texts', P]);
}
