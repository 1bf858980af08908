import { z } from 'zod';
import { parseEnvironment } from '../shared/environment.js';

/** The GPU result consumer's environment: BUCKET_NAME (requests, outputs, videos) and TABLE_NAME (the result table). */
const configSchema = z.object({ BUCKET_NAME: z.string().min(1), TABLE_NAME: z.string().min(1) });

export function loadGpuResultsConfig(env: Record<string, string | undefined> = process.env): {
  bucket: string;
  table: string;
} {
  const c = parseEnvironment(configSchema, env);
  return { bucket: c.BUCKET_NAME, table: c.TABLE_NAME };
}
