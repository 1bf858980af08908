import { availableParallelism } from 'node:os';
import {
  AV_NOPTS_VALUE,
  AV_OPT_TYPE_INT,
  AVDISCARD_DEFAULT,
  AVDISCARD_NONREF,
  AVFMT_SEEK_TO_PTS,
  FF_THREAD_FRAME,
  FF_THREAD_SLICE,
} from 'node-av/constants';
import { Codec, CodecContext, Frame, Packet, type Rational, type Stream } from 'node-av/lib';
import {
  type DecodedSamples,
  type FrameSize,
  frameFilters,
  runSeekMicroseconds,
  timestampSlack,
  trimStartMicroseconds,
} from './decode.js';
import type { Demuxer } from './demuxer.js';
import { UnsupportedCodecError } from './errors.js';
import type { DecodeRun, SampleTarget } from './plan.js';
import type { VideoProbe } from './probe.js';
import { FrameChain, packedRgb } from './rgb-frames.js';

/**
 * Decoder threads for runs that decode many frames (frame threading). Measured on the 720p bench clip (README,
 * "Video decoding"): two threads roughly halve a long run on two cores; more than the cores only adds latency.
 */
const FRAME_THREADS = Math.min(2, availableParallelism());
/** Keyframes decoded at once, each by a decoder of its own (decodeKeyframeRuns). */
const KEYFRAME_LANES = Math.min(2, availableParallelism());
/** Above this frame area one decoder thread and one lane: each holds its own reference frames (8K: ~50 MB each). */
const MAX_PIXELS_FOR_FRAME_THREADS = 3840 * 2160;
/** ffmpeg's -ss backs off this far on formats that seek by DTS when a stream has B-frame delay (3/23 s). */
const DTS_SEEK_MARGIN_MICROSECONDS = Math.trunc((3 * 1_000_000) / 23);
const INT64_MIN = -(2n ** 63n);
/**
 * Non-reference frames are decoded again this long before a target. H.264 decoders without the stream's reorder
 * depth learn it from the B-frames they see; skipping them right up to the target let one (PAFF, 1080i) choose
 * a different frame there than a full decode does.
 */
const SKIP_MARGIN_SECONDS = 0.5;

type ThreadMode = 'frame' | 'slice';

/** Opens a decoder for the video stream; slice threading for a run that needs only its first frame. */
async function openDecoder(stream: Stream, path: string, mode: ThreadMode, pixels: number): Promise<CodecContext> {
  const codec = Codec.findDecoder(stream.codecpar.codecId);
  if (!codec) throw new UnsupportedCodecError(path, `this FFmpeg has no decoder for ${codec ?? 'its'} video codec`);
  const context = new CodecContext();
  context.allocContext3(codec);
  context.parametersToContext(stream.codecpar);
  context.pktTimebase = stream.timeBase;
  const frameThreads = pixels > MAX_PIXELS_FOR_FRAME_THREADS ? 1 : FRAME_THREADS;
  context.threadType = mode === 'frame' ? FF_THREAD_FRAME : FF_THREAD_SLICE;
  context.threadCount = mode === 'frame' ? frameThreads : FRAME_THREADS;
  const opened = await context.open2(codec, null);
  if (opened < 0) {
    context.freeContext();
    throw new UnsupportedCodecError(path, `the ${codec.name} decoder cannot open this stream (error ${opened})`);
  }
  return context;
}

/** av_rescale_q from microseconds to `timeBase`, rounding half away from zero as FFmpeg does. */
function fromMicroseconds(microseconds: number, timeBase: Rational): bigint {
  const scaled = BigInt(microseconds) * BigInt(timeBase.den);
  const unit = 1_000_000n * BigInt(timeBase.num);
  const magnitude = (2n * (scaled < 0n ? -scaled : scaled) + unit) / (2n * unit);
  return scaled < 0n ? -magnitude : magnitude;
}

/** The file-clock time ffmpeg's `-noaccurate_seek -ss` seeks to for a run (decode.ts's command), in microseconds. */
function seekTarget(demuxer: Demuxer, probe: VideoProbe, run: DecodeRun): bigint {
  let microseconds = Math.round(probe.containerStart * 1e6) + runSeekMicroseconds(probe, run);
  const seeksToPts = ((demuxer.format.iformat?.flags ?? 0) & AVFMT_SEEK_TO_PTS) !== 0;
  if (!seeksToPts && demuxer.format.streams.some((s) => s.codecpar.videoDelay > 0))
    microseconds -= DTS_SEEK_MARGIN_MICROSECONDS;
  return BigInt(microseconds);
}

/**
 * Whether a frame is the one trim keeps for `sample`, in ffmpeg's own integer arithmetic: its pts moved by the
 * input's offset (the seek, rounded to the stream's time base) against the trim start rounded to the frame's
 * time base. Where a time base is a whole frame (AVI), rounding in seconds would pick the neighbour.
 */
function reachesSample(frame: Frame, stream: Stream, probe: VideoProbe, run: DecodeRun, sample: SampleTarget) {
  const inputOffset = -(Math.round(probe.containerStart * 1e6) + runSeekMicroseconds(probe, run));
  // Filters may refine the time base (yadif halves it): the offset, added in the stream's, scales with it.
  const refinement = BigInt(
    Math.round((stream.timeBase.num * frame.timeBase.den) / (stream.timeBase.den * frame.timeBase.num)),
  );
  const pts = frame.pts + fromMicroseconds(inputOffset, stream.timeBase) * refinement;
  return pts >= fromMicroseconds(trimStartMicroseconds(probe, run, sample), frame.timeBase);
}

/** What decoding a video's runs shares: its demuxer and stream, where the frames go, and the RGB conversion. */
interface RunContext {
  demuxer: Demuxer;
  probe: VideoProbe;
  stream: Stream;
  size: FrameSize;
  decoded: DecodedSamples;
}

/** The decoder's best guess becomes the pts the filters carry on, as ffmpeg does (yadif halves its time base). */
function stamp(frame: Frame, stream: Stream): Frame {
  frame.pts = frame.bestEffortTimestamp;
  frame.timeBase = stream.timeBase;
  return frame;
}

/** Stores `frame` (in RGB) for each pending sample it reaches, removing them from `pending`, and frees it. */
async function takeFrame(
  context: RunContext,
  run: DecodeRun,
  pending: SampleTarget[],
  toRgb: FrameChain,
  frame: Frame,
) {
  let rgb: Uint8Array | undefined;
  while (pending.length > 0 && reachesSample(frame, context.stream, context.probe, run, pending[0]!)) {
    rgb ??= packedRgb((await toRgb.push(frame))[0]!, context.size);
    context.decoded.set(pending.shift()!.segment, rgb);
  }
  frame.free();
}

/** A run whose one sample is its keyframe: one decoded frame may serve it. */
function keyframeRun(run: DecodeRun, info: VideoProbe['stream']): boolean {
  return run.samples.length === 1 && run.samples[0]!.time - run.seekTo < timestampSlack(info);
}

/** Reads on to the next packet of stream `index` into `packet`; false at the end of the file. */
async function readStreamPacket(demuxer: Demuxer, packet: Packet, index: number): Promise<boolean> {
  for (;;) {
    if ((await demuxer.readPacket(packet)) < 0) return false;
    if (packet.streamIndex === index) return true;
    packet.unref();
  }
}

/** A decoder of its own and an RGB chain for one keyframe at a time. */
interface Lane {
  decoder: CodecContext;
  toRgb: FrameChain;
}

/**
 * Decodes one keyframe alone (the decoder drained right after it, so none of the frames H.264 holds a keyframe
 * back for is decoded) through the asynchronous calls, which run on libuv's threads: two lanes decode two
 * keyframes at once. Says whether the keyframe was the run's frame.
 */
async function decodeKeyframe(context: RunContext, lane: Lane, run: DecodeRun, keyframe: Packet): Promise<boolean> {
  const pending = [...run.samples];
  await lane.decoder.sendPacket(keyframe);
  await lane.decoder.sendPacket(null);
  for (;;) {
    const frame = new Frame();
    frame.alloc();
    if ((await lane.decoder.receiveFrame(frame)) < 0) {
      frame.free();
      break;
    }
    await takeFrame(context, run, pending, lane.toRgb, stamp(frame, context.stream));
  }
  lane.decoder.flushBuffers();
  return pending.length === 0;
}

/**
 * Runs for a single keyframe (each sample of a phone clip, a keyframe every second), KEYFRAME_LANES at a time:
 * a lone frame gains nothing from frame threads, and a frame in one slice (x264's default) nothing from slice
 * threads, so lanes are what puts both cores to work. The demuxer reads on while the lanes decode. Returns the
 * runs whose keyframe was not their frame (or that began without one): they are decoded again in full.
 */
async function decodeKeyframeRuns(context: RunContext, runs: readonly DecodeRun[]): Promise<DecodeRun[]> {
  const { demuxer, probe, stream } = context;
  const info = probe.stream;
  const laneCount = info.width * info.height > MAX_PIXELS_FOR_FRAME_THREADS ? 1 : KEYFRAME_LANES;
  const lanes: Lane[] = [];
  const idle: Lane[] = [];
  const working = new Set<Promise<void>>();
  const again: DecodeRun[] = [];
  const packet = new Packet();
  packet.alloc();
  try {
    for (const run of runs) {
      const target = seekTarget(demuxer, probe, run);
      await demuxer.format.seekFile(-1, INT64_MIN, target, target);
      if (!(await readStreamPacket(demuxer, packet, info.index)) || !packet.isKeyframe) {
        packet.unref();
        again.push(run);
        continue;
      }
      const keyframe = packet.clone();
      packet.unref();
      if (!keyframe) throw new RangeError('FFmpeg could not copy a packet');
      while (idle.length === 0 && lanes.length === laneCount) await Promise.race(working);
      let lane = idle.pop();
      if (!lane) {
        lane = {
          decoder: await openDecoder(stream, probe.path, 'slice', info.width * info.height),
          toRgb: new FrameChain(frameFilters(info, context.size).join(','), 1),
        };
        lanes.push(lane);
      }
      const job: Promise<void> = decodeKeyframe(context, lane, run, keyframe)
        .then((found) => {
          if (!found) again.push(run);
        })
        .finally(() => {
          keyframe.free();
          idle.push(lane);
          working.delete(job);
        });
      // Its failure is taken up where the loop next waits; until then it must not count as unhandled.
      job.catch(() => {});
      working.add(job);
    }
    await Promise.all(working);
  } finally {
    // A lane still decoding on another thread must finish before its decoder is freed.
    await Promise.allSettled(working);
    packet.free();
    for (const lane of lanes) {
      lane.decoder.freeContext();
      lane.toRgb.close();
    }
  }
  return again;
}

/**
 * Decodes a run from its seek in one pass through the synchronous calls (a decoder process serves one video, and
 * each call through libuv's threads cost more than frame threading gained on a 250-frame run). Non-reference
 * frames before the next target are skipped undecoded: nothing refers to them and none can be chosen.
 */
async function decodeRun(
  context: RunContext,
  run: DecodeRun,
  decoder: CodecContext,
  toRgb: FrameChain,
  packet: Packet,
): Promise<void> {
  const { demuxer, probe, stream } = context;
  const info = probe.stream;
  const packetTimeBase = stream.timeBase.num / stream.timeBase.den;
  const slack = timestampSlack(info);
  const pending: SampleTarget[] = [...run.samples].sort((a, b) => a.time - b.time);
  const deinterlace = info.interlaced ? new FrameChain('yadif=deint=interlaced', 1) : undefined;
  const take = async (frames: Frame[]) => {
    for (const frame of frames) await takeFrame(context, run, pending, toRgb, frame);
  };
  const receive = async (): Promise<void> => {
    for (;;) {
      const frame = new Frame();
      frame.alloc();
      if (decoder.receiveFrameSync(frame) < 0) {
        frame.free();
        return;
      }
      stamp(frame, stream);
      if (!deinterlace) await take([frame]);
      else {
        await take(await deinterlace.push(frame));
        frame.free();
      }
    }
  };
  try {
    const target = seekTarget(demuxer, probe, run);
    await demuxer.format.seekFile(-1, INT64_MIN, target, target);
    // The decoder may still skip from the run before: every run starts decoding everything.
    let discard = AVDISCARD_DEFAULT;
    decoder.setOption('skip_frame', discard, AV_OPT_TYPE_INT);
    while (pending.length > 0) {
      const read = await demuxer.readPacket(packet);
      if (read < 0) {
        decoder.sendPacketSync(null);
        await receive();
        if (deinterlace) await take(await deinterlace.drain());
        break;
      }
      if (packet.streamIndex === info.index) {
        const due =
          packet.pts === AV_NOPTS_VALUE ||
          Number(packet.pts) * packetTimeBase >= pending[0]!.time - slack - SKIP_MARGIN_SECONDS;
        const wanted = due || info.interlaced ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
        if (wanted !== discard) decoder.setOption('skip_frame', wanted, AV_OPT_TYPE_INT);
        discard = wanted;
        decoder.sendPacketSync(packet);
        await receive();
      }
      packet.unref();
    }
  } finally {
    packet.unref();
    deinterlace?.close();
  }
}

/**
 * Decodes each run from its seek and turns the first frame at or after each target into RGB with the same
 * filters as the command-line path (deinterlacing first, as ffmpeg's graph does). Runs for a lone keyframe go
 * through decoding lanes first; every other run, and a keyframe run its keyframe did not serve, is decoded in
 * time order. A frame the decoder rejects is passed over as ffmpeg does; a target with no frame stays undefined.
 */
export async function decodeDemuxerRuns(
  demuxer: Demuxer,
  probe: VideoProbe,
  runs: readonly DecodeRun[],
  size: FrameSize,
): Promise<DecodedSamples> {
  const { stream: info } = probe;
  const context: RunContext = { demuxer, probe, stream: demuxer.format.streams[info.index]!, size, decoded: new Map() };
  const sorted = [...runs].sort((a, b) => a.seekTo - b.seekTo);
  // Interlaced keyframes go through yadif, which needs the frames around them.
  const lone = info.interlaced ? [] : sorted.filter((run) => keyframeRun(run, info));
  const again = await decodeKeyframeRuns(context, lone);
  const remaining = [...sorted.filter((run) => !lone.includes(run)), ...again].sort((a, b) => a.seekTo - b.seekTo);
  if (remaining.length === 0) return context.decoded;
  const decoders = new Map<ThreadMode, CodecContext>();
  const toRgb = new FrameChain(frameFilters(info, size).join(','), 1);
  const packet = new Packet();
  packet.alloc();
  try {
    for (const run of remaining) {
      const mode: ThreadMode = keyframeRun(run, info) ? 'slice' : 'frame';
      let decoder = decoders.get(mode);
      if (!decoder) {
        decoder = await openDecoder(context.stream, probe.path, mode, info.width * info.height);
        decoders.set(mode, decoder);
      } else decoder.flushBuffers();
      await decodeRun(context, run, decoder, toRgb, packet);
    }
  } finally {
    packet.free();
    toRgb.close();
    for (const decoder of decoders.values()) decoder.freeContext();
  }
  return context.decoded;
}
