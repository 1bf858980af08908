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
/** Above this frame area one decoder thread: each frame thread holds its own reference frames (8K: ~50 MB each). */
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

/**
 * Decodes each run from its seek in one pass, in time order, and turns the first frame at or after each target
 * into RGB with the same filters as the command-line path (deinterlacing first, as ffmpeg's graph does).
 * Non-reference frames before the next target are skipped undecoded: nothing refers to them and none can be
 * chosen. A frame the decoder rejects is passed over as ffmpeg does; a target with no frame stays undefined.
 */
export async function decodeDemuxerRuns(
  demuxer: Demuxer,
  probe: VideoProbe,
  runs: readonly DecodeRun[],
  size: FrameSize,
): Promise<DecodedSamples> {
  const { stream: info } = probe;
  const stream = demuxer.format.streams[info.index]!;
  const packetTimeBase = stream.timeBase.num / stream.timeBase.den;
  const slack = timestampSlack(info);
  const decoders = new Map<ThreadMode, CodecContext>();
  const toRgb = new FrameChain(frameFilters(info, size).join(','), 1);
  const decoded: DecodedSamples = new Map();
  const packet = new Packet();
  packet.alloc();
  try {
    for (const run of [...runs].sort((a, b) => a.seekTo - b.seekTo)) {
      const pending: SampleTarget[] = [...run.samples].sort((a, b) => a.time - b.time);
      const onlyKeyframe = pending.length === 1 && pending[0]!.time - run.seekTo < slack;
      const mode: ThreadMode = onlyKeyframe ? 'slice' : 'frame';
      let decoder = decoders.get(mode);
      if (!decoder) {
        decoder = await openDecoder(stream, probe.path, mode, info.width * info.height);
        decoders.set(mode, decoder);
      } else decoder.flushBuffers();
      const deinterlace = info.interlaced ? new FrameChain('yadif=deint=interlaced', 1) : undefined;
      const take = async (frames: Frame[]): Promise<void> => {
        for (const frame of frames) {
          let rgb: Uint8Array | undefined;
          while (pending.length > 0 && reachesSample(frame, stream, probe, run, pending[0]!)) {
            rgb ??= packedRgb((await toRgb.push(frame))[0]!, size);
            decoded.set(pending.shift()!.segment, rgb);
          }
          frame.free();
        }
      };
      const receive = async (): Promise<void> => {
        for (;;) {
          const frame = new Frame();
          frame.alloc();
          if ((await decoder.receiveFrame(frame)) < 0) {
            frame.free();
            return;
          }
          // As ffmpeg does: the decoder's best guess becomes the pts the filters carry on (yadif halves its time base).
          frame.pts = frame.bestEffortTimestamp;
          frame.timeBase = stream.timeBase;
          if (!deinterlace) await take([frame]);
          else {
            await take(await deinterlace.push(frame));
            frame.free();
          }
        }
      };
      const target = seekTarget(demuxer, probe, run);
      await demuxer.format.seekFile(-1, INT64_MIN, target, target);
      // The decoder may still skip from the run before: every run starts decoding everything.
      let discard = AVDISCARD_DEFAULT;
      decoder.setOption('skip_frame', discard, AV_OPT_TYPE_INT);
      // A run for one keyframe drains the decoder after it, so the frames a decoder holds a keyframe back for
      // (its reorder delay: two more at 1080p H.264 with B-frames) are not decoded. Where the keyframe is not the
      // sample's frame, the run starts again and decodes as any other.
      let drainAfterKeyframe = onlyKeyframe && !info.interlaced;
      while (pending.length > 0) {
        const read = await demuxer.format.readFrame(packet);
        if (read < 0) {
          await decoder.sendPacket(null);
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
          await decoder.sendPacket(packet);
          if (drainAfterKeyframe) {
            drainAfterKeyframe = false;
            if (packet.isKeyframe) {
              await decoder.sendPacket(null);
              await receive();
              decoder.flushBuffers();
              if (pending.length > 0) await demuxer.format.seekFile(-1, INT64_MIN, target, target);
              packet.unref();
              continue;
            }
          }
          await receive();
        }
        packet.unref();
      }
      packet.unref();
      deinterlace?.close();
    }
  } finally {
    packet.free();
    toRgb.close();
    for (const decoder of decoders.values()) decoder.freeContext();
  }
  return decoded;
}
