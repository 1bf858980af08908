import type { z } from 'zod';
import { describeIssues } from '../../../common/zod-issues.js';
import { InvalidRequestError, NotFoundError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';

/** `text` as JSON that `schema` accepts; an InvalidRequestError says what is wrong with `what` otherwise. */
export function parseJsonDocument<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InvalidRequestError(`invalid ${what}`, 'it is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new InvalidRequestError(`invalid ${what}`, describeIssues(parsed.error, 'body'));
  }
  return parsed.data;
}

/** The object at `key` as parseJsonDocument reads it; NotFoundError when there is none. */
export async function readJsonDocument<S extends z.ZodType>(
  objects: ObjectStore,
  key: string,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  const bytes = await objects.get(key);
  if (!bytes) throw new NotFoundError(what);
  return parseJsonDocument(schema, bytes.toString('utf8'), what);
}
