// ftfy 6.3.1's mojibake repair (`fix_encoding`): text that was UTF-8 but got decoded with a
// single-byte encoding is encoded back to those bytes and decoded as UTF-8, when the badness
// heuristic says it looks wrong. Byte sequences are handled as binary strings (one char per byte).

import { isBad } from './badness.js';
import {
  CHARMAP_ENCODINGS,
  type CharmapEncoding,
  canEncode,
  decodeCharmap,
  decodedChars,
  encodeCharmap,
  isSloppy,
} from './charmaps.js';
import { decodeUtf8, decodeUtf8Variants } from './utf8.js';

// UTF-8 sequences that would be valid if a program had not turned byte A0 (a no-break space in
// Latin-1) into a plain space. Only lead bytes that give likely characters are accepted.
const ALTERED_UTF8 = new RegExp(
  [
    '[\xc2\xc3\xc5\xce\xd0\xd9][ ]',
    '[\xe2\xe3][ ][\x80-\x84\x86-\x9f\xa1-\xbf]',
    '[\xe0-\xe3][\x80-\x84\x86-\x9f\xa1-\xbf][ ]',
    '[\xf0][ ][\x80-\xbf][\x80-\xbf]',
    '[\xf0][\x80-\xbf][ ][\x80-\xbf]',
    '[\xf0][\x80-\xbf][\x80-\xbf][ ]',
  ].join('|'),
  'g',
);

// "Ã " as a word is far more often "à " (French, Portuguese) than the start of the next word;
// Portuguese "às", "àquele", "àquela", "àquilo" are the exceptions.
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;

// UTF-8 (and CESU-8) sequences whose missing bytes became U+FFFD, which sloppy codecs encode as
// byte 1A; a '?' may stand in for one of them. Each such sequence decodes as U+FFFD.
const LOSSY_UTF8 = new RegExp(
  [
    '[\xc2-\xdf][\x1a]',
    '[\xc2-\xc3][?]',
    '\xed[\xa0-\xaf][\x1a?]\xed[\xb0-\xbf][\x1a?\x80-\xbf]',
    '\xed[\xa0-\xaf][\x1a?\x80-\xbf]\xed[\xb0-\xbf][\x1a?]',
    '[\xe0-\xef][\x1a?][\x1a\x80-\xbf]',
    '[\xe0-\xef][\x1a\x80-\xbf][\x1a?]',
    '[\xf0-\xf4][\x1a?][\x1a\x80-\xbf][\x1a\x80-\xbf]',
    '[\xf0-\xf4][\x1a\x80-\xbf][\x1a?][\x1a\x80-\xbf]',
    '[\xf0-\xf4][\x1a\x80-\xbf][\x1a\x80-\xbf][\x1a?]',
    '\x1a',
  ].join('|'),
  'g',
);
const REPLACEMENT_CHARACTER_UTF8 = '\xef\xbf\xbd';

const C1_CONTROLS = /[\x80-\x9f]/g;
// The bytes that Windows-1252 leaves unassigned (its sloppy variant decodes them as Latin-1).
const WINDOWS_1252_UNASSIGNED = /[\x81\x8d\x8f\x90\x9d]/;

// What UTF-8 lead and continuation bytes look like in Latin-1 and the sloppy Windows encodings:
// runs of them are probably UTF-8 mojibake even inside otherwise fine (or differently broken) text.
const CLUE_ENCODINGS = CHARMAP_ENCODINGS.filter((encoding) => encoding === 'latin-1' || isSloppy(encoding));

function clueChars(fromByte: number, toByte: number, extra = ''): Set<string> {
  return new Set([...extra, ...CLUE_ENCODINGS.flatMap((encoding) => [...decodedChars(encoding, fromByte, toByte)])]);
}

function charClass(chars: Iterable<string>): string {
  return `[${[...chars].join('')}]`;
}

const continuation = clueChars(0x80, 0xbf, ' ');
// Continuation lookalikes that also stand for themselves next to mojibake: spaces, dashes,
// quotes, bullet and ellipsis.
const strictContinuation = [...continuation].filter((char) => !' –—―‘’‚“”„•…'.includes(char));
const UTF8_DETECTOR = new RegExp(
  `(?<!${charClass(strictContinuation)})(` +
    `${charClass(clueChars(0xc2, 0xdf))}${charClass(continuation)}` +
    `|${charClass(clueChars(0xe0, 0xef))}${charClass(continuation)}{2}` +
    `|${charClass([...clueChars(0xf0, 0xf0), ...clueChars(0xf3, 0xf3)])}${charClass(continuation)}{3}` +
    ')+',
  'gu',
);

function restoreByteA0(bytes: string): string {
  return bytes.replace(A_GRAVE_WORD, '\xc3\xa0 ').replace(ALTERED_UTF8, (sequence) => sequence.replaceAll(' ', '\xa0'));
}

/** C1 control characters read as the Windows-1252 characters they almost always were. */
export function fixC1Controls(text: string): string {
  return text.replace(C1_CONTROLS, (char) => decodeCharmap(char, 'sloppy-windows-1252'));
}

/** Re-decodes `text` as UTF-8 after encoding it as `encoding`; undefined when that fails. */
function redecodeAsUtf8(text: string, encoding: CharmapEncoding): string | undefined {
  let bytes = encodeCharmap(text, encoding);
  // In MacRoman an en dash and a space would look like an altered sequence.
  if (encoding !== 'macroman' && bytes.search(ALTERED_UTF8) !== -1) bytes = restoreByteA0(bytes);
  if (isSloppy(encoding)) bytes = bytes.replace(LOSSY_UTF8, REPLACEMENT_CHARACTER_UTF8);
  return bytes.includes('\xc0') || bytes.includes('\xed') ? decodeUtf8Variants(bytes) : decodeUtf8(bytes);
}

/** Fixes runs of UTF-8 mojibake inside text that cannot be re-decoded as a whole. */
function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_DETECTOR, (run) => (run.length < text.length && isBad(run) ? fixEncoding(run) : run));
}

function fixEncodingStep(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: any ASCII text, controls included, is left as it is
  if (/^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  for (const encoding of CHARMAP_ENCODINGS) {
    if (!canEncode(text, encoding)) continue;
    const fixed = redecodeAsUtf8(text, encoding);
    if (fixed !== undefined) return fixed;
  }
  const fixed = decodeInconsistentUtf8(text);
  if (fixed !== text) return fixed;
  // Latin-1 text with C1 controls was probably Windows-1252 all along (the text is its own
  // Latin-1 byte string).
  if (canEncode(text, 'latin-1') && !WINDOWS_1252_UNASSIGNED.test(text)) {
    const windows1252 = decodeCharmap(text, 'sloppy-windows-1252');
    if (windows1252 !== text) return windows1252;
  }
  return fixC1Controls(text);
}

/** ftfy's `fix_encoding`: repairs mojibake until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const fixed = fixEncodingStep(text);
    if (fixed === text) return text;
    text = fixed;
  }
}
