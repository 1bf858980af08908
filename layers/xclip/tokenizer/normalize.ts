import { fixText } from './fix-text.js';
import { unescapeHtml } from './html.js';
import { PYTHON_WHITESPACE } from './python-classes.js';

const WHITESPACE_RUN = new RegExp(`${PYTHON_WHITESPACE}+`, 'gu');
const EDGE_WHITESPACE = new RegExp(`^${PYTHON_WHITESPACE}+|${PYTHON_WHITESPACE}+$`, 'gu');

/**
 * The text OpenAI's CLIP tokenizer splits into words: `ftfy.fix_text`, `html.unescape` twice,
 * whitespace runs collapsed to one space, stripped, lower-cased.
 */
export function normalizeClipText(text: string): string {
  const cleaned = unescapeHtml(unescapeHtml(fixText(text)));
  return cleaned.replace(WHITESPACE_RUN, ' ').replace(EDGE_WHITESPACE, '').toLowerCase();
}
