/** Where a video's artifacts live in the artifact store (DESIGN.md "Storage"). */
export interface ArtifactKeys {
  result: string;
  /** P little-endian float32, L2-normalised. */
  embedding: string;
  /** N * P little-endian float16. */
  visualTokens: string;
}

export function artifactKeysFor(key: string): ArtifactKeys {
  return { result: `results/${key}.json`, embedding: `embeddings/${key}.f32`, visualTokens: `tokens/${key}.f16` };
}
