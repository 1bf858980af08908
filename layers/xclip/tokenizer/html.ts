// The two HTML unescapers CLIP's text cleaning runs: ftfy's cautious one, and Python's
// `html.unescape`. Named references come from `entities` (the WHATWG table Python also uses).

import { decodeHTML, decodeHTMLStrict } from 'entities';
import { decodeCharmap } from './charmaps.js';

// Python's html module: the reference syntax it accepts, with optional semicolons.
const CHARACTER_REFERENCE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

/** Code points Python's `html.unescape` drops: controls and Unicode noncharacters. */
function isDroppedCodePoint(code: number): boolean {
  return (
    (code >= 0x01 && code <= 0x08) ||
    code === 0x0b ||
    (code >= 0x0e && code <= 0x1f) ||
    code === 0x7f ||
    (code >= 0xfdd0 && code <= 0xfdef) ||
    (code & 0xfffe) === 0xfffe
  );
}

function numericReference(reference: string): string {
  const digits = reference.endsWith(';') ? reference.slice(0, -1) : reference;
  const code = digits[1] === 'x' || digits[1] === 'X' ? parseInt(digits.slice(2), 16) : parseInt(digits.slice(1), 10);
  if (code === 0) return '\ufffd';
  if (code === 0x0d) return '\r';
  // HTML reads C1 references as the Windows-1252 characters they almost always mean.
  if (code >= 0x80 && code <= 0x9f) return decodeCharmap(String.fromCharCode(code), 'sloppy-windows-1252');
  if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return '\ufffd';
  return isDroppedCodePoint(code) ? '' : String.fromCodePoint(code);
}

/** Python's `html.unescape`: every numeric and named reference, semicolon or not. */
export function unescapeHtml(text: string): string {
  if (!text.includes('&')) return text;
  // A name without its semicolon decodes to its longest prefix that is an entity, as in HTML.
  return text.replace(CHARACTER_REFERENCE, (_match, reference: string) =>
    reference.startsWith('#') ? numericReference(reference) : decodeHTML(`&${reference}`),
  );
}

const TERMINATED_REFERENCE = /&#?[0-9A-Za-z]{1,24};/g;

function unescapeTerminatedReference(reference: string): string {
  if (reference.startsWith('&#')) {
    const decoded = unescapeHtml(reference);
    // Only a reference decoded up to and including its semicolon counts.
    return decoded.includes(';') ? reference : decoded;
  }
  const decoded = decodeHTMLStrict(reference);
  if (decoded !== reference) return decoded;
  // All-caps names of lower-case entities ("P&EACUTE;REZ"), unless the all-caps form already means
  // something in HTML.
  const lowerCase = reference.toLowerCase();
  const lowerCaseDecoded = decodeHTMLStrict(lowerCase);
  if (
    reference === reference.toUpperCase() &&
    lowerCaseDecoded !== lowerCase &&
    unescapeHtml(reference) === reference
  ) {
    return lowerCaseDecoded.toUpperCase();
  }
  return reference;
}

/**
 * ftfy's `unescape_html`: only references ended by a semicolon, so that informal text such as
 * "this&not that" stays as it is, plus all-caps entity names.
 */
export function unescapeTerminatedReferences(text: string): string {
  return text.replace(TERMINATED_REFERENCE, unescapeTerminatedReference);
}
