// The input and output names of the three graphs: what the builders write and the runtime feeds and reads, in a
// module of their own so that running a model does not load the graph builder (and protobuf with it).

export const VISION_INPUT = 'pixel_values';
export const VISION_OUTPUTS = { videoEmbeds: 'video_embeds', visualTokens: 'visual_tokens' } as const;
export const TEXT_INPUTS = { inputIds: 'input_ids', attentionMask: 'attention_mask' } as const;
export const TEXT_OUTPUT = 'text_features';
export const SCORE_OUTPUTS = { logits: 'logits_per_video', textEmbeds: 'text_embeds' } as const;
