// ftfy 6.3.1's `fix_text` with its default settings, which OpenAI's CLIP tokenizer runs on every
// text: mojibake repair, HTML entities, ligatures, character width, curly quotes, line breaks,
// control characters and NFC. Ported from python-ftfy (Apache-2.0, Robyn Speer).

import { unescapeTerminatedReferences } from './html.js';
import { fixC1Controls, fixEncoding } from './mojibake.js';

const LIGATURES: Readonly<Record<string, string>> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'ſt',
  ﬆ: 'st',
};
const LIGATURE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');
const WIDE_OR_NARROW = /[\u3000\uff01-\uffef]/g;
const SINGLE_QUOTE = /[\u02bc\u2018-\u201b]/g;
const DOUBLE_QUOTE = /[\u201c-\u201f]/g;
const LINE_BREAK = /\r\n|[\r\u2028\u2029\x85]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: ftfy's terminal escapes start with ESC
const TERMINAL_ESCAPE = /\x1b\[[\p{Nd};]*[a-zA-Z]/gu;
// Controls with no visible effect; the whitespace ones, joiners, bidi marks and tags stay.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters ftfy removes
const CONTROL_CHARACTER = /[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g;

const FIXES: ReadonlyArray<(text: string) => string> = [
  fixC1Controls,
  (text) => text.replace(LIGATURE, (ligature) => LIGATURES[ligature]!),
  // Fullwidth ASCII, halfwidth katakana and the ideographic space to their usual forms.
  (text) => text.replace(WIDE_OR_NARROW, (char) => (char === '\u3000' ? ' ' : char.normalize('NFKC'))),
  (text) => text.replace(DOUBLE_QUOTE, '"').replace(SINGLE_QUOTE, "'"),
  (text) => text.replace(LINE_BREAK, '\n'),
  (text) => text.replace(LONE_SURROGATE, '\ufffd'),
  (text) => text.replace(TERMINAL_ESCAPE, ''),
  (text) => text.replace(CONTROL_CHARACTER, ''),
];

function fixSegment(text: string, unescapeHtml: boolean): string {
  for (;;) {
    const original = text;
    if (unescapeHtml) text = unescapeTerminatedReferences(text);
    text = fixEncoding(text);
    for (const fix of FIXES) text = fix(text);
    text = text.normalize('NFC');
    if (text === original) return text;
  }
}

/** ftfy's `fix_text` with default settings; each line is fixed on its own. */
export function fixText(text: string): string {
  // Once a line contains '<' the text may be HTML, whose entities must stay as they are.
  let unescapeHtml = true;
  let fixed = '';
  for (const line of text.match(/[^\n]*\n|[^\n]+/g) ?? []) {
    if (line.includes('<')) unescapeHtml = false;
    fixed += fixSegment(line, unescapeHtml);
  }
  return fixed;
}
