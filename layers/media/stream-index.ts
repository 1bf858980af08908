import type { MediaLimits } from './limits.js';
import { finiteNumber, type VideoProbe } from './probe.js';
import { inputUrl, type MediaTools, mediaTools, runTool } from './tools.js';

/** What is known about where the video stream's keyframes and its last frame lie, all in seconds on the file's clock. */
export interface StreamIndex {
  /** Keyframe times found, sorted, unique. Not every keyframe: those at or before each queried time. */
  keyframes: number[];
  /** The last frame that can be read from the file, or undefined when nothing could be read. */
  lastFrame: { start: number; end: number } | undefined;
}

interface RawPacket {
  pts_time?: string;
  dts_time?: string;
  duration_time?: string;
  flags?: string;
}

/**
 * One ffprobe run that seeks to each of `times` and reads a single packet (the keyframe a seek lands on, at or
 * before the time), then seeks to the end and reads to the end of file. Only packets are read, nothing is
 * decoded, so the cost grows with the number of times, not the video's length. When the stream has no known
 * duration, or the demuxer cannot seek, it reads the whole stream's packets instead.
 */
export async function readStreamIndex(
  probe: VideoProbe,
  times: readonly number[],
  limits: MediaLimits,
  tools: MediaTools = mediaTools(),
): Promise<StreamIndex> {
  const { stream } = probe;
  const end = stream.start + stream.duration;
  if (Number.isFinite(end)) {
    const intervals = [...times.map((t) => `${t.toFixed(6)}%+#1`), `${end.toFixed(6)}%`];
    const packets = await readPackets(probe, ['-read_intervals', intervals.join(',')], limits, tools);
    // A demuxer that cannot seek (Matroska without cues, say) stops ffprobe: read the stream through instead.
    if (packets) return indexFromPackets(packets, stream.frameRate);
  }
  return indexFromPackets((await readPackets(probe, [], limits, tools)) ?? [], stream.frameRate);
}

/** The video stream's packets ffprobe lists with `extraArgs`, or undefined when ffprobe fails. */
async function readPackets(
  probe: VideoProbe,
  extraArgs: string[],
  limits: MediaLimits,
  tools: MediaTools,
): Promise<RawPacket[] | undefined> {
  const args = [
    '-v',
    'error',
    '-select_streams',
    String(probe.stream.index),
    '-show_entries',
    'packet=pts_time,dts_time,duration_time,flags',
    '-of',
    'json=compact=1',
    ...extraArgs,
    inputUrl(probe.path),
  ];
  const result = await runTool(tools.ffprobe, args, { subject: probe.path, timeoutMs: limits.probeTimeoutMs });
  if (result.exitCode !== 0) return undefined;
  try {
    return (JSON.parse(result.stdout.toString('utf8')) as { packets?: RawPacket[] }).packets ?? [];
  } catch {
    return undefined;
  }
}

/** What the index needs of one packet of the video stream, seconds on the file's clock. */
export interface PacketTiming {
  /** Presentation time, else decoding time; undefined when the packet has neither. */
  start: number | undefined;
  duration: number | undefined;
  keyframe: boolean;
}

function packetTiming(packet: RawPacket): PacketTiming {
  return {
    start: finiteNumber(packet.pts_time) ?? finiteNumber(packet.dts_time),
    duration: finiteNumber(packet.duration_time),
    keyframe: packet.flags?.startsWith('K') ?? false,
  };
}

function indexFromPackets(packets: readonly RawPacket[], frameRate: number | undefined): StreamIndex {
  return indexOfPackets(packets.map(packetTiming), frameRate);
}

/** The keyframes among `packets` and the last frame they reach. */
export function indexOfPackets(packets: readonly PacketTiming[], frameRate: number | undefined): StreamIndex {
  const keyframes = new Set<number>();
  let lastFrame: StreamIndex['lastFrame'];
  for (const { start, duration, keyframe } of packets) {
    if (start === undefined) continue;
    if (keyframe) keyframes.add(start);
    const end = start + (duration !== undefined && duration > 0 ? duration : frameRate ? 1 / frameRate : 0);
    if (!lastFrame || start > lastFrame.start) lastFrame = { start, end };
  }
  return { keyframes: [...keyframes].sort((a, b) => a - b), lastFrame };
}
