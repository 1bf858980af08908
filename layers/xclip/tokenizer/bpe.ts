// Byte-level BPE as in OpenAI's CLIP `simple_tokenizer.py`.

export const END_OF_WORD = '</w>';

/**
 * The printable character that stands for each byte 0..255 (GPT-2's table): printable Latin-1
 * bytes stand for themselves, the other 68 map in byte order to U+0100, U+0101, ...
 */
export const BYTE_SYMBOLS: readonly string[] = (() => {
  let nextStandIn = 0x100;
  return Array.from({ length: 256 }, (_, byte) => {
    const printable =
      (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    return String.fromCharCode(printable ? byte : nextStandIn++);
  });
})();

const utf8 = new TextEncoder();

/** Merges the byte symbols of a word by rank, as OpenAI's `SimpleTokenizer.bpe`. */
export class BytePairMerger {
  private readonly ranks = new Map<string, number>();

  constructor(merges: ReadonlyArray<readonly [string, string]>) {
    merges.forEach(([left, right], rank) => {
      this.ranks.set(`${left} ${right}`, rank);
    });
  }

  /**
   * The symbols of `word`: its UTF-8 bytes as byte symbols, the last marked with `</w>`, then
   * repeatedly every occurrence of the adjacent pair with the lowest merge rank joined.
   */
  symbols(word: string): string[] {
    let symbols = Array.from(utf8.encode(word), (byte) => BYTE_SYMBOLS[byte]!);
    symbols[symbols.length - 1] += END_OF_WORD;
    while (symbols.length > 1) {
      let bestRank = Infinity;
      let bestPair = 0;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) [bestRank, bestPair] = [rank, i];
      }
      if (bestRank === Infinity) break;
      const left = symbols[bestPair]!;
      const right = symbols[bestPair + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === left && symbols[i + 1] === right) merged.push(left + symbols[++i]!);
        else merged.push(symbols[i]!);
      }
      symbols = merged;
    }
    return symbols;
  }
}
