import type { XclipRuntime } from './runtime.js';
import type { ClipTokenizer } from './tokenizer.js';

/** Texts per text-graph run; rows of one run share a padded length. */
const DEFAULT_BATCH_SIZE = 64;

/**
 * Text features [C, P] for `texts`, each run at its real token length: texts are sorted by token
 * count and batched so that a batch is padded only to its own longest row. The text tower is causal
 * and pools at the first EOS, so the features equal those of 77-token padding.
 */
export async function encodeTexts(
  runtime: XclipRuntime,
  tokenizer: ClipTokenizer,
  texts: readonly string[],
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<Float32Array> {
  const P = runtime.projectionDim;
  const contextLength = runtime.manifest.text.contextLength;
  // Each text is tokenized once: its ids give the sort order and fill its batch.
  const tokenIds = texts.map((text) => tokenizer.encode(text));
  const tokenCounts = tokenIds.map((ids) => Math.min(ids.length, contextLength));
  const order = texts.map((_, i) => i).sort((a, b) => tokenCounts[a]! - tokenCounts[b]!);
  const features = new Float32Array(texts.length * P);
  for (let start = 0; start < order.length; start += batchSize) {
    const rows = order.slice(start, start + batchSize);
    const batch = tokenizer.padBatch(
      rows.map((i) => tokenIds[i]!),
      { contextLength, padToLongest: true },
    );
    const encoded = await runtime.encodeTexts(batch.inputIds, batch.attentionMask, batch.rows, batch.length);
    rows.forEach((textIndex, row) => {
      features.set(encoded.features.subarray(row * P, (row + 1) * P), textIndex * P);
    });
  }
  return features;
}
