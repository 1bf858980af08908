import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { XclipError } from '../common/errors.js';
import { DecodeTimeoutError } from './errors.js';

/**
 * ffmpeg and ffprobe come from the system, not from an npm package: the project pins the ffmpeg 5.1 family
 * that Debian bookworm ships (developer machines, CI via apt, and the Lambda image's bookworm base), so every
 * environment decodes with the same code. FFMPEG_PATH / FFPROBE_PATH point at another build.
 */
export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}

export function mediaTools(env: NodeJS.ProcessEnv = process.env): MediaTools {
  return { ffmpeg: env.FFMPEG_PATH || 'ffmpeg', ffprobe: env.FFPROBE_PATH || 'ffprobe' };
}

/** A local path as an ffmpeg input: the `file:` protocol keeps a name like `clip:1.mp4` from reading as a protocol. */
export function inputUrl(path: string): string {
  return `file:${path}`;
}

/** ffmpeg or ffprobe could not be started at all. */
export class MediaToolMissingError extends XclipError {
  constructor(binary: string, why: string) {
    super(
      'MEDIA_TOOL_MISSING',
      `cannot run ${binary}`,
      `${why}; install ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH`,
    );
  }
}

export interface ToolRequest {
  /** The video being read, for error messages. */
  subject: string;
  timeoutMs: number;
  /** Extra output pipes the process writes to as file descriptors 3, 4, ... (ffmpeg's `pipe:3`). */
  extraPipes?: number;
  /** Kill the process once its outputs together exceed this many bytes. */
  maxOutputBytes?: number;
}

export interface ToolResult {
  exitCode: number;
  stdout: Buffer;
  /** Contents of the extra pipes, in descriptor order (index 0 is descriptor 3). */
  pipes: Buffer[];
  stderr: string;
}

/** Bytes of stderr kept: the end is where ffmpeg says why it stopped. */
const STDERR_TAIL_BYTES = 16 * 1024;
const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;

/** The last few lines of a tool's stderr as one line, for error messages. */
export function stderrSummary(stderr: string, maxChars = 400): string {
  const text = stderr
    .split('\n')
    .map((line) => line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, '').trim())
    .filter(Boolean)
    .slice(-6)
    .join('; ');
  return text.length > maxChars ? `...${text.slice(-maxChars)}` : text;
}

function collect(stream: Readable, onData: (bytes: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    onData(chunk.length);
  });
  return new Promise((resolve) => stream.on('close', () => resolve(Buffer.concat(chunks))));
}

/**
 * Runs ffmpeg or ffprobe to completion. A run past `timeoutMs` is killed (SIGKILL) and rejected with
 * DecodeTimeoutError carrying its stderr; a non-zero exit is returned, not thrown, for the caller to classify.
 */
export function runTool(binary: string, args: readonly string[], request: ToolRequest): Promise<ToolResult> {
  const extraPipes = request.extraPipes ?? 0;
  const maxOutputBytes = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe', ...Array<'pipe'>(extraPipes).fill('pipe')] });
    let stderr = '';
    let outputBytes = 0;
    let failure: Error | undefined;
    const fail = (error: Error): void => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail(new DecodeTimeoutError(request.subject, binary, request.timeoutMs, stderrSummary(stderr))),
      request.timeoutMs,
    );
    const countOutput = (bytes: number): void => {
      outputBytes += bytes;
      if (outputBytes > maxOutputBytes) {
        fail(
          new XclipError(
            'MEDIA_OUTPUT_TOO_LARGE',
            `${binary} wrote too much for ${request.subject}`,
            `more than ${maxOutputBytes} bytes`,
          ),
        );
      }
    };
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
    });
    const outputs = Promise.all(
      child.stdio
        .slice(1)
        .filter((_, i) => i !== 1)
        .map((stream) => collect(stream as Readable, countOutput)),
    );
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new MediaToolMissingError(binary, error.code === 'ENOENT' ? 'not found' : error.message));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      void outputs.then(([stdout, ...pipes]) => {
        if (failure) reject(failure);
        else resolve({ exitCode: code ?? (signal ? 128 : 1), stdout: stdout!, pipes, stderr });
      });
    });
  });
}
