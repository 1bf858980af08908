import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { XclipError } from '../common/errors.js';
import { SIGNATURE_BYTES, startsLikeContainer } from './container-signature.js';
import {
  CorruptVideoError,
  NotAVideoError,
  NoVideoStreamError,
  UnsupportedCodecError,
  VideoTooLargeError,
  VideoTooLongError,
} from './errors.js';
import type { MediaLimits } from './limits.js';
import { inputUrl, type MediaTools, mediaTools, runTool, stderrSummary } from './tools.js';

/** The video stream chosen from a file, with what sampling and display need to know about it. */
export interface VideoStreamInfo {
  /** Index of the stream in the file (ffmpeg's `0:N`). */
  index: number;
  codec: string;
  pixelFormat: string;
  /** Size of the decoded frames. */
  width: number;
  height: number;
  sampleAspectRatio: number;
  /** Clockwise rotation a player applies for display: 0, 90, 180 or 270. */
  rotation: number;
  /** Size as a player shows it: sample aspect ratio and rotation applied. */
  displayWidth: number;
  displayHeight: number;
  frameRate: number | undefined;
  frameCount: number | undefined;
  timeBase: number;
  /** Presentation time of the stream's first frame, seconds, on the file's own clock. */
  start: number;
  /** Duration of the video stream itself, seconds. */
  duration: number;
  interlaced: boolean;
  /** PQ or HLG transfer: needs tone mapping to look right in 8-bit RGB. */
  hdr: boolean;
  colorTransfer: string | undefined;
  colorPrimaries: string | undefined;
  hasAlpha: boolean;
}

export interface VideoProbe {
  path: string;
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  container: string;
  fileBytes: number;
  /** The file's start time, seconds: ffmpeg's `-ss` counts from here. */
  containerStart: number;
  stream: VideoStreamInfo;
}

/** A stream as ffprobe's JSON describes it (the in-process probe builds the same shape). */
export interface RawStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  sample_aspect_ratio?: string;
  field_order?: string;
  color_transfer?: string;
  color_primaries?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number; timed_thumbnails?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

export interface RawProbe {
  streams?: RawStream[];
  format?: { format_name?: string; start_time?: string; duration?: string };
}

const HDR_TRANSFERS = new Set(['smpte2084', 'arib-std-b67']);
const INTERLACED_FIELD_ORDERS = new Set(['tt', 'bb', 'tb', 'bt']);
const ALPHA_PIXEL_FORMAT = /^(yuva|gbrap|ya[0-9]|rgba|bgra|argb|abgr|pal8)/;
/** Demuxers for images, animated WebP included: ffmpeg reads a picture as a video, but it is not one. */
const IMAGE_CONTAINER = /(_pipe|^image2|^webp_anim)$/;
function fileStartsLikeContainer(path: string): boolean {
  const head = Buffer.alloc(SIGNATURE_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return startsLikeContainer(head);
}

/** ffprobe messages that mean a recognised container whose data is damaged or cut short. */
const DAMAGED_CONTAINER =
  /moov atom not found|partial file|truncat|ended prematurely|EBML header parsing failed|invalid (atom|box|header)/i;

/** An ffprobe number field (`"12.5"`): undefined when it is absent or not a finite number (`N/A`). */
export function finiteNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** `30000/1001` or `16:9` -> number; undefined for 0/0, N/A and the like. */
function ratio(value: string | undefined): number | undefined {
  const match = /^(\d+)[/:](\d+)$/.exec(value ?? '');
  if (!match) return undefined;
  const [num, den] = [Number(match[1]), Number(match[2])];
  return num > 0 && den > 0 ? num / den : undefined;
}

/** Matroska keeps per-stream durations in a `DURATION` tag such as `00:00:10.381000000`. */
function tagDuration(tags: Record<string, string> | undefined): number | undefined {
  const value = tags?.DURATION ?? tags?.duration;
  const match = /^(\d+):(\d\d):(\d\d(?:\.\d+)?)$/.exec(value ?? '');
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** ffprobe reports the display matrix angle counter-clockwise; players rotate by its negation. */
function displayRotation(stream: RawStream): number {
  const matrix = stream.side_data_list?.find((side) => side.side_data_type === 'Display Matrix');
  const angle = matrix?.rotation ?? -(Number(stream.tags?.rotate) || 0);
  return (((Math.round(-angle / 90) * 90) % 360) + 360) % 360;
}

function isRealVideo(stream: RawStream): boolean {
  return (
    stream.codec_type === 'video' &&
    stream.disposition?.attached_pic !== 1 &&
    stream.disposition?.timed_thumbnails !== 1
  );
}

function describeStreams(streams: RawStream[]): string {
  if (streams.length === 0) return 'it has no streams';
  const kinds = streams.map((s) =>
    s.disposition?.attached_pic === 1
      ? `cover art (${s.codec_name})`
      : `${s.codec_type ?? 'unknown'} (${s.codec_name ?? s.codec_tag_string ?? '?'})`,
  );
  return `streams: ${kinds.join(', ')}`;
}

/** Picks the main video stream: the largest picture among real video streams, the first on ties. */
function chooseVideoStream(streams: RawStream[]): RawStream | undefined {
  let best: RawStream | undefined;
  for (const stream of streams.filter(isRealVideo)) {
    if (!best || (stream.width ?? 0) * (stream.height ?? 0) > (best.width ?? 0) * (best.height ?? 0)) best = stream;
  }
  return best;
}

/** Duration of the video stream itself: its own field, a Matroska tag, or the container's less the stream's late start. */
function streamDuration(stream: RawStream, raw: RawProbe, start: number, containerStart: number): number | undefined {
  const own = finiteNumber(stream.duration) ?? tagDuration(stream.tags);
  if (own !== undefined && own > 0) return own;
  const container = finiteNumber(raw.format?.duration);
  if (container !== undefined && container > 0) return container - (start - containerStart);
  return undefined;
}

/**
 * Turns ffprobe's JSON into a VideoProbe, or throws the typed error that says why the file cannot be sampled.
 * `duration` is NaN when neither the stream nor the container says; the caller measures it then.
 */
export function parseProbe(path: string, fileBytes: number, raw: RawProbe, limits: MediaLimits): VideoProbe {
  const container = raw.format?.format_name ?? 'unknown';
  const streams = raw.streams ?? [];
  if (IMAGE_CONTAINER.test(container))
    throw new NotAVideoError(path, `ffmpeg reads it as an image (${container.replace(/_pipe$/, '')})`);
  const stream = chooseVideoStream(streams);
  if (!stream) {
    if (streams.length === 0) throw new NotAVideoError(path, 'ffprobe finds no streams in it');
    throw new NoVideoStreamError(path, describeStreams(streams));
  }
  if (!stream.codec_name || stream.codec_name === 'none') {
    throw new UnsupportedCodecError(
      path,
      `ffmpeg has no decoder for its video codec (tag ${stream.codec_tag_string ?? 'unknown'})`,
    );
  }
  const width = stream.width ?? 0;
  const height = stream.height ?? 0;
  if (width <= 0 || height <= 0)
    throw new UnsupportedCodecError(path, `ffmpeg cannot tell the frame size of its ${stream.codec_name} video`);
  if (width * height > limits.maxFramePixels) {
    throw new VideoTooLargeError(path, `${width}x${height} frames exceed the limit of ${limits.maxFramePixels} pixels`);
  }
  const containerStart = finiteNumber(raw.format?.start_time) ?? 0;
  const start = finiteNumber(stream.start_time) ?? containerStart;
  const duration = streamDuration(stream, raw, start, containerStart) ?? Number.NaN;
  if (duration > limits.maxDurationSeconds) throw new VideoTooLongError(path, duration, limits.maxDurationSeconds);
  const sampleAspectRatio = ratio(stream.sample_aspect_ratio) ?? 1;
  const rotation = displayRotation(stream);
  const squareWidth = Math.max(1, Math.round(width * sampleAspectRatio));
  const quarterTurn = rotation === 90 || rotation === 270;
  const nbFrames = Number(stream.nb_frames);
  return {
    path,
    container,
    fileBytes,
    containerStart,
    stream: {
      index: stream.index ?? 0,
      codec: stream.codec_name,
      pixelFormat: stream.pix_fmt ?? 'unknown',
      width,
      height,
      sampleAspectRatio,
      rotation,
      displayWidth: quarterTurn ? height : squareWidth,
      displayHeight: quarterTurn ? squareWidth : height,
      frameRate: ratio(stream.avg_frame_rate) ?? ratio(stream.r_frame_rate),
      frameCount: Number.isSafeInteger(nbFrames) && nbFrames > 0 ? nbFrames : undefined,
      timeBase: ratio(stream.time_base) ?? 1e-6,
      start,
      duration,
      interlaced: INTERLACED_FIELD_ORDERS.has(stream.field_order ?? ''),
      hdr: HDR_TRANSFERS.has(stream.color_transfer ?? ''),
      colorTransfer: stream.color_transfer,
      colorPrimaries: stream.color_primaries,
      hasAlpha: ALPHA_PIXEL_FORMAT.test(stream.pix_fmt ?? ''),
    },
  };
}

/** Size of the file, with the size limit and the empty-file case checked before anything reads it. */
export function fileSize(path: string, limits: MediaLimits): number {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw new NotAVideoError(path, 'it is not a regular file');
    size = stats.size;
  } catch (error) {
    if (error instanceof XclipError) throw error;
    throw new XclipError(
      'FILE_UNREADABLE',
      `cannot read ${path}`,
      (error as NodeJS.ErrnoException).code ?? String(error),
    );
  }
  checkVideoBytes(path, size, limits);
  return size;
}

/** The empty-file case and the size limit, checked before anything is read. */
export function checkVideoBytes(path: string, size: number, limits: MediaLimits): void {
  if (size === 0) throw new NotAVideoError(path, 'the file is empty');
  if (size > limits.maxFileBytes)
    throw new VideoTooLargeError(path, `${size} bytes exceed the limit of ${limits.maxFileBytes}`);
}

/** Runs ffprobe on `path` and describes its main video stream. */
export async function probeVideo(
  path: string,
  limits: MediaLimits,
  tools: MediaTools = mediaTools(),
): Promise<VideoProbe> {
  const fileBytes = fileSize(path, limits);
  const result = await runTool(
    tools.ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', inputUrl(path)],
    {
      subject: path,
      timeoutMs: limits.probeTimeoutMs,
    },
  );
  if (result.exitCode !== 0) {
    const why = stderrSummary(result.stderr) || `ffprobe exited with code ${result.exitCode}`;
    const damaged = DAMAGED_CONTAINER.test(result.stderr) && fileStartsLikeContainer(path);
    throw damaged ? new CorruptVideoError(path, why) : new NotAVideoError(path, why);
  }
  let raw: RawProbe;
  try {
    raw = JSON.parse(result.stdout.toString('utf8')) as RawProbe;
  } catch {
    throw new NotAVideoError(path, 'ffprobe output is not JSON');
  }
  return parseProbe(path, fileBytes, raw, limits);
}
