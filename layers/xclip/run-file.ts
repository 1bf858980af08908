import { XclipError } from '../common/errors.js';
import { l2NormalizeRows, XclipRuntime } from './runtime.js';
import { readSafetensors, type Tensor, writeSafetensors } from './safetensors.js';

export class InvalidModelInputsError extends XclipError {
  constructor(path: string, why: string) {
    super('INVALID_MODEL_INPUTS', `invalid model inputs ${path}`, why);
  }
}

function requireTensor(
  path: string,
  tensors: Map<string, Tensor>,
  name: string,
  dtype: Tensor['dtype'],
  rank: number,
): Tensor {
  const tensor = tensors.get(name);
  if (!tensor) throw new InvalidModelInputsError(path, `tensor ${name} is missing`);
  if (tensor.dtype !== dtype || tensor.shape.length !== rank) {
    throw new InvalidModelInputsError(
      path,
      `${name} must be ${dtype} of rank ${rank}, got ${tensor.dtype} [${tensor.shape}]`,
    );
  }
  return tensor;
}

/**
 * `xclip model run`: the full X-CLIP forward on tensors from a safetensors file, writing
 * logits_per_video [B,C], video_embeds [B,P] (L2-normalised) and text_embeds [B,C,P], as HF returns them.
 */
export async function runModelOnFile(modelDir: string, inputsPath: string, outPath: string): Promise<void> {
  const { tensors } = readSafetensors(inputsPath);
  const pixels = requireTensor(inputsPath, tensors, 'pixel_values', 'F32', 5);
  const ids = requireTensor(inputsPath, tensors, 'input_ids', 'I64', 2);
  const mask = requireTensor(inputsPath, tensors, 'attention_mask', 'I64', 2);
  if (ids.shape.some((d, i) => d !== mask.shape[i])) {
    throw new InvalidModelInputsError(
      inputsPath,
      `input_ids [${ids.shape}] and attention_mask [${mask.shape}] differ in shape`,
    );
  }
  const runtime = await XclipRuntime.load(modelDir);
  try {
    const { frames, imageSize } = runtime;
    const [batch, t, channels, height, width] = pixels.shape as [number, number, number, number, number];
    const expectedChannels = runtime.manifest.config.vision_config.num_channels;
    if (t !== frames || channels !== expectedChannels || height !== imageSize || width !== imageSize) {
      throw new InvalidModelInputsError(
        inputsPath,
        `pixel_values is [${pixels.shape}] but the model takes [B,${frames},${expectedChannels},${imageSize},${imageSize}]`,
      );
    }
    const [count, length] = ids.shape as [number, number];
    const maxLength = runtime.manifest.text.contextLength;
    if (length > maxLength)
      throw new InvalidModelInputsError(
        inputsPath,
        `input_ids has ${length} tokens per row, the model takes at most ${maxLength}`,
      );
    const videos = await runtime.encodeVideos(pixels.data as Float32Array, batch);
    const texts = await runtime.encodeTexts(ids.data as BigInt64Array, mask.data as BigInt64Array, count, length);
    const scores = await runtime.scoreVideos(videos, texts);
    const P = runtime.projectionDim;
    writeSafetensors(outPath, [
      ['logits_per_video', { dtype: 'F32', shape: [batch, count], data: scores.logits }],
      ['video_embeds', { dtype: 'F32', shape: [batch, P], data: l2NormalizeRows(videos.videoEmbeds, P) }],
      ['text_embeds', { dtype: 'F32', shape: [batch, count, P], data: scores.textEmbeds }],
    ]);
  } finally {
    await runtime.release();
  }
}
