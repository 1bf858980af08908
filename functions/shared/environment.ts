import { z } from 'zod';
import { XclipError } from '../../layers/common/errors.js';
import { describeIssues } from '../../layers/common/zod-issues.js';
import type { VectorIndexSettings } from '../../layers/pipeline/runtimes/aws/index.js';
import { CONTAINER_LABEL_FEATURE_CACHE_DIR, CONTAINER_MODEL_DIR } from '../../layers/xclip/model-location.js';

/** The environment a function or container was deployed with is missing a variable or has a bad value. */
export class ConfigError extends XclipError {
  constructor(why: string) {
    super('CONFIG', 'invalid function environment', why);
  }
}

/** A whole-number variable, `fallback` when unset. */
export function positiveInteger(fallback: number) {
  return z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().positive())
    .default(fallback);
}

/**
 * `env` read through `schema`, an empty variable counting as unset (as CloudFormation leaves optional ones);
 * a ConfigError names every bad variable at once.
 */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  return parsed.data;
}

/** MODEL_DIR and LABEL_FEATURE_CACHE_DIR, read alike by every container that loads the model. */
export const modelEnvironment = {
  MODEL_DIR: z.string().min(1).default(CONTAINER_MODEL_DIR),
  LABEL_FEATURE_CACHE_DIR: z.string().min(1).default(CONTAINER_LABEL_FEATURE_CACHE_DIR),
};

/**
 * The search index, read alike by every container that classifies or searches: VECTOR_INDEX_ARN (as the stack sets
 * it) or VECTOR_BUCKET_NAME with VECTOR_INDEX_NAME, and VECTOR_DIMENSION (the model's projection size, default 512).
 */
export const vectorIndexEnvironment = {
  VECTOR_INDEX_ARN: z.string().startsWith('arn:', 'must be an ARN').optional(),
  VECTOR_BUCKET_NAME: z.string().min(1).optional(),
  VECTOR_INDEX_NAME: z.string().min(1).optional(),
  VECTOR_DIMENSION: positiveInteger(512),
};

interface VectorIndexVariables {
  VECTOR_INDEX_ARN?: string;
  VECTOR_BUCKET_NAME?: string;
  VECTOR_INDEX_NAME?: string;
}

/**
 * The refinement that vectorIndexEnvironment's variables name an index, for each schema that spreads them
 * (`.refine(namesVectorIndex, NAMES_VECTOR_INDEX)`); it runs even where other variables are bad, so one
 * ConfigError names them all.
 */
export function namesVectorIndex(c: VectorIndexVariables): boolean {
  return c.VECTOR_INDEX_ARN !== undefined || (c.VECTOR_BUCKET_NAME !== undefined && c.VECTOR_INDEX_NAME !== undefined);
}
export const NAMES_VECTOR_INDEX = {
  message: 'required, or VECTOR_BUCKET_NAME and VECTOR_INDEX_NAME',
  path: ['VECTOR_INDEX_ARN'],
  when: () => true,
};

/** The index settings of variables read through vectorIndexEnvironment and checked by namesVectorIndex. */
export function vectorIndexSettingsOf(c: {
  VECTOR_INDEX_ARN?: string;
  VECTOR_BUCKET_NAME?: string;
  VECTOR_INDEX_NAME?: string;
  VECTOR_DIMENSION: number;
}): VectorIndexSettings {
  const dimension = c.VECTOR_DIMENSION;
  if (c.VECTOR_INDEX_ARN) return { target: { indexArn: c.VECTOR_INDEX_ARN }, dimension };
  if (c.VECTOR_BUCKET_NAME && c.VECTOR_INDEX_NAME)
    return { target: { vectorBucketName: c.VECTOR_BUCKET_NAME, indexName: c.VECTOR_INDEX_NAME }, dimension };
  throw new ConfigError('VECTOR_INDEX_ARN, or VECTOR_BUCKET_NAME and VECTOR_INDEX_NAME: required');
}
