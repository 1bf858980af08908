// POST /search as agreed with the search API (notes/search-contract.md), ahead of the server's zod schemas: text,
// a label, an example video (or a time range of it) or an image, with moments per hit. Once the server's schemas
// carry these fields, types.ts derives them and this file goes.
import type { SearchHit as ServerSearchHit } from './types.js';

/** A stretch of a video that matches the query, best first in a hit. */
export interface Moment {
  startSeconds: number;
  endSeconds: number;
  score: number;
}

export interface SearchFilter {
  labels?: string[];
  /** A folder: ends with "/". */
  keyPrefix?: string;
  completedFrom?: string;
  completedTo?: string;
}

export interface ExampleQuery {
  videoId: string;
  fromSeconds?: number;
  toSeconds?: number;
}

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];
/** The largest image the API takes, decoded. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** Moments per hit the page asks for. */
export const PAGE_MOMENTS = 3;

export type SearchQuery =
  | { text: string }
  | { label: string; labelSet?: string }
  | { example: ExampleQuery }
  | { image: { data: string; contentType?: ImageType } };

export type SearchRequest = SearchQuery & { k?: number; filter?: SearchFilter; moments?: number };
export type SearchHit = ServerSearchHit & { moments?: Moment[] };
export interface SearchResponse {
  items: SearchHit[];
}

/** Whether the server's POST /search takes the query kinds beyond text (its OpenAPI request schema says). */
export function searchesByExample(document: { components?: { schemas?: Record<string, unknown> } }): boolean {
  const request = document.components?.schemas?.SearchRequest as { properties?: Record<string, unknown> } | undefined;
  return Boolean(request?.properties && 'example' in request.properties && 'image' in request.properties);
}

/** Base64 of `bytes` (what the image query carries), in chunks so a 4 MiB image does not overflow the call stack. */
export function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
  return btoa(binary);
}

export class ImageRefusedError extends Error {}

/** The image query of a picked file, or why the API would refuse it. */
export async function imageQuery(file: Blob): Promise<{ image: { data: string; contentType: ImageType } }> {
  const type = IMAGE_TYPES.find((candidate) => candidate === file.type);
  if (!type) throw new ImageRefusedError('pick a JPEG, PNG or WebP image');
  if (file.size > MAX_IMAGE_BYTES) throw new ImageRefusedError('the image is larger than 4 MiB');
  return { image: { data: base64Of(new Uint8Array(await file.arrayBuffer())), contentType: type } };
}

/**
 * The body of a search for `query`: with `extended` (a server that takes the whole contract), moments are asked for;
 * a server that takes text only refuses fields it does not know, so they are left out there.
 */
export function searchRequest(query: SearchQuery, k: number, extended: boolean): SearchRequest {
  return extended ? { ...query, k, moments: PAGE_MOMENTS } : { ...query, k };
}
