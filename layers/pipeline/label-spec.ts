import { BUILTIN_LABEL_SETS, type BuiltinLabelSetId, DEFAULT_LABEL_SET, LabelSetError, type LabelSet, builtinLabelSet, customLabelSet } from '../xclip/label-sets.js';

/**
 * A label set named in an API request: a built-in id, a comma-separated list, or an array of names.
 * Unlike `--labels` on the command line, never a file path: a request must not read the server's files.
 */
export function labelSetFromRequest(spec: string | readonly string[] = DEFAULT_LABEL_SET): LabelSet {
  if (Array.isArray(spec)) return customLabelSet([...spec]);
  const text = spec as string;
  if (Object.hasOwn(BUILTIN_LABEL_SETS, text)) return builtinLabelSet(text as BuiltinLabelSetId);
  if (text.includes(',')) return customLabelSet(text.split(',').filter((name) => name.trim().length > 0), text);
  throw new LabelSetError(text, `not a built-in set (${Object.keys(BUILTIN_LABEL_SETS).join(', ')}) or a comma-separated list`);
}
