/**
 * Short-lived URLs that let a browser GET an artifact (a thumbnail) with no other credentials, as an <img> cannot send
 * a token: presigned S3 GETs on AWS, URLs the local server signs itself locally.
 */
export interface ArtifactLinks {
  urlOf(key: string): Promise<string>;
}

/** URLs made within one window are the same URL, so browsers cache the pictures; each lasts one more window. */
export const LINK_WINDOW_MS = 60 * 60 * 1000;

/** The start of the window `at` falls in: what links are dated with, so they stay the same within it. */
export function linkWindowStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / LINK_WINDOW_MS) * LINK_WINDOW_MS);
}
