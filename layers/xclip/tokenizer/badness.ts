// ftfy 6.3.1's mojibake heuristic (badness.py): character sequences that are far more likely to
// be text decoded with the wrong encoding than text someone meant to write.

import { PYTHON_WHITESPACE, PYTHON_WORD } from './python-classes.js';

// The characters that occur in UTF-8 mojibake of the encodings ftfy knows, by role. Each value is
// the body of a regex character class.
const common = '\xa0\xad·´–—―…’';
const c1 = '\x80-\x9f';
const bad = '¦¤¨¬¯¸ƒˆˇ˘˛˜†‡‰⌐◊\ufffdªº';
const law = '¶§';
const currency = '¢£¥₧€';
const startPunctuation = '¡«¿©΄΅‘‚“„•‹\uf8ff';
const endPunctuation = '®»˝”›™';
const numeric = '²³¹±¼½¾×µ÷⁄∂∆∏∑√∞∩∫≈≠≡≤≥№';
// Letters that people use to draw kaomoji faces, so they get more leeway.
const kaomoji = 'Ò-ÖÙ-Üò-öø-üŐŌŪŲ°';
const upperAccented = 'À-ÑØÜÝĂĀĄĆČĎĐĘĚĒĖĞĢİĪĶĹĽŁĻŃŇŅŒŘŚŞŠŢŤŮŰŸŹŻŽҐ';
const lowerAccented = 'ßà-ñăąāćčďđęěēėğģįīķĺľłļœŕśşšťüźżžґﬁﬂ';
const upperCommon = 'ÞΑ-ΩΆΈΉΊΌΎΏΪΫЁ-Я';
const lowerCommon = 'α-ωάέήίΰа-џ';
const box = '│┌┐┘├┤┬┼═-╬▀▄█▌▐░▒▓';

const arabicMojibake = `[ØÙ][${common}${currency}${bad}${numeric}${startPunctuation}ŸŠ®°µ»]`;

const BADNESS = new RegExp(
  [
    `[${c1}]`,
    `[${bad}${lowerAccented}${upperAccented}${box}${startPunctuation}${endPunctuation}${currency}${numeric}${law}][${bad}]`,
    `[a-zA-Z][${lowerCommon}${upperCommon}][${bad}]`,
    `[${bad}][${lowerAccented}${upperAccented}${box}${startPunctuation}${endPunctuation}${currency}${numeric}${law}]`,
    `[${lowerAccented}${lowerCommon}${box}${endPunctuation}${currency}${numeric}][${upperAccented}]`,
    `[${box}${endPunctuation}${currency}${numeric}][${lowerAccented}]`,
    `[${lowerAccented}${box}${endPunctuation}][${currency}]`,
    `${PYTHON_WHITESPACE}[${upperAccented}][${currency}]`,
    `[${upperAccented}${box}][${numeric}${law}]`,
    `[${lowerAccented}${upperAccented}${box}${currency}${endPunctuation}][${startPunctuation}][${numeric}]`,
    `[${lowerAccented}${upperAccented}${currency}${numeric}${box}${law}][${endPunctuation}][${startPunctuation}]`,
    `[${currency}${numeric}${box}][${startPunctuation}]`,
    `[a-z][${upperAccented}][${startPunctuation}${currency}]`,
    `[${box}][${kaomoji}]`,
    `[${lowerAccented}${upperAccented}${currency}${numeric}${startPunctuation}${endPunctuation}${law}][${box}]`,
    `[${box}][${endPunctuation}]`,
    `[${lowerAccented}${upperAccented}][${startPunctuation}${endPunctuation}]${PYTHON_WORD}`,
    // The ligature œ when not followed by an unaccented Latin letter.
    '[Œœ][^A-Za-z]',
    `[${upperAccented}]°`,
    // Windows-1252 two-character mojibake not covered above.
    `[ÂÃÎÐ][€œŠš¢£Ÿž\xa0\xad®©°·»${startPunctuation}${endPunctuation}–—´]`,
    '×[²³]',
    // Windows-1252 mojibake of Arabic needs the 'common' characters, so it takes four in a row.
    arabicMojibake + arabicMojibake,
    // Windows-1252 starts of three-byte sequences of some South Asian scripts.
    'à[²µ¹¼½¾]',
    // MacRoman.
    '√[±∂†≠®™´≤≥¥µø]',
    '≈[°¢]',
    '‚Ä[ìîïòôúùû†°¢π]',
    '‚[âó][àä°ê]',
    // Windows-1251 mojibake of U+2000..U+206F, then of Latin-1 and Cyrillic (three characters).
    'вЂ',
    `[ВГРС][${c1}${bad}${startPunctuation}${endPunctuation}${currency}°µ][ВГРС]`,
    'ГўВЂВ[^\n][A-Za-z ]', // [^\n] is Python's '.'
    // Windows-1252 of 'à', 'á' and U+A0 itself, where a space may stand in for byte A0.
    'Ã[\xa0¡]',
    `[a-z]${PYTHON_WHITESPACE}?[ÃÂ][ ]`,
    '^[ÃÂ][ ]',
    // Â before a character it encodes, as in mojibake of exactly that character.
    `[a-z.,?!${endPunctuation}]Â[ ${startPunctuation}${endPunctuation}]`,
    // Windows-1253 mojibake of U+2000..U+206F, then of Latin-1 and Greek.
    'β€[™\xa0Ά\xad®°]',
    `[ΒΓΞΟ][${c1}${bad}${startPunctuation}${endPunctuation}${currency}°][ΒΓΞΟ]`,
    // Windows-1257 mojibake of U+2000..U+206F.
    'ā€',
  ].join('|'),
  'u',
);

/** Whether `text` looks like it contains mojibake (ftfy's `is_bad`). */
export function isBad(text: string): boolean {
  return BADNESS.test(text);
}
