import {
  AV_DISPOSITION_ATTACHED_PIC,
  AV_DISPOSITION_TIMED_THUMBNAILS,
  AV_NOPTS_VALUE,
  AV_PKT_DATA_DISPLAYMATRIX,
  type AVMediaType,
} from 'node-av/constants';
import { avGetCodecName, avGetMediaTypeString, avGetPixFmtName, type Rational, type Stream } from 'node-av/lib';
import type { Demuxer } from './demuxer.js';
import type { MediaLimits } from './limits.js';
import { parseProbe, type RawProbe, type RawStream, type VideoProbe } from './probe.js';

/** av_color_primaries_name / av_color_transfer_name for the values FFmpeg defines (the names zscale accepts). */
const PRIMARIES: Record<number, string> = {
  1: 'bt709',
  4: 'bt470m',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'film',
  9: 'bt2020',
  10: 'smpte428',
  11: 'smpte431',
  12: 'smpte432',
  22: 'ebu3213',
};
const TRANSFERS: Record<number, string> = {
  1: 'bt709',
  4: 'bt470m',
  5: 'bt470bg',
  6: 'smpte170m',
  7: 'smpte240m',
  8: 'linear',
  9: 'log100',
  10: 'log316',
  11: 'iec61966-2-4',
  12: 'bt1361e',
  13: 'iec61966-2-1',
  14: 'bt2020-10',
  15: 'bt2020-12',
  16: 'smpte2084',
  17: 'smpte428',
  18: 'arib-std-b67',
};
/** AVFieldOrder as ffprobe names it. */
const FIELD_ORDERS = ['unknown', 'progressive', 'tt', 'bb', 'tb', 'bt'];

function ratioText(value: Rational, separator: string): string {
  return `${value.num}${separator}${value.den}`;
}

/** A timestamp in `timeBase` units as ffprobe prints seconds; undefined for AV_NOPTS_VALUE. */
function secondsText(value: bigint, timeBase: Rational): string | undefined {
  return value === AV_NOPTS_VALUE ? undefined : String((Number(value) * timeBase.num) / timeBase.den);
}

/** av_display_rotation_get: the display matrix's counter-clockwise angle, negated as ffprobe reports it. */
function matrixRotation(matrix: Buffer): number {
  const at = (i: number) => matrix.readInt32LE(i * 4) / 65536;
  const scaleX = Math.hypot(at(0), at(3));
  const scaleY = Math.hypot(at(1), at(4));
  return -((Math.atan2(at(1) / scaleY, at(0) / scaleX) * 180) / Math.PI);
}

/** A stream's AVFieldOrder (node-av reads it only through toJSON): 0, unknown, where nothing has set it. */
export function fieldOrderOf(par: Stream['codecpar']): number {
  return (par.toJSON() as { fieldOrder?: number }).fieldOrder ?? 0;
}

function rawStream(stream: Stream): RawStream {
  const par = stream.codecpar;
  const matrix = par.getCodedSideData(AV_PKT_DATA_DISPLAYMATRIX);
  // av_guess_sample_aspect_ratio: the container's ratio where it has one, else the codec's.
  const sar = stream.sampleAspectRatio.num > 0 ? stream.sampleAspectRatio : par.sampleAspectRatio;
  const fieldOrder = fieldOrderOf(par);
  return {
    index: stream.index,
    codec_type: avGetMediaTypeString(par.codecType as AVMediaType) ?? 'unknown',
    codec_name: avGetCodecName(par.codecId) ?? 'none',
    codec_tag_string: par.codecTagString ?? undefined,
    width: par.width,
    height: par.height,
    pix_fmt: avGetPixFmtName(par.format as never) ?? undefined,
    sample_aspect_ratio: sar.num > 0 && sar.den > 0 ? ratioText(sar, ':') : undefined,
    field_order: FIELD_ORDERS[fieldOrder],
    color_transfer: TRANSFERS[par.colorTrc],
    color_primaries: PRIMARIES[par.colorPrimaries],
    r_frame_rate: ratioText(stream.rFrameRate, '/'),
    avg_frame_rate: ratioText(stream.avgFrameRate, '/'),
    time_base: ratioText(stream.timeBase, '/'),
    start_time: secondsText(stream.startTime, stream.timeBase),
    duration: secondsText(stream.duration, stream.timeBase),
    nb_frames: String(stream.nbFrames),
    disposition: {
      attached_pic: stream.hasDisposition(AV_DISPOSITION_ATTACHED_PIC) ? 1 : 0,
      timed_thumbnails: stream.hasDisposition(AV_DISPOSITION_TIMED_THUMBNAILS) ? 1 : 0,
    },
    tags: stream.metadata?.getAll() ?? {},
    side_data_list: matrix ? [{ side_data_type: 'Display Matrix', rotation: matrixRotation(matrix) }] : [],
  };
}

const MICROSECONDS = { num: 1, den: 1_000_000 } as Rational;

/** What ffprobe's JSON would say of the demuxer's file. */
export function rawProbeOf(demuxer: Demuxer): RawProbe {
  const { format } = demuxer;
  return {
    streams: format.streams.map(rawStream),
    format: {
      format_name: format.iformat?.name ?? undefined,
      start_time: secondsText(format.startTime, MICROSECONDS),
      duration: secondsText(format.duration, MICROSECONDS),
    },
  };
}

/** Describes the main video stream of an open demuxer, with the same checks and typed errors as the ffprobe path. */
export function probeDemuxer(path: string, fileBytes: number, demuxer: Demuxer, limits: MediaLimits): VideoProbe {
  return parseProbe(path, fileBytes, rawProbeOf(demuxer), limits);
}
