// The single-byte encodings that ftfy 6.3.1 (chardata.py, bad_codecs/sloppy.py) tries when it
// repairs mojibake, as tables of what bytes 0x80..0xFF decode to. Bytes 0x00..0x7F are ASCII in
// all of them. The tables are Python's codecs; the "sloppy" ones are ftfy's variants of the
// Windows code pages: an unassigned byte decodes to the Latin-1 character of the same number, and
// byte 0x1A stands for U+FFFD (so text that lost bytes to U+FFFD can still be re-encoded).

const C1_CONTROLS = String.fromCharCode(...Array.from({ length: 32 }, (_, i) => 0x80 + i));
const LATIN_1_HIGH = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => 0x80 + i));

const HIGH_HALVES = {
  'latin-1': LATIN_1_HIGH,
  'sloppy-windows-1252':
    '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ' +
    '\xa0¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿' +
    'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß' +
    'àáâãäåæçèéêëìíîïðñòóôõö÷øùúûüýþÿ',
  'sloppy-windows-1251':
    'ЂЃ‚ѓ„…†‡€‰Љ‹ЊЌЋЏђ‘’“”•–—\x98™љ›њќћџ' +
    '\xa0ЎўЈ¤Ґ¦§Ё©Є«¬\xad®Ї°±Ііґµ¶·ё№є»јЅѕї' +
    'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ' +
    'абвгдежзийклмнопрстуфхцчшщъыьэюя',
  'sloppy-windows-1250':
    '€\x81‚\x83„…†‡\x88‰Š‹ŚŤŽŹ\x90‘’“”•–—\x98™š›śťžź' +
    '\xa0ˇ˘Ł¤Ą¦§¨©Ş«¬\xad®Ż°±˛ł´µ¶·¸ąş»Ľ˝ľż' +
    'ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß' +
    'ŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙',
  'sloppy-windows-1253':
    '€\x81‚ƒ„…†‡\x88‰\x8a‹\x8c\x8d\x8e\x8f\x90‘’“”•–—\x98™\x9a›\x9c\x9d\x9e\x9f' +
    '\xa0΅Ά£¤¥¦§¨©ª«¬\xad®―°±²³΄µ¶·ΈΉΊ»Ό½ΎΏ' +
    'ΐΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡÒΣΤΥΦΧΨΩΪΫάέήί' +
    'ΰαβγδεζηθικλμνξοπρςστυφχψωϊϋόύώÿ',
  'sloppy-windows-1254':
    '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8d\x8e\x8f\x90‘’“”•–—˜™š›œ\x9d\x9eŸ' +
    '\xa0¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿' +
    'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞß' +
    'àáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ',
  'sloppy-windows-1257':
    '€\x81‚\x83„…†‡\x88‰\x8a‹\x8c¨ˇ¸\x90‘’“”•–—\x98™\x9a›\x9c¯˛\x9f' +
    '\xa0¡¢£¤¥¦§Ø©Ŗ«¬\xad®Æ°±²³´µ¶·ø¹ŗ»¼½¾æ' +
    'ĄĮĀĆÄÅĘĒČÉŹĖĢĶĪĻŠŃŅÓŌÕÖ×ŲŁŚŪÜŻŽß' +
    'ąįāćäåęēčéźėģķīļšńņóōõö÷ųłśūüżž˙',
  'iso-8859-2':
    C1_CONTROLS +
    '\xa0Ą˘Ł¤ĽŚ§¨ŠŞŤŹ\xadŽŻ°ą˛ł´ľśˇ¸šşťź˝žż' +
    'ŔÁÂĂÄĹĆÇČÉĘËĚÍÎĎĐŃŇÓÔŐÖ×ŘŮÚŰÜÝŢß' +
    'ŕáâăäĺćçčéęëěíîďđńňóôőö÷řůúűüýţ˙',
  macroman:
    'ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü' +
    '†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø' +
    '¿¡¬√ƒ≈∆«»…\xa0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ' +
    '‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ',
  cp437:
    'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒ' +
    'áíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
    '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀' +
    'αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\xa0',
} as const;

export type CharmapEncoding = keyof typeof HIGH_HALVES;

/** ftfy's CHARMAP_ENCODINGS: the order in which a mojibake repair tries them. */
export const CHARMAP_ENCODINGS = Object.keys(HIGH_HALVES) as CharmapEncoding[];

interface Charmap {
  /** Character of each byte 0..255. */
  decode: string;
  /** Byte of each character the encoding can represent. */
  encode: Map<string, number>;
}

const CHARMAPS = new Map<CharmapEncoding, Charmap>(
  CHARMAP_ENCODINGS.map((name) => {
    let decode = String.fromCharCode(...Array.from({ length: 128 }, (_, i) => i)) + HIGH_HALVES[name];
    if (name.startsWith('sloppy-')) decode = `${decode.slice(0, 0x1a)}\ufffd${decode.slice(0x1b)}`;
    const encode = new Map<string, number>();
    for (let byte = 0; byte < 256; byte++) encode.set(decode[byte]!, byte);
    return [name, { decode, encode }];
  }),
);

function charmap(encoding: CharmapEncoding): Charmap {
  return CHARMAPS.get(encoding)!;
}

export function isSloppy(encoding: CharmapEncoding): boolean {
  return encoding.startsWith('sloppy-');
}

/** Characters that the given bytes decode to in `encoding`. */
export function decodedChars(encoding: CharmapEncoding, fromByte: number, toByte: number): string {
  return charmap(encoding).decode.slice(fromByte, toByte + 1);
}

/** Whether every character of `text` has a byte in `encoding` (ftfy's `possible_encoding`). */
export function canEncode(text: string, encoding: CharmapEncoding): boolean {
  const { encode } = charmap(encoding);
  for (const char of text) if (!encode.has(char)) return false;
  return true;
}

/** `text` encoded in `encoding`, as a binary string (one char per byte); call `canEncode` first. */
export function encodeCharmap(text: string, encoding: CharmapEncoding): string {
  const { encode } = charmap(encoding);
  let bytes = '';
  for (const char of text) bytes += String.fromCharCode(encode.get(char)!);
  return bytes;
}

/** A binary string (one char per byte) decoded as `encoding`. */
export function decodeCharmap(bytes: string, encoding: CharmapEncoding): string {
  const { decode } = charmap(encoding);
  let text = '';
  for (let i = 0; i < bytes.length; i++) text += decode[bytes.charCodeAt(i)]!;
  return text;
}
