import { createHash, type Hash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UsageError, XclipError } from '../common/errors.js';

// Plain fetch rather than @huggingface/hub: it needs resumable downloads into FILE.part, digest
// checks against the hub's headers and a short stall timeout, none of which that client offers.

export const DEFAULT_REPO = 'microsoft/xclip-base-patch32';
export const DEFAULT_REVISION = 'main';
export const DEFAULT_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_TIMEOUT_MS = 10_000;
/** What the converter and runtime read: HF config and fp32 weights, CLIP BPE files, processor settings. */
export const MODEL_FILES = [
  'config.json',
  'preprocessor_config.json',
  'vocab.json',
  'merges.txt',
  'model.safetensors',
] as const;

const MAX_HUB_REDIRECTS = 5;

export class HubError extends XclipError {}

export class HubUnreachableError extends HubError {
  constructor(origin: string, why: string, cause: unknown) {
    super('HUB_UNREACHABLE', `cannot reach the Hugging Face hub at ${origin}`, why, { cause });
  }
}

export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  /** Undefined when neither the hub nor the download server says how big the file is. */
  totalBytes: number | undefined;
}

export interface FetchModelOptions {
  /** `owner/name` on the hub; default microsoft/xclip-base-patch32. */
  repo?: string;
  /** Branch, tag, commit or `refs/pr/N`; default `main`. */
  revision?: string;
  /** Output directory; default `defaultDownloadDir(repo, revision)`. */
  out?: string;
  /** Default `$HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Default `$HF_TOKEN`, else the token `huggingface-cli login` saved. */
  token?: string;
  /** Give up when the hub sends nothing for this long: no answer to a request, or no bytes mid-download. */
  timeoutMs?: number;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface FetchedFile {
  name: string;
  path: string;
  bytes: number;
  /** `present`: already complete and verified, nothing downloaded. */
  status: 'downloaded' | 'resumed' | 'present';
}

export interface FetchedModel {
  dir: string;
  /** The commit `revision` pointed at (every file comes from it), when the hub says. */
  commit: string | undefined;
  files: FetchedFile[];
}

interface HubSession {
  endpoint: string;
  repo: string;
  /** The revision the user asked for, as errors name it. */
  revision: string;
  token: string | undefined;
  timeoutMs: number;
}

/** Content digest the hub vouches for: sha256 for LFS files, the git blob id for the others. */
interface Digest {
  algorithm: 'sha256' | 'git-sha1';
  hex: string;
}

interface RemoteFile {
  name: string;
  downloadUrl: URL;
  size: number | undefined;
  digest: Digest | undefined;
  commit: string | undefined;
}

function huggingFaceHome(): string {
  return process.env.HF_HOME || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'huggingface');
}

/**
 * `$HF_HOME/xclip/<repo>/<revision>` (HF_HOME resolved as huggingface_hub does). Not under
 * HF_HUB_CACHE: that directory holds huggingface_hub's own blobs/snapshots layout, and a model
 * directory here is plain files that the converter reads as they are.
 */
export function defaultDownloadDir(repo: string, revision: string): string {
  return join(huggingFaceHome(), 'xclip', repo, revision.replaceAll('/', '--'));
}

function defaultToken(): string | undefined {
  if (process.env.HF_TOKEN) return process.env.HF_TOKEN;
  try {
    return readFileSync(process.env.HF_TOKEN_PATH || join(huggingFaceHome(), 'token'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

/** Aborts a request when nothing arrives for `ms`: no response yet, or no body bytes since the last chunk. */
class Watchdog {
  readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => this.controller.abort(), ms);
  }

  get fired(): boolean {
    return this.controller.signal.aborted;
  }

  feed(): void {
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/** The socket-level reason inside fetch's generic "fetch failed". */
function networkFailure(url: URL, error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const detail = cause as { code?: string; errors?: Array<{ code?: string }>; message?: string };
  const code = detail.code ?? detail.errors?.[0]?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup failed for ${url.hostname}`;
    case 'ECONNRESET':
      return 'connection reset';
    case 'UND_ERR_SOCKET':
      return 'the server closed the connection';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return 'network unreachable';
    default:
      return code ? `${code}: ${detail.message}` : String(detail.message ?? cause);
  }
}

async function request(
  session: HubSession,
  url: URL,
  method: 'HEAD' | 'GET',
  headers: Record<string, string> = {},
): Promise<{ response: Response; watchdog: Watchdog }> {
  const watchdog = new Watchdog(session.timeoutMs);
  // Identity encoding keeps Content-Length and digests about the file's own bytes.
  const allHeaders: Record<string, string> = { 'accept-encoding': 'identity', ...headers };
  // The token is for the hub only: signed CDN URLs refuse a second credential.
  if (session.token && url.origin === new URL(session.endpoint).origin)
    allHeaders.authorization = `Bearer ${session.token}`;
  try {
    // HEAD sees the hub's own redirect (its X-Linked-* headers describe the LFS file); GET follows it.
    const response = await fetch(url, {
      method,
      headers: allHeaders,
      redirect: method === 'HEAD' ? 'manual' : 'follow',
      signal: watchdog.controller.signal,
    });
    return { response, watchdog };
  } catch (error) {
    watchdog.stop();
    throw new HubUnreachableError(
      url.origin,
      watchdog.fired ? `no answer within ${seconds(session.timeoutMs)}` : networkFailure(url, error),
      error,
    );
  }
}

function httpError(session: HubSession, file: string, response: Response): HubError {
  const what = `cannot fetch ${file} from ${session.repo}@${session.revision}`;
  const tokenHint = session.token ? 'check that HF_TOKEN has read access' : 'set HF_TOKEN to a token with read access';
  const errorCode = response.headers.get('x-error-code');
  const hubMessage = response.headers.get('x-error-message');
  const status = `${response.status}${hubMessage ? `: ${hubMessage}` : ''}`;
  if (errorCode === 'RepoNotFound') {
    const hidden = response.status === 401 ? `, or it is private or gated: ${tokenHint}` : '';
    return new HubError('HUB_NOT_FOUND', what, `repository ${session.repo} not found on ${session.endpoint}${hidden}`);
  }
  if (errorCode === 'RevisionNotFound')
    return new HubError('HUB_NOT_FOUND', what, `revision "${session.revision}" not found`);
  if (errorCode === 'EntryNotFound')
    return new HubError('HUB_FILE_NOT_FOUND', what, `the repository has no ${file} at this revision`);
  if (errorCode === 'GatedRepo')
    return new HubError('HUB_AUTH', what, `gated repository: accept its conditions on the hub, then ${tokenHint}`);
  if (response.status === 401) {
    return new HubError(
      'HUB_AUTH',
      what,
      session.token
        ? `the hub rejected HF_TOKEN (${status})`
        : `the hub requires authentication (${status}): ${tokenHint}`,
    );
  }
  if (response.status === 403) return new HubError('HUB_AUTH', what, `access denied (${status}): ${tokenHint}`);
  if (response.status === 404) return new HubError('HUB_FILE_NOT_FOUND', what, `not found (${status})`);
  if (response.status === 429)
    return new HubError('HUB_HTTP', what, `rate limited by the hub (${status}); try again later`);
  return new HubError('HUB_HTTP', what, `the server answered ${status} ${response.statusText}`.trim());
}

function parseDigest(etag: string | null): Digest | undefined {
  // A weak ETag does not promise these exact bytes.
  if (etag === null || etag.startsWith('W/')) return undefined;
  const hex = etag.replaceAll('"', '').toLowerCase();
  if (/^[0-9a-f]{64}$/.test(hex)) return { algorithm: 'sha256', hex };
  if (/^[0-9a-f]{40}$/.test(hex)) return { algorithm: 'git-sha1', hex };
  return undefined;
}

function parseSize(header: string | null): number | undefined {
  return header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
}

function resolveUrl(session: HubSession, ref: string, file: string): URL {
  return new URL(`${session.endpoint}/${session.repo}/resolve/${encodeURIComponent(ref)}/${encodeURIComponent(file)}`);
}

/** Asks the hub (HEAD) where `file` at `ref` is, how big it is and what its digest is. */
async function resolveRemoteFile(session: HubSession, ref: string, file: string): Promise<RemoteFile> {
  let url = resolveUrl(session, ref, file);
  for (let redirects = 0; redirects <= MAX_HUB_REDIRECTS; redirects++) {
    const { response, watchdog } = await request(session, url, 'HEAD');
    watchdog.stop();
    const { headers } = response;
    const linkedSize = parseSize(headers.get('x-linked-size'));
    const location = headers.get('location');
    const redirected = response.status >= 300 && response.status < 400 && location !== null;
    if (!redirected && !response.ok) throw httpError(session, file, response);
    const target = redirected ? new URL(location, url) : url;
    // A redirect within the hub without LFS headers is a renamed repository: ask again there.
    if (redirected && linkedSize === undefined && target.origin === url.origin) {
      url = target;
      continue;
    }
    return {
      name: file,
      downloadUrl: target,
      // The Content-Length of a redirect is that of its own body, not of the file.
      size: linkedSize ?? (redirected ? undefined : parseSize(headers.get('content-length'))),
      digest: parseDigest(headers.get('x-linked-etag') ?? headers.get('etag')),
      commit: headers.get('x-repo-commit') ?? undefined,
    };
  }
  throw new HubError(
    'HUB_HTTP',
    `cannot fetch ${file} from ${session.repo}@${session.revision}`,
    `more than ${MAX_HUB_REDIRECTS} redirects`,
  );
}

async function resolveWeights(session: HubSession, ref: string): Promise<RemoteFile> {
  try {
    return await resolveRemoteFile(session, ref, 'model.safetensors');
  } catch (error) {
    if (!(error instanceof HubError) || error.code !== 'HUB_FILE_NOT_FOUND') throw error;
    const hasPytorchWeights = await resolveRemoteFile(session, ref, 'pytorch_model.bin').then(
      () => true,
      () => false,
    );
    if (!hasPytorchWeights) throw error;
    throw new HubError(
      'HUB_NO_SAFETENSORS',
      `cannot fetch ${session.repo}@${session.revision}`,
      'this revision has only pytorch_model.bin and xclip reads model.safetensors: pass --revision with a revision that has it (e.g. the safetensors conversion PR, refs/pr/N)',
    );
  }
}

/** Why the file at `path` is not the one `remote` describes, or undefined when it is. */
async function mismatch(path: string, remote: RemoteFile): Promise<string | undefined> {
  const bytes = statSync(path).size;
  if (remote.size !== undefined && bytes !== remote.size) return `${bytes} bytes, expected ${remote.size}`;
  if (!remote.digest) return undefined;
  let hash: Hash;
  if (remote.digest.algorithm === 'sha256') hash = createHash('sha256');
  else hash = createHash('sha1').update(`blob ${bytes}\0`); // a git blob id hashes this header, then the content
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  return actual === remote.digest.hex
    ? undefined
    : `${remote.digest.algorithm} ${actual}, expected ${remote.digest.hex}`;
}

/** Downloads into `FILE.part` (resuming what an earlier run left there), verifies, then renames. */
async function download(
  session: HubSession,
  remote: RemoteFile,
  dir: string,
  onProgress?: (progress: DownloadProgress) => void,
): Promise<FetchedFile> {
  const path = join(dir, remote.name);
  const partPath = `${path}.part`;
  const report = (receivedBytes: number, totalBytes = remote.size): void =>
    onProgress?.({ file: remote.name, receivedBytes, totalBytes });
  if (existsSync(path) && (await mismatch(path, remote)) === undefined) {
    const bytes = statSync(path).size;
    report(bytes, bytes);
    return { name: remote.name, path, bytes, status: 'present' };
  }
  let offset = existsSync(partPath) ? statSync(partPath).size : 0;
  // Longer than the file: left by another version of it.
  if (remote.size !== undefined && offset > remote.size) offset = 0;
  const resumedFrom = offset;
  if (remote.size === undefined || offset < remote.size) {
    const { response, watchdog } = await request(
      session,
      remote.downloadUrl,
      'GET',
      offset > 0 ? { range: `bytes=${offset}-` } : {},
    );
    try {
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw httpError(session, remote.name, response);
      }
      // A server that ignores Range sends the whole file (200): start over.
      if (response.status !== 206 || !response.headers.get('content-range')?.startsWith(`bytes ${offset}-`)) offset = 0;
      const length = parseSize(response.headers.get('content-length'));
      const total = remote.size ?? (length === undefined ? undefined : offset + length);
      let received = offset;
      report(received, total);
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            watchdog.feed();
            received += chunk.length;
            report(received, total);
            yield chunk;
          }
        },
        createWriteStream(partPath, { flags: offset > 0 ? 'a' : 'w' }),
      );
    } catch (error) {
      if (error instanceof XclipError) throw error;
      const why = watchdog.fired
        ? `no data for ${seconds(session.timeoutMs)}`
        : networkFailure(remote.downloadUrl, error);
      throw new HubError(
        'HUB_INTERRUPTED',
        `download of ${remote.name} from ${remote.downloadUrl.origin} interrupted`,
        `${why}; run again to resume`,
        { cause: error },
      );
    } finally {
      watchdog.stop();
    }
  }
  const problem = await mismatch(partPath, remote);
  if (problem !== undefined) {
    rmSync(partPath, { force: true });
    throw new HubError(
      'HUB_INTEGRITY',
      `downloaded ${remote.name} from ${session.repo}@${session.revision} does not match the hub`,
      `${problem}; the download was deleted, run again`,
    );
  }
  renameSync(partPath, path);
  return {
    name: remote.name,
    path,
    bytes: statSync(path).size,
    status: resumedFrom > 0 && offset > 0 ? 'resumed' : 'downloaded',
  };
}

function checkRepoAndRevision(repo: string, revision: string): void {
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(repo) || repo.split('/').some((part) => part === '.' || part === '..')) {
    throw new UsageError(`invalid repository "${repo}"`, 'expected OWNER/NAME, e.g. microsoft/xclip-base-patch32');
  }
  if (
    !/^[\w.\-/]+$/.test(revision) ||
    revision.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new UsageError(`invalid revision "${revision}"`, 'expected a branch, tag, commit or refs/pr/N');
  }
}

/**
 * Downloads an X-CLIP checkpoint's MODEL_FILES from the hub into a directory that `xclip model
 * build --from` reads. Every file comes from the commit the revision pointed at when the first
 * file was resolved; files already complete are kept, partial ones resumed.
 */
export async function fetchModel(options: FetchModelOptions = {}): Promise<FetchedModel> {
  const repo = options.repo ?? DEFAULT_REPO;
  const revision = options.revision ?? DEFAULT_REVISION;
  checkRepoAndRevision(repo, revision);
  const session: HubSession = {
    endpoint: (options.endpoint ?? (process.env.HF_ENDPOINT || DEFAULT_ENDPOINT)).replace(/\/+$/, ''),
    repo,
    revision,
    token: options.token ?? defaultToken(),
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  // Pin the revision to its commit, so that a push during the download cannot mix two versions;
  // then resolve everything before downloading anything, so that a missing file fails in seconds.
  const { commit } = await resolveRemoteFile(session, revision, MODEL_FILES[0]);
  const ref = commit ?? revision;
  const remotes: RemoteFile[] = [];
  for (const file of MODEL_FILES)
    remotes.push(
      file === 'model.safetensors' ? await resolveWeights(session, ref) : await resolveRemoteFile(session, ref, file),
    );

  const dir = options.out ?? defaultDownloadDir(repo, revision);
  mkdirSync(dir, { recursive: true });
  const files: FetchedFile[] = [];
  for (const remote of remotes) files.push(await download(session, remote, dir, options.onProgress));
  return { dir, commit, files };
}
