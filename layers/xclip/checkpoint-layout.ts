import { patchGrid, type XclipConfig } from './config.js';

/** What a checkpoint tensor is: decides how it is converted, quantised or initialised. */
export type TensorRole =
  | 'linear_weight' // nn.Linear weight, [out, in]
  | 'linear_bias'
  | 'norm_weight' // LayerNorm
  | 'norm_bias'
  | 'embedding' // token and position tables, class token, MIT position embedding
  | 'conv_weight' // patch embedding, [Hv, C, p, p]
  | 'projection' // prompts_visual_projection, [in, out], applied as x @ W
  | 'logit_scale'
  | 'prompt_alpha';

export interface CheckpointTensor {
  name: string;
  shape: number[];
  role: TensorRole;
}

/**
 * Every tensor of an HF `XCLIPModel` state_dict for `config`, in HF's module order, without the
 * non-persistent `position_ids` buffers.
 */
export function checkpointLayout(config: XclipConfig): CheckpointTensor[] {
  const { text_config: text, vision_config: vision, projection_dim: projection } = config;
  const tensors: CheckpointTensor[] = [];
  const add = (name: string, shape: number[], role: TensorRole): void => {
    tensors.push({ name, shape, role });
  };
  const linear = (prefix: string, inFeatures: number, outFeatures: number, bias = true): void => {
    add(`${prefix}.weight`, [outFeatures, inFeatures], 'linear_weight');
    if (bias) add(`${prefix}.bias`, [outFeatures], 'linear_bias');
  };
  const layerNorm = (prefix: string, size: number): void => {
    add(`${prefix}.weight`, [size], 'norm_weight');
    add(`${prefix}.bias`, [size], 'norm_bias');
  };
  const attention = (prefix: string, size: number): void => {
    for (const projectionName of ['k_proj', 'v_proj', 'q_proj', 'out_proj'])
      linear(`${prefix}.${projectionName}`, size, size);
  };
  const encoderLayers = (
    prefix: string,
    layers: number,
    hidden: number,
    intermediate: number,
    crossFrameMessages = false,
  ): void => {
    for (let i = 0; i < layers; i++) {
      const layer = `${prefix}.layers.${i}`;
      if (crossFrameMessages) {
        linear(`${layer}.message_fc`, hidden, hidden);
        layerNorm(`${layer}.message_ln`, hidden);
        attention(`${layer}.message_attn`, hidden);
      }
      attention(`${layer}.self_attn`, hidden);
      layerNorm(`${layer}.layer_norm1`, hidden);
      linear(`${layer}.mlp.fc1`, hidden, intermediate);
      linear(`${layer}.mlp.fc2`, intermediate, hidden);
      layerNorm(`${layer}.layer_norm2`, hidden);
    }
  };

  add('text_model.embeddings.token_embedding.weight', [text.vocab_size, text.hidden_size], 'embedding');
  add('text_model.embeddings.position_embedding.weight', [text.max_position_embeddings, text.hidden_size], 'embedding');
  encoderLayers('text_model.encoder', text.num_hidden_layers, text.hidden_size, text.intermediate_size);
  layerNorm('text_model.final_layer_norm', text.hidden_size);

  const patches = patchGrid(vision).count;
  add('vision_model.embeddings.class_embedding', [vision.hidden_size], 'embedding');
  add(
    'vision_model.embeddings.patch_embedding.weight',
    [vision.hidden_size, vision.num_channels, vision.patch_size, vision.patch_size],
    'conv_weight',
  );
  add('vision_model.embeddings.position_embedding.weight', [patches + 1, vision.hidden_size], 'embedding');
  layerNorm('vision_model.pre_layernorm', vision.hidden_size);
  encoderLayers('vision_model.encoder', vision.num_hidden_layers, vision.hidden_size, vision.intermediate_size, true);
  layerNorm('vision_model.post_layernorm', vision.hidden_size);

  linear('visual_projection', vision.hidden_size, projection, false);
  linear('text_projection', text.hidden_size, projection, false);
  add('logit_scale', [], 'logit_scale');
  layerNorm('prompts_visual_layernorm', vision.hidden_size);
  add('prompts_visual_projection', [vision.hidden_size, projection], 'projection');

  add('mit.position_embedding', [1, vision.num_frames, vision.mit_hidden_size], 'embedding');
  encoderLayers('mit.encoder', vision.mit_num_hidden_layers, vision.mit_hidden_size, vision.mit_intermediate_size);

  layerNorm('prompts_generator.layernorm', projection);
  for (let i = 0; i < config.prompt_layers; i++) {
    const layer = `prompts_generator.decoder.${i}`;
    for (const projectionName of ['q_proj', 'k_proj', 'v_proj'])
      linear(`${layer}.cross_attn.${projectionName}`, projection, projection, false);
    linear(`${layer}.cross_attn.proj`, projection, projection);
    layerNorm(`${layer}.norm1`, projection);
    layerNorm(`${layer}.norm3`, projection);
    // The prompt generator's MLP width is fixed at 4 * projection_dim (no config key).
    linear(`${layer}.mlp.0`, projection, 4 * projection);
    linear(`${layer}.mlp.3`, 4 * projection, projection);
  }
  add('prompts_generator.alpha', [projection], 'prompt_alpha');
  return tensors;
}
