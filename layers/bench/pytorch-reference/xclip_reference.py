"""A PyTorch re-implementation of Hugging Face transformers' X-CLIP forward pass (modeling_x_clip.py).

Modules and parameters carry HF's names, so an HF state_dict (a safetensors file) loads strictly. Needs only
torch and the standard library (transformers is not installed here). Two modes, each printing one JSON
object to stdout:

  verify DIR       run DIR/model.safetensors + DIR/config.json on DIR/inputs.safetensors and report, per tensor
                   of DIR/expected.safetensors (the golden parity set), the max abs difference
  time CHECKPOINT  time the model fp32 in eval under torch.no_grad on a random [1, T, 3, H, W] video and the
                   label token ids read as JSON from stdin ({"input_ids": [[...]], "attention_mask": [[...]]})

Exit status 3 means torch is not importable.
"""

import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

try:
    import torch
    from torch import nn
except ImportError as error:
    print(f"cannot import {error.name}: {error}", file=sys.stderr)
    sys.exit(3)


# ---------------------------------------------------------------------------------------------- safetensors

SAFETENSORS_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def read_safetensors(path):
    """Tensors of a safetensors file: 8-byte little-endian header length, JSON header, then raw data."""
    with open(path, "rb") as file:
        data = bytearray(file.read())
    (header_length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_length])
    base = 8 + header_length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        if begin == end:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(data, dtype=dtype, count=math.prod(shape) if shape else 1, offset=base + begin).reshape(shape)
    return tensors


# ---------------------------------------------------------------------------------------------- config


class Config:
    def __init__(self, values):
        self.__dict__.update(values)


# HF's XCLIPTextConfig / XCLIPVisionConfig / XCLIPConfig defaults (= microsoft/xclip-base-patch32).
TEXT_DEFAULTS = dict(
    vocab_size=49408,
    hidden_size=512,
    intermediate_size=2048,
    num_hidden_layers=12,
    num_attention_heads=8,
    max_position_embeddings=77,
    hidden_act="quick_gelu",
    layer_norm_eps=1e-5,
)
VISION_DEFAULTS = dict(
    hidden_size=768,
    intermediate_size=3072,
    num_hidden_layers=12,
    num_attention_heads=12,
    mit_hidden_size=512,
    mit_intermediate_size=2048,
    mit_num_hidden_layers=1,
    mit_num_attention_heads=8,
    num_channels=3,
    image_size=224,
    patch_size=32,
    num_frames=8,
    hidden_act="quick_gelu",
    layer_norm_eps=1e-5,
)
MODEL_DEFAULTS = dict(
    projection_dim=512,
    prompt_layers=2,
    prompt_alpha=0.1,
    prompt_hidden_act="quick_gelu",
    prompt_num_attention_heads=8,
    logit_scale_init_value=2.6592,
)


def read_config(path):
    """An HF XCLIPConfig JSON with HF's defaults for omitted keys (legacy *_config_dict keys override, as in HF)."""
    with open(path) as file:
        raw = json.load(file)
    sides = {}
    for side, defaults in (("text", TEXT_DEFAULTS), ("vision", VISION_DEFAULTS)):
        given = {**(raw.get(f"{side}_config") or {}), **(raw.get(f"{side}_config_dict") or {})}
        sides[side] = Config({**defaults, **given})
    model = {key: raw.get(key, default) for key, default in MODEL_DEFAULTS.items()}
    return Config({**model, "text_config": sides["text"], "vision_config": sides["vision"]})


def mit_config(vision_config):
    """XCLIPModel's MIT config: the vision config with the mit_* sizes."""
    values = dict(vision_config.__dict__)
    values.update(
        hidden_size=vision_config.mit_hidden_size,
        intermediate_size=vision_config.mit_intermediate_size,
        num_hidden_layers=vision_config.mit_num_hidden_layers,
        num_attention_heads=vision_config.mit_num_attention_heads,
    )
    return Config(values)


# ---------------------------------------------------------------------------------------------- activations (HF ACT2FN)


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gelu_fast(x):
    return 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)))


ACT2FN = {
    "quick_gelu": quick_gelu,
    "gelu": nn.functional.gelu,
    "gelu_new": gelu_new,
    "gelu_pytorch_tanh": lambda x: nn.functional.gelu(x, approximate="tanh"),
    "gelu_fast": gelu_fast,
    "relu": nn.functional.relu,
    "silu": nn.functional.silu,
    "swish": nn.functional.silu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
}


class Activation(nn.Module):
    def __init__(self, name):
        super().__init__()
        self.fn = ACT2FN[name]

    def forward(self, x):
        return self.fn(x)


# ---------------------------------------------------------------------------------------------- shared layers


class XCLIPAttention(nn.Module):
    """Multi-head self-attention: q scaled by head_dim^-0.5 before q k^T; optional additive masks."""

    def __init__(self, config):
        super().__init__()
        self.embed_dim = config.hidden_size
        self.num_heads = config.num_attention_heads
        self.head_dim = self.embed_dim // self.num_heads
        self.scale = self.head_dim**-0.5
        self.k_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.v_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.q_proj = nn.Linear(self.embed_dim, self.embed_dim)
        self.out_proj = nn.Linear(self.embed_dim, self.embed_dim)

    def _shape(self, tensor, seq_len, bsz):
        return tensor.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states, attention_mask=None, causal_attention_mask=None):
        bsz, tgt_len, embed_dim = hidden_states.size()
        query_states = self.q_proj(hidden_states) * self.scale
        key_states = self._shape(self.k_proj(hidden_states), -1, bsz)
        value_states = self._shape(self.v_proj(hidden_states), -1, bsz)
        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        query_states = self._shape(query_states, tgt_len, bsz).view(*proj_shape)
        key_states = key_states.view(*proj_shape)
        value_states = value_states.view(*proj_shape)
        src_len = key_states.size(1)
        attn_weights = torch.bmm(query_states, key_states.transpose(1, 2))
        for mask in (causal_attention_mask, attention_mask):
            if mask is not None:
                attn_weights = attn_weights.view(bsz, self.num_heads, tgt_len, src_len) + mask
                attn_weights = attn_weights.view(bsz * self.num_heads, tgt_len, src_len)
        attn_weights = nn.functional.softmax(attn_weights, dim=-1)
        attn_output = torch.bmm(attn_weights, value_states)
        attn_output = attn_output.view(bsz, self.num_heads, tgt_len, self.head_dim).transpose(1, 2)
        attn_output = attn_output.reshape(bsz, tgt_len, embed_dim)
        return self.out_proj(attn_output)


class XCLIPMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.activation_fn = Activation(config.hidden_act)
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, hidden_states):
        return self.fc2(self.activation_fn(self.fc1(hidden_states)))


class XCLIPEncoderLayer(nn.Module):
    """Pre-LN transformer layer of the text tower and the MIT."""

    def __init__(self, config):
        super().__init__()
        self.self_attn = XCLIPAttention(config)
        self.layer_norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = XCLIPMLP(config)
        self.layer_norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states, attention_mask=None, causal_attention_mask=None):
        residual = hidden_states
        hidden_states = self.layer_norm1(hidden_states)
        hidden_states = self.self_attn(hidden_states, attention_mask, causal_attention_mask)
        hidden_states = residual + hidden_states
        residual = hidden_states
        hidden_states = self.layer_norm2(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


class XCLIPEncoder(nn.Module):
    """Returns (last hidden state, hidden states: the input then each layer's output)."""

    def __init__(self, config, layer_class=XCLIPEncoderLayer):
        super().__init__()
        self.layers = nn.ModuleList([layer_class(config) for _ in range(config.num_hidden_layers)])

    def forward(self, inputs_embeds, attention_mask=None, causal_attention_mask=None):
        hidden_states = inputs_embeds
        all_hidden_states = [hidden_states]
        for layer in self.layers:
            hidden_states = layer(hidden_states, attention_mask, causal_attention_mask)
            all_hidden_states.append(hidden_states)
        return hidden_states, all_hidden_states


# ---------------------------------------------------------------------------------------------- text tower


class XCLIPTextEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.token_embedding = nn.Embedding(config.vocab_size, config.hidden_size)
        self.position_embedding = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.register_buffer(
            "position_ids", torch.arange(config.max_position_embeddings).expand((1, -1)), persistent=False
        )

    def forward(self, input_ids):
        position_ids = self.position_ids[:, : input_ids.shape[-1]]
        return self.token_embedding(input_ids) + self.position_embedding(position_ids)


def causal_mask(bsz, seq_len, dtype):
    """[bsz, 1, L, L]: finfo.min above the diagonal (a key after its query), 0 elsewhere."""
    mask = torch.empty(bsz, seq_len, seq_len, dtype=dtype)
    mask.fill_(torch.tensor(torch.finfo(dtype).min))
    mask.triu_(1)
    return mask.unsqueeze(1)


def expand_padding_mask(mask, dtype, tgt_len):
    """[bsz, L] of 1/0 -> [bsz, 1, tgt_len, L]: finfo.min where the key is padding, 0 elsewhere."""
    bsz, src_len = mask.size()
    expanded = mask[:, None, None, :].expand(bsz, 1, tgt_len, src_len).to(dtype)
    inverted = 1.0 - expanded
    return inverted.masked_fill(inverted.to(torch.bool), torch.finfo(dtype).min)


class XCLIPTextTransformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = XCLIPTextEmbeddings(config)
        self.encoder = XCLIPEncoder(config)
        self.final_layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, input_ids, attention_mask=None):
        """(last_hidden_state, pooled_output at the first largest id (EOS), hidden states)."""
        input_ids = input_ids.view(-1, input_ids.shape[-1])
        hidden_states = self.embeddings(input_ids)
        bsz, seq_len = input_ids.shape
        causal = causal_mask(bsz, seq_len, hidden_states.dtype)
        if attention_mask is not None:
            attention_mask = expand_padding_mask(attention_mask, hidden_states.dtype, seq_len)
        last_hidden_state, hidden_states = self.encoder(hidden_states, attention_mask, causal)
        last_hidden_state = self.final_layer_norm(last_hidden_state)
        pooled_output = last_hidden_state[torch.arange(last_hidden_state.shape[0]), input_ids.argmax(dim=-1)]
        return last_hidden_state, pooled_output, hidden_states


# ---------------------------------------------------------------------------------------------- vision tower


class XCLIPVisionEmbeddings(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embed_dim = config.hidden_size
        self.class_embedding = nn.Parameter(torch.randn(self.embed_dim))
        self.patch_embedding = nn.Conv2d(
            config.num_channels, self.embed_dim, kernel_size=config.patch_size, stride=config.patch_size, bias=False
        )
        self.num_positions = (config.image_size // config.patch_size) ** 2 + 1
        self.position_embedding = nn.Embedding(self.num_positions, self.embed_dim)
        self.register_buffer("position_ids", torch.arange(self.num_positions).expand((1, -1)), persistent=False)

    def forward(self, pixel_values):
        batch_size = pixel_values.shape[0]
        patch_embeds = self.patch_embedding(pixel_values).flatten(2).transpose(1, 2)
        class_embeds = self.class_embedding.expand(batch_size, 1, -1)
        embeddings = torch.cat([class_embeds, patch_embeds], dim=1)
        return embeddings + self.position_embedding(self.position_ids)


class XCLIPVisionEncoderLayer(nn.Module):
    """A pre-LN layer whose self-attention also sees a per-frame message token exchanged across the T frames."""

    def __init__(self, config):
        super().__init__()
        self.num_frames = config.num_frames
        self.embed_dim = config.hidden_size
        self.message_fc = nn.Linear(self.embed_dim, self.embed_dim)
        self.message_ln = nn.LayerNorm(self.embed_dim, eps=config.layer_norm_eps)
        self.message_attn = XCLIPAttention(config)
        self.self_attn = XCLIPAttention(config)
        self.layer_norm1 = nn.LayerNorm(self.embed_dim, eps=config.layer_norm_eps)
        self.mlp = XCLIPMLP(config)
        self.layer_norm2 = nn.LayerNorm(self.embed_dim, eps=config.layer_norm_eps)

    def forward(self, hidden_states, attention_mask=None, causal_attention_mask=None):
        batch_time, seq_length, hidden_size = hidden_states.size()
        batch_size = batch_time // self.num_frames
        msg_token = self.message_fc(hidden_states[:, 0, :]).view(batch_size, self.num_frames, hidden_size)
        msg_token = msg_token + self.message_attn(self.message_ln(msg_token))
        hidden_states = torch.cat([hidden_states, msg_token.view(-1, 1, hidden_size)], dim=1)
        residual = hidden_states
        hidden_states = self.layer_norm1(hidden_states)
        hidden_states = self.self_attn(hidden_states, attention_mask, causal_attention_mask)
        hidden_states = residual + hidden_states
        hidden_states = hidden_states[:, :seq_length, :]
        residual = hidden_states
        hidden_states = self.layer_norm2(hidden_states)
        hidden_states = self.mlp(hidden_states)
        return residual + hidden_states


class XCLIPVisionTransformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.embeddings = XCLIPVisionEmbeddings(config)
        self.pre_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.encoder = XCLIPEncoder(config, XCLIPVisionEncoderLayer)
        self.post_layernorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, pixel_values):
        """(last_hidden_state, pooled_output = post_layernorm(CLS), hidden states) over frames flattened to B*T."""
        hidden_states = self.pre_layernorm(self.embeddings(pixel_values))
        last_hidden_state, hidden_states = self.encoder(hidden_states)
        pooled_output = self.post_layernorm(last_hidden_state[:, 0, :])
        return last_hidden_state, pooled_output, hidden_states


class XCLIPMultiframeIntegrationTransformer(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.position_embedding = nn.Parameter(torch.empty(1, config.num_frames, config.hidden_size))
        self.encoder = XCLIPEncoder(config)

    def forward(self, hidden_states):
        """(last_hidden_state, pooled_output = its mean over T, hidden states); the residual skips the positions."""
        residual = hidden_states
        hidden_states = hidden_states + self.position_embedding
        last_hidden_state, all_hidden_states = self.encoder(hidden_states)
        last_hidden_state = last_hidden_state.type(hidden_states.dtype) + residual
        return last_hidden_state, last_hidden_state.mean(dim=1, keepdim=False), all_hidden_states


# ---------------------------------------------------------------------------------------------- prompt generator


class XCLIPCrossAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.num_heads = config.prompt_num_attention_heads
        dim = config.projection_dim
        self.scale = (dim // self.num_heads) ** -0.5
        self.q_proj = nn.Linear(dim, dim, bias=False)
        self.k_proj = nn.Linear(dim, dim, bias=False)
        self.v_proj = nn.Linear(dim, dim, bias=False)
        self.proj = nn.Linear(dim, dim)

    def _heads(self, tensor, seq_len):
        batch_size, _, hidden_size = tensor.shape
        return tensor.reshape(batch_size, seq_len, self.num_heads, hidden_size // self.num_heads).permute(0, 2, 1, 3)

    def forward(self, queries, keys, values):
        batch_size, query_seq_len, hidden_size = queries.shape
        key_seq_len = keys.shape[1]
        queries = self._heads(self.q_proj(queries), query_seq_len)
        keys = self._heads(self.k_proj(keys), key_seq_len)
        values = self._heads(self.v_proj(values), key_seq_len)
        attn = (queries @ keys.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        x = (attn @ values).transpose(1, 2).reshape(batch_size, query_seq_len, hidden_size)
        return self.proj(x)


class PromptGeneratorLayer(nn.Module):
    def __init__(self, config):
        super().__init__()
        embed_dim = config.projection_dim
        self.cross_attn = XCLIPCrossAttention(config)
        self.norm1 = nn.LayerNorm(embed_dim, eps=config.text_config.layer_norm_eps)
        self.norm3 = nn.LayerNorm(embed_dim, eps=config.text_config.layer_norm_eps)
        self.mlp = nn.Sequential(
            nn.Linear(embed_dim, embed_dim * 4),
            Activation(config.prompt_hidden_act),
            nn.Dropout(0.0),
            nn.Linear(embed_dim * 4, embed_dim),
        )

    def forward(self, x, visual):
        x = x + self.cross_attn(self.norm1(x), visual, visual)
        return x + self.mlp(self.norm3(x))


class XCLIPPromptGenerator(nn.Module):
    def __init__(self, config):
        super().__init__()
        embed_dim = config.projection_dim
        self.layernorm = nn.LayerNorm(embed_dim, eps=config.vision_config.layer_norm_eps)
        self.decoder = nn.ModuleList([PromptGeneratorLayer(config) for _ in range(config.prompt_layers)])
        self.alpha = nn.Parameter(torch.ones(embed_dim) * config.prompt_alpha)

    def forward(self, text, visual):
        visual = self.layernorm(visual)
        for layer in self.decoder:
            text = layer(text, visual)
        return self.alpha * text


# ---------------------------------------------------------------------------------------------- the model


class XCLIPModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        text_config, vision_config = config.text_config, config.vision_config
        self.text_model = XCLIPTextTransformer(text_config)
        self.vision_model = XCLIPVisionTransformer(vision_config)
        self.visual_projection = nn.Linear(vision_config.hidden_size, config.projection_dim, bias=False)
        self.text_projection = nn.Linear(text_config.hidden_size, config.projection_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(config.logit_scale_init_value))
        self.prompts_visual_layernorm = nn.LayerNorm(vision_config.hidden_size, eps=vision_config.layer_norm_eps)
        self.prompts_visual_projection = nn.Parameter(torch.randn(vision_config.hidden_size, config.projection_dim))
        self.mit = XCLIPMultiframeIntegrationTransformer(mit_config(vision_config))
        self.prompts_generator = XCLIPPromptGenerator(config)

    def get_text_features(self, input_ids, attention_mask=None):
        """[C, P]: text_projection of the pooled text tower output (HF's get_text_features)."""
        return self.text_projection(self.text_model(input_ids, attention_mask)[1])

    def encode_video(self, pixel_values):
        """The video side of HF's forward: (video_embeds_unnormalized [B, P], prompt visual tokens [B, N, P], trace)."""
        batch_size, num_frames, num_channels, height, width = pixel_values.shape
        pixel_values = pixel_values.reshape(-1, num_channels, height, width)
        vision_last, vision_pooled, vision_hidden = self.vision_model(pixel_values)
        cls_features = self.visual_projection(vision_pooled).view(batch_size, num_frames, -1)
        mit_last, video_embeds, mit_hidden = self.mit(cls_features)
        img_features = self.prompts_visual_layernorm(vision_last[:, 1:, :])
        img_features = img_features @ self.prompts_visual_projection
        img_features = img_features.view(batch_size, num_frames, -1, video_embeds.shape[-1]).mean(dim=1, keepdim=False)
        trace = dict(
            vision_hidden=vision_hidden,
            vision_last_hidden_state=vision_last,
            vision_pooled=vision_pooled,
            frame_embeds=cls_features,
            mit_hidden=mit_hidden,
            mit_last_hidden_state=mit_last,
        )
        return video_embeds, img_features, trace

    def score(self, video_embeds, img_features, text_features):
        """HF's forward from the text features [C, P] on: video-conditioned prompts, normalisation, logits."""
        text_embeds = text_features.unsqueeze(0).expand(video_embeds.shape[0], -1, -1)
        text_embeds = text_embeds + self.prompts_generator(text_embeds, img_features)
        video_embeds = video_embeds / video_embeds.norm(p=2, dim=-1, keepdim=True)
        text_embeds = text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True)
        logit_scale = self.logit_scale.exp()
        logits_per_video = torch.einsum("bd,bkd->bk", video_embeds, logit_scale * text_embeds)
        return dict(
            logits_per_video=logits_per_video,
            logits_per_text=logits_per_video.T,
            video_embeds=video_embeds,
            text_embeds=text_embeds,
        )

    def forward(self, input_ids, pixel_values, attention_mask=None):
        video_embeds, img_features, _ = self.encode_video(pixel_values)
        return self.score(video_embeds, img_features, self.get_text_features(input_ids, attention_mask))


def load_model(checkpoint_dir):
    """An XCLIPModel in eval mode from DIR/config.json and DIR/model.safetensors (HF state_dict names, strict)."""
    model = XCLIPModel(read_config(f"{checkpoint_dir}/config.json"))
    state_dict = read_safetensors(f"{checkpoint_dir}/model.safetensors")
    # Older checkpoints carry the non-persistent position_ids buffers.
    state_dict = {name: tensor for name, tensor in state_dict.items() if not name.endswith(".position_ids")}
    model.load_state_dict(state_dict, strict=True)
    return model.eval()


# ---------------------------------------------------------------------------------------------- verify


def golden_tensors(model, inputs):
    """Every tensor the golden parity set holds, by its name there, from one forward pass."""
    recorded = {}
    hooks = [
        model.vision_model.embeddings.register_forward_hook(lambda m, i, o: recorded.update(vision_embeddings=o)),
        model.text_model.embeddings.register_forward_hook(lambda m, i, o: recorded.update(text_embeddings=o)),
        model.prompts_generator.layernorm.register_forward_hook(lambda m, i, o: recorded.update(prompt_visual_normed=o)),
        model.prompts_generator.register_forward_hook(lambda m, i, o: recorded.update(prompt_generator_output=o)),
    ]
    for index, layer in enumerate(model.prompts_generator.decoder):
        hooks.append(layer.register_forward_hook(lambda m, i, o, index=index: recorded.update({f"prompt_layer_{index}_output": o})))
    # A layer's message token is message_fc's output (viewed [B, T, Hv]) plus message_attn's: both recorded.
    for index, layer in enumerate(model.vision_model.encoder.layers):
        hooks.append(layer.message_fc.register_forward_hook(lambda m, i, o, index=index: recorded.update({f"message_fc_{index}": o})))
        hooks.append(layer.message_attn.register_forward_hook(lambda m, i, o, index=index: recorded.update({f"message_attn_{index}": o})))
    input_ids, attention_mask = inputs["input_ids"], inputs["attention_mask"]
    with torch.no_grad():
        video_embeds, img_features, trace = model.encode_video(inputs["pixel_values"])
        text_last, text_pooled, text_hidden = model.text_model(input_ids, attention_mask)
        text_features = model.text_projection(text_pooled)
        scored = model.score(video_embeds, img_features, text_features)
    for hook in hooks:
        hook.remove()
    out = dict(scored)
    out.update({name: tensor for name, tensor in recorded.items() if not name.startswith("message_")})
    out.update(
        logit_scale_exp=model.logit_scale.exp().detach(),
        text_last_hidden_state=text_last,
        text_eos_index=input_ids.argmax(dim=-1),
        text_pooled=text_pooled,
        text_features=text_features,
        vision_last_hidden_state=trace["vision_last_hidden_state"],
        vision_pooled=trace["vision_pooled"],
        frame_embeds=trace["frame_embeds"],
        mit_last_hidden_state=trace["mit_last_hidden_state"],
        video_embeds_unnormalized=video_embeds,
        prompt_visual_tokens=img_features,
        text_embeds_unnormalized=text_features.unsqueeze(0) + out["prompt_generator_output"],
    )
    for name, states in (("text_hidden", text_hidden), ("vision_hidden", trace["vision_hidden"]), ("mit_hidden", trace["mit_hidden"])):
        out.update({f"{name}_{i}": state for i, state in enumerate(states)})
    for index in range(len(model.vision_model.encoder.layers)):
        attended = recorded[f"message_attn_{index}"]
        out[f"vision_message_token_{index}"] = recorded[f"message_fc_{index}"].view(attended.shape) + attended
    return out


def verify(fixture_dir):
    torch.set_num_threads(1)
    model = load_model(fixture_dir)
    actual = golden_tensors(model, read_safetensors(f"{fixture_dir}/inputs.safetensors"))
    expected = read_safetensors(f"{fixture_dir}/expected.safetensors")
    missing = sorted(set(expected) - set(actual))
    diffs = {}
    for name, want in expected.items():
        if name in missing:
            continue
        got = actual[name]
        if tuple(got.shape) != tuple(want.shape):
            diffs[name] = f"shape {list(got.shape)} != {list(want.shape)}"
        else:
            diffs[name] = (got.double() - want.double()).abs().max().item() if want.numel() else 0.0
    return {"torch": torch.__version__, "tensors": len(expected), "missing": missing, "maxAbsDiff": diffs}


# ---------------------------------------------------------------------------------------------- time


def median_ms(run, runs):
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return {"medianMs": statistics.median(times), "minMs": min(times), "runsMs": times}


def loaded_blas():
    """The BLAS libraries this process loaded: Debian's torch takes whatever libblas.so.3 points at (reference BLAS
    is some 30 times slower than OpenBLAS)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return sorted({os.path.realpath(path) for path in paths})


def time_model(checkpoint_dir, threads, runs, tokens, seed):
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    started = time.perf_counter()
    model = load_model(checkpoint_dir)
    load_ms = (time.perf_counter() - started) * 1000
    vision = model.config.vision_config
    pixel_values = torch.randn(1, vision.num_frames, vision.num_channels, vision.image_size, vision.image_size)
    input_ids = torch.tensor(tokens["input_ids"], dtype=torch.int64)
    attention_mask = torch.tensor(tokens["attention_mask"], dtype=torch.int64)
    with torch.no_grad():
        text_features = model.get_text_features(input_ids, attention_mask)
        # The timed split computes what the full forward does.
        split = model.score(*model.encode_video(pixel_values)[:2], text_features)["logits_per_video"]
        split_diff = (split - model(input_ids, pixel_values, attention_mask)["logits_per_video"]).abs().max().item()
        video = median_ms(lambda: model.score(*model.encode_video(pixel_values)[:2], text_features), runs)
        full = median_ms(lambda: model(input_ids, pixel_values, attention_mask), runs)
    return {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": loaded_blas(),
        "runs": runs,
        "pixelValues": list(pixel_values.shape),
        "labels": input_ids.shape[0],
        "tokenLength": input_ids.shape[1],
        "loadMs": load_ms,
        "videoWithTextFeatures": video,
        "fullForward": full,
        "splitLogitsMaxAbsDiff": split_diff,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    modes = parser.add_subparsers(dest="mode", required=True)
    verify_mode = modes.add_parser("verify", help="compare against a golden parity set")
    verify_mode.add_argument("fixture_dir")
    time_mode = modes.add_parser("time", help="time the model; label token ids as JSON on stdin")
    time_mode.add_argument("checkpoint_dir")
    time_mode.add_argument("--threads", type=int, default=2)
    time_mode.add_argument("--runs", type=int, default=5)
    time_mode.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "verify":
        result = verify(args.fixture_dir)
    else:
        result = time_model(args.checkpoint_dir, args.threads, args.runs, json.load(sys.stdin), args.seed)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
