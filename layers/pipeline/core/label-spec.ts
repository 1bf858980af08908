import {
  BUILTIN_LABEL_SETS,
  builtinLabelSet,
  customLabelSet,
  DEFAULT_LABEL_SET,
  isBuiltinLabelSet,
  type LabelSet,
  LabelSetError,
  listedLabelSet,
} from '../../xclip/label-sets.js';

/**
 * A label set named in an API request: a built-in id, a comma-separated list, or an array of names.
 * Unlike `--labels` on the command line, never a file path: a request must not read the server's files.
 */
export function labelSetFromRequest(spec: string | readonly string[] = DEFAULT_LABEL_SET): LabelSet {
  if (Array.isArray(spec)) return customLabelSet([...spec]);
  const text = spec as string;
  if (isBuiltinLabelSet(text)) return builtinLabelSet(text);
  const listed = listedLabelSet(text);
  if (listed) return listed;
  throw new LabelSetError(
    text,
    `not a built-in set (${Object.keys(BUILTIN_LABEL_SETS).join(', ')}) or a comma-separated list`,
  );
}
