import type { z } from 'zod';
import { ConfigError } from './config.js';

/**
 * `env` read through `schema`, an empty variable counting as unset (as CloudFormation leaves optional ones);
 * a ConfigError names every bad variable at once.
 */
export function parseEnvironment<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  return parsed.data;
}
