import { AV_NOPTS_VALUE } from 'node-av/constants';
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

/** Reads the video stream's packets, `limit` of them at most, till the end of the file. */
async function readTimings(demuxer: Demuxer, streamIndex: number, limit: number): Promise<PacketTiming[]> {
  const stream = demuxer.format.streams[streamIndex]!;
  const timeBase = stream.timeBase.num / stream.timeBase.den;
  const seconds = (value: bigint) => (value === AV_NOPTS_VALUE ? undefined : Number(value) * timeBase);
  const packet = new Packet();
  packet.alloc();
  const timings: PacketTiming[] = [];
  try {
    while (timings.length < limit && (await demuxer.readPacket(packet)) >= 0) {
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
 * lands on), then seeks to the end and reads to the end of the file. Only packets are read, nothing is decoded.
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
    if (seekable && (await seek(demuxer, end))) {
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
