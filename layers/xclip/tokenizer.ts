import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, XclipError } from '../common/errors.js';
import { BYTE_SYMBOLS, BytePairMerger, END_OF_WORD } from './tokenizer/bpe.js';
import { normalizeClipText } from './tokenizer/normalize.js';

export { normalizeClipText };

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
/** CLIP's text context: `clip.tokenize` and X-CLIP's text model take 77 tokens. */
export const DEFAULT_CONTEXT_LENGTH = 77;

/** The files of a Hugging Face CLIP tokenizer, as a model directory holds them. */
export const TOKENIZER_FILES = ['vocab.json', 'merges.txt'] as const;

// OpenAI's word split. Normalised text has no whitespace but ' ', so [^ ...] is its [^\s ...].
const WORD = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^ \p{L}\p{N}]+/gu;

// Words seen are cached; the bound keeps a long-running server's cache from growing without end.
const WORD_CACHE_LIMIT = 100_000;

/** `vocab.json` or `merges.txt` is not there. */
export class MissingTokenizerFileError extends XclipError {
  constructor(dir: string, why: string) {
    super('MISSING_TOKENIZER_FILES', `cannot load the CLIP tokenizer from ${dir}`, why);
  }
}

/** The vocabulary or merges are not a CLIP BPE tokenizer's. */
export class InvalidTokenizerError extends XclipError {
  constructor(source: string, why: string, options?: { cause?: unknown }) {
    super('INVALID_TOKENIZER', `invalid CLIP tokenizer data in ${source}`, why, options);
  }
}

export interface ClipTokenizerData {
  /** Token -> id, as in Hugging Face's `vocab.json`. */
  vocab: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /** Merge pairs in rank order, as in Hugging Face's `merges.txt`. */
  merges: ReadonlyArray<readonly [string, string]>;
}

export interface EncodeBatchOptions {
  /** Tokens per row, BOS and EOS included (default 77). Longer texts keep their first tokens. */
  contextLength?: number;
  /** Pad only to the longest row instead of to `contextLength`. */
  padToLongest?: boolean;
}

/** Token ids in Hugging Face's form, row-major `[rows, length]`. */
export interface TokenBatch {
  /** Ids, padded with the end-of-text id. */
  inputIds: BigInt64Array;
  /** 1 for each real token, 0 for padding. */
  attentionMask: BigInt64Array;
  rows: number;
  length: number;
  /** Real tokens in each row, BOS and EOS included. */
  lengths: number[];
}

/** `vocab.json`'s text as a token -> id map. */
export function parseVocab(text: string, source = 'vocab.json'): Map<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidTokenizerError(source, `not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidTokenizerError(source, 'not a JSON object of token ids');
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0) {
      throw new InvalidTokenizerError(
        source,
        `token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, not a non-negative integer`,
      );
    }
    vocab.set(token, id as number);
  }
  return vocab;
}

/** `merges.txt`'s text as pairs in rank order; a `#version` first line is skipped. */
export function parseMerges(text: string, source = 'merges.txt'): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.length === 0 || (index === 0 && line.startsWith('#version'))) return;
    const pair = line.split(' ');
    if (pair.length !== 2 || !pair[0] || !pair[1]) {
      throw new InvalidTokenizerError(
        source,
        `line ${index + 1} is ${JSON.stringify(line.slice(0, 40))}, not "left right"`,
      );
    }
    merges.push([pair[0], pair[1]]);
  });
  return merges;
}

function readTokenizerFile(dir: string, name: string): string {
  const path = join(dir, name);
  if (!existsSync(path)) throw new MissingTokenizerFileError(dir, `${name} is missing`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidTokenizerError(path, `cannot read it: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * CLIP's BPE tokenizer with OpenAI `simple_tokenizer.py` semantics (ftfy and HTML cleanup,
 * whitespace collapse, lower case, byte-level BPE), the one X-CLIP was trained with.
 */
export class ClipTokenizer {
  readonly startOfTextId: number;
  readonly endOfTextId: number;
  private readonly vocab: ReadonlyMap<string, number>;
  private readonly merger: BytePairMerger;
  private readonly wordIds = new Map<string, readonly number[]>();

  constructor(data: ClipTokenizerData, source = 'the tokenizer data') {
    const vocab = data.vocab instanceof Map ? data.vocab : new Map(Object.entries(data.vocab));
    const idOf = (token: string, why: string) => {
      const id = vocab.get(token);
      if (id === undefined)
        throw new InvalidTokenizerError(source, `${JSON.stringify(token)} is not in the vocabulary (${why})`);
      return id;
    };
    this.startOfTextId = idOf(START_OF_TEXT, 'start of text');
    this.endOfTextId = idOf(END_OF_TEXT, 'end of text');
    for (const symbol of BYTE_SYMBOLS) {
      idOf(symbol, 'byte symbol');
      idOf(symbol + END_OF_WORD, 'byte symbol at word end');
    }
    data.merges.forEach(([left, right], rank) => {
      idOf(left + right, `merge ${rank + 1}`);
    });
    this.vocab = vocab;
    this.merger = new BytePairMerger(data.merges);
  }

  /** Loads Hugging Face's `vocab.json` and `merges.txt` from `dir`. */
  static fromDirectory(dir: string): ClipTokenizer {
    if (!existsSync(dir)) throw new MissingTokenizerFileError(dir, 'no such directory');
    if (!statSync(dir).isDirectory()) throw new MissingTokenizerFileError(dir, 'not a directory');
    const vocab = parseVocab(readTokenizerFile(dir, 'vocab.json'), join(dir, 'vocab.json'));
    const merges = parseMerges(readTokenizerFile(dir, 'merges.txt'), join(dir, 'merges.txt'));
    return new ClipTokenizer({ vocab, merges }, dir);
  }

  /** Ids of `text` between the start- and end-of-text ids; not truncated, not padded. */
  encode(text: string): number[] {
    const ids = [this.startOfTextId];
    for (const [word] of normalizeClipText(text).matchAll(WORD)) ids.push(...this.idsOfWord(word));
    ids.push(this.endOfTextId);
    return ids;
  }

  /**
   * `encode`'s ids as the model takes them: at most `contextLength`, a longer row keeping its first
   * `contextLength - 1` ids (BOS included) and the end-of-text id, as CLIP's tokenizer truncates.
   */
  truncate(ids: readonly number[], contextLength = DEFAULT_CONTEXT_LENGTH): readonly number[] {
    if (!Number.isInteger(contextLength) || contextLength < 2) {
      throw new UsageError(`invalid context length ${contextLength}`, 'it must be an integer of at least 2');
    }
    return ids.length <= contextLength ? ids : [...ids.slice(0, contextLength - 1), this.endOfTextId];
  }

  /** Hugging Face's padded form: each row truncated to `contextLength` and padded with the end-of-text id. */
  encodeBatch(texts: readonly string[], options: EncodeBatchOptions = {}): TokenBatch {
    return this.padBatch(
      texts.map((text) => this.encode(text)),
      options,
    );
  }

  /** The padded form of already encoded rows (`encode`'s output), as encodeBatch makes it. */
  padBatch(
    encoded: readonly (readonly number[])[],
    { contextLength = DEFAULT_CONTEXT_LENGTH, padToLongest = false }: EncodeBatchOptions = {},
  ): TokenBatch {
    const rowIds = encoded.map((ids) => this.truncate(ids, contextLength));
    const lengths = rowIds.map((ids) => ids.length);
    const length = padToLongest ? lengths.reduce((longest, n) => Math.max(longest, n), 0) : contextLength;
    const inputIds = new BigInt64Array(rowIds.length * length).fill(BigInt(this.endOfTextId));
    const attentionMask = new BigInt64Array(rowIds.length * length);
    rowIds.forEach((ids, row) => {
      inputIds.set(ids.map(BigInt), row * length);
      attentionMask.fill(1n, row * length, row * length + ids.length);
    });
    return { inputIds, attentionMask, rows: rowIds.length, length, lengths };
  }

  private idsOfWord(word: string): readonly number[] {
    if (word === START_OF_TEXT) return [this.startOfTextId];
    if (word === END_OF_TEXT) return [this.endOfTextId];
    let ids = this.wordIds.get(word);
    if (ids === undefined) {
      // Every symbol is a byte symbol or a merge, all checked to be in the vocabulary.
      ids = this.merger.symbols(word).map((symbol) => this.vocab.get(symbol)!);
      if (this.wordIds.size >= WORD_CACHE_LIMIT) this.wordIds.clear();
      this.wordIds.set(word, ids);
    }
    return ids;
  }
}

/**
 * The CLIP tokenizer of a model directory, or undefined when it has none or one whose ids do not fit
 * the text model's `vocabSize`; a tokenizer that is there but malformed is an error.
 */
export function tokenizerForModel(dir: string, vocabSize: number): ClipTokenizer | undefined {
  if (!TOKENIZER_FILES.every((file) => existsSync(join(dir, file)))) return undefined;
  const tokenizer = ClipTokenizer.fromDirectory(dir);
  return tokenizer.endOfTextId < vocabSize ? tokenizer : undefined;
}
