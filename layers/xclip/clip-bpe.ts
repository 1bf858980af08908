import { fileURLToPath } from 'node:url';

/**
 * OpenAI CLIP's byte-level BPE (vocab.json + merges.txt, Hugging Face layout), shared by every CLIP
 * text tower with the 49408-token vocabulary; shipped so random models and tests can tokenize.
 */
export const CLIP_BPE_DIR = fileURLToPath(new URL('./clip-bpe/', import.meta.url));
export const CLIP_BPE_VOCAB_SIZE = 49408;
