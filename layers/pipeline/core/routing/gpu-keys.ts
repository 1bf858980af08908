/** Where the GPU path keeps its documents in the bucket, and what marks a manifest upload. */
export const GPU_REQUEST_PREFIX = 'gpu-requests/';
/** The async endpoint's outputs (summaries) and, under failures/, its error responses. */
export const GPU_OUTPUT_PREFIX = 'gpu-results/';
export const MANIFEST_SUFFIX = '.manifest.json';
