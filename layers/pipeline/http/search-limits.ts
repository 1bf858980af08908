// Limits of POST /search's image query, in a module with no imports: the schemas enforce them and the web page
// (web/src/api/image-query.ts) checks a picked file against them before sending it.

/** Image types the query takes (what FFmpeg reads as a picture). */
export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
/** Largest query image, decoded. */
export const MAX_IMAGE_BYTES = 4 * 1024 ** 2;
