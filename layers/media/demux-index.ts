import { AV_NOPTS_VALUE, AVSEEK_FLAG_ANY, AVSEEK_FLAG_BACKWARD, type AVSeekFlag } from 'node-av/constants';
import { Packet } from 'node-av/lib';
import type { Demuxer } from './demuxer.js';
import type { VideoProbe } from './probe.js';
import { indexOfPackets, type PacketTiming, type StreamIndex } from './stream-index.js';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** ffprobe's `-read_intervals` seek: to the keyframe at or before `seconds` (file clock) where the demuxer can. */
async function seek(demuxer: Demuxer, seconds: number): Promise<boolean> {
  return (await demuxer.format.seekFile(-1, INT64_MIN, BigInt(Math.round(seconds * 1e6)), INT64_MAX)) >= 0;
}

/**
 * Demuxers whose seek to any frame lands on that packet and reads on from it. Matroska's lands there but then
 * drops packets up to the next keyframe, which loses the end of a stream.
 */
const ANY_FRAME_SEEKS = /^mov,mp4/;
/**
 * How far before the end that seek lands, in frames (at least a second): with B-frames the frame shown last is
 * stored before the ones shown just ahead of it, up to 16 frames earlier (H.264's and HEVC's deepest reordering),
 * so reading from the last packet alone can miss it.
 */
const REORDER_LEAD_FRAMES = 17;

/**
 * Seeks to the video packet at or before `seconds`, keyframe or not: reading to the end from there finds the last
 * frame without reading the GOP before it (a whole 10 s file where it has one keyframe). False where the demuxer
 * cannot seek that way.
 */
async function seekAnyFrame(demuxer: Demuxer, streamIndex: number, seconds: number): Promise<boolean> {
  const { timeBase } = demuxer.format.streams[streamIndex]!;
  const timestamp = BigInt(Math.floor((seconds * timeBase.den) / timeBase.num));
  return (
    (await demuxer.format.seekFrame(streamIndex, timestamp, (AVSEEK_FLAG_ANY | AVSEEK_FLAG_BACKWARD) as AVSeekFlag)) >=
    0
  );
}

/** Reads the video stream's packets, `limit` of them at most, till the end of the file. */
async function readTimings(demuxer: Demuxer, streamIndex: number, limit: number): Promise<PacketTiming[]> {
  const stream = demuxer.format.streams[streamIndex]!;
  const timeBase = stream.timeBase.num / stream.timeBase.den;
  const seconds = (value: bigint) => (value === AV_NOPTS_VALUE ? undefined : Number(value) * timeBase);
  const packet = new Packet();
  packet.alloc();
  const timings: PacketTiming[] = [];
  try {
    while (timings.length < limit && (await demuxer.format.readFrame(packet)) >= 0) {
      if (packet.streamIndex === streamIndex) {
        timings.push({
          start: seconds(packet.pts) ?? seconds(packet.dts),
          duration: packet.duration > 0n ? seconds(packet.duration) : undefined,
          keyframe: packet.isKeyframe,
        });
      }
      packet.unref();
    }
  } finally {
    packet.free();
  }
  return timings;
}

/**
 * The in-process twin of readStreamIndex: seeks to each of `times` and reads one packet (the keyframe a seek
 * lands on), then seeks to the last packet before the end, keyframe or not, and reads to the end of the file. Only packets are read, nothing is decoded.
 * Where the stream has no known duration or the demuxer cannot seek, every packet of a fresh demuxer is read.
 */
export async function readDemuxerIndex(
  demuxer: Demuxer,
  probe: VideoProbe,
  times: readonly number[],
  reopen: () => Promise<Demuxer>,
): Promise<StreamIndex> {
  const { stream } = probe;
  const end = stream.start + stream.duration;
  if (Number.isFinite(end)) {
    const timings: PacketTiming[] = [];
    let seekable = true;
    // Latest first: once a seek lands on keyframe k, every earlier time down to k has k as its answer (there is
    // no keyframe between), so it needs no seek. Matroska without cues rescans from its last cue for every seek.
    let landedOn: number | undefined;
    for (const time of [...times].sort((a, b) => b - a)) {
      if (landedOn !== undefined && time >= landedOn) continue;
      seekable = await seek(demuxer, time);
      if (!seekable) break;
      const [first] = await readTimings(demuxer, stream.index, 1);
      if (!first) continue;
      timings.push(first);
      landedOn = first.keyframe ? first.start : undefined;
    }
    const toLastPacket =
      ANY_FRAME_SEEKS.test(probe.container) &&
      (await seekAnyFrame(demuxer, stream.index, end - Math.max(1, REORDER_LEAD_FRAMES / (stream.frameRate ?? 1))));
    if (seekable && (toLastPacket || (await seek(demuxer, end)))) {
      timings.push(...(await readTimings(demuxer, stream.index, Number.POSITIVE_INFINITY)));
      return indexOfPackets(timings, stream.frameRate);
    }
  }
  const fresh = await reopen();
  try {
    return indexOfPackets(await readTimings(fresh, stream.index, Number.POSITIVE_INFINITY), stream.frameRate);
  } finally {
    await fresh.close();
  }
}
