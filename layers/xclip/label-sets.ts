import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { commaList } from '../common/comma-list.js';
import { XclipError } from '../common/errors.js';

/** Label sets shipped with the project (lists from the X-CLIP authors). */
export const BUILTIN_LABEL_SETS = {
  k400: 'kinetics_400_labels.csv',
  k600: 'kinetics_600_labels.csv',
  ucf101: 'ucf_101_labels.csv',
  hmdb51: 'hmdb_51_labels.csv',
} as const;
export type BuiltinLabelSetId = keyof typeof BUILTIN_LABEL_SETS;
export const DEFAULT_LABEL_SET: BuiltinLabelSetId = 'k400';

/** The largest label set a user may define: every label is one row of the score graph. */
export const MAX_LABELS = 5000;
const MAX_LABEL_CHARS = 300;

export interface LabelSet {
  /** `k400`, ... for built-in sets, `custom-<hash>` for user sets (stable for the same names). */
  id: string;
  names: string[];
}

export class LabelSetError extends XclipError {
  constructor(spec: string, why: string) {
    super(
      'INVALID_LABELS',
      `invalid label set ${JSON.stringify(spec.length > 80 ? `${spec.slice(0, 77)}...` : spec)}`,
      why,
    );
  }
}

export function isBuiltinLabelSet(spec: string): spec is BuiltinLabelSetId {
  return Object.hasOwn(BUILTIN_LABEL_SETS, spec);
}

/** Label names from a CSV with an `id,name` header, or from plain text with one label per line. */
export function parseLabelFile(text: string): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (lines[0]?.toLowerCase() === 'id,name') {
    return lines.slice(1).map((line) =>
      line
        .slice(line.indexOf(',') + 1)
        .replace(/^"(.*)"$/, '$1')
        .trim(),
    );
  }
  return lines;
}

function validated(spec: string, names: string[]): string[] {
  if (names.length === 0) throw new LabelSetError(spec, 'it has no labels');
  if (names.length > MAX_LABELS)
    throw new LabelSetError(spec, `it has ${names.length} labels, at most ${MAX_LABELS} are allowed`);
  const seen = new Set<string>();
  for (const name of names) {
    if (name.length === 0) throw new LabelSetError(spec, 'it has an empty label');
    if (name.length > MAX_LABEL_CHARS)
      throw new LabelSetError(spec, `label "${name.slice(0, 40)}..." is longer than ${MAX_LABEL_CHARS} characters`);
    if (seen.has(name)) throw new LabelSetError(spec, `label "${name}" appears twice`);
    seen.add(name);
  }
  return names;
}

export function builtinLabelSet(id: BuiltinLabelSetId): LabelSet {
  const text = readFileSync(new URL(`./labels/${BUILTIN_LABEL_SETS[id]}`, import.meta.url), 'utf8');
  return { id, names: parseLabelFile(text) };
}

/** sha256 of a label set's names, one per line: what identifies its text features. */
export function labelNamesDigest(names: readonly string[]): string {
  return createHash('sha256').update(names.join('\n')).digest('hex');
}

/** A user label set from a list of names; its id is derived from the names. */
export function customLabelSet(names: string[], spec = names.join(',')): LabelSet {
  const clean = validated(
    spec,
    names.map((name) => name.trim()),
  );
  return { id: `custom-${labelNamesDigest(clean).slice(0, 12)}`, names: clean };
}

/** A custom set from a comma-separated list ("a,b,c"); undefined for text with no comma. */
export function listedLabelSet(text: string): LabelSet | undefined {
  return text.includes(',') ? customLabelSet(commaList(text), text) : undefined;
}

/**
 * Resolves `--labels`: a built-in id (k400, k600, ucf101, hmdb51), a file (CSV `id,name` or one
 * label per line), or a comma-separated list ("a,b,c").
 */
export function resolveLabelSet(spec: string = DEFAULT_LABEL_SET): LabelSet {
  if (isBuiltinLabelSet(spec)) return builtinLabelSet(spec);
  if (existsSync(spec) && statSync(spec).isFile())
    return customLabelSet(parseLabelFile(readFileSync(spec, 'utf8')), spec);
  const listed = listedLabelSet(spec);
  if (listed) return listed;
  throw new LabelSetError(
    spec,
    `not a built-in set (${Object.keys(BUILTIN_LABEL_SETS).join(', ')}), an existing file, or a comma-separated list`,
  );
}
