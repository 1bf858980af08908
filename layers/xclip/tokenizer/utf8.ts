// UTF-8 decoding of binary strings (one char per byte) as Python does it: strict, keeping a
// byte-order mark, plus ftfy's "utf-8-variants" codec (bad_codecs/utf8_variants.py).

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Strict UTF-8 (Python's `bytes.decode('utf-8')`); undefined where the bytes are not UTF-8. */
export function decodeUtf8(bytes: string): string | undefined {
  try {
    return strictUtf8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return undefined;
  }
}

// Java's two-byte NUL, and CESU-8: a UTF-16 surrogate pair encoded as two 3-byte sequences.
const UTF8_VARIANT_SEQUENCE = /\xc0\x80|\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]/g;

function decodeVariantSequence(sequence: string): string {
  if (sequence.length === 2) return '\0';
  const byte = (i: number) => sequence.charCodeAt(i);
  return String.fromCodePoint(
    0x10000 + ((byte(1) & 0x0f) << 16) + ((byte(2) & 0x3f) << 10) + ((byte(4) & 0x0f) << 6) + (byte(5) & 0x3f),
  );
}

/** UTF-8 that may also hold CESU-8 surrogate pairs and `C0 80` for NUL; undefined where invalid. */
export function decodeUtf8Variants(bytes: string): string | undefined {
  let text = '';
  let start = 0;
  for (const match of bytes.matchAll(UTF8_VARIANT_SEQUENCE)) {
    const before = decodeUtf8(bytes.slice(start, match.index));
    if (before === undefined) return undefined;
    text += before + decodeVariantSequence(match[0]);
    start = match.index + match[0].length;
  }
  const rest = decodeUtf8(bytes.slice(start));
  return rest === undefined ? undefined : text + rest;
}
