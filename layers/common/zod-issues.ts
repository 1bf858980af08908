import type { z } from 'zod';

/**
 * Every issue of a failed zod parse as `path: message`, joined by "; ". An issue at the root is named `root` when
 * given, else shown as its message alone.
 */
export function describeIssues(error: z.ZodError, root?: string): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.') || root;
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
