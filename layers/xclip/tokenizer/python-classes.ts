// Python's `re` character classes on str, for patterns ported from Python.

/** `\s`: what `str.isspace()` accepts. */
export const PYTHON_WHITESPACE = String.raw`[\t-\r\x1c-\x1f\x85\p{Z}]`;
/** `\w`: letters, numbers and the underscore. */
export const PYTHON_WORD = String.raw`[\p{L}\p{N}_]`;
