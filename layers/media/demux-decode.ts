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
import { Codec, CodecContext, Frame, Packet, type Stream } from 'node-av/lib';
import { type DecodedSamples, type FrameSize, frameFilters, timestampSlack } from './decode.js';
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
const DTS_SEEK_MARGIN_SECONDS = 3 / 23;
const INT64_MIN = -(2n ** 63n);

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

/** The file-clock time ffmpeg's `-noaccurate_seek -ss` seeks to for a run (decode.ts's command), in microseconds. */
function seekTarget(demuxer: Demuxer, probe: VideoProbe, run: DecodeRun): bigint {
  const slack = timestampSlack(probe.stream);
  let seconds = probe.containerStart + Math.max(0, run.seekTo - probe.containerStart + slack);
  const seeksToPts = ((demuxer.format.iformat?.flags ?? 0) & AVFMT_SEEK_TO_PTS) !== 0;
  if (!seeksToPts && demuxer.format.streams.some((s) => s.codecpar.videoDelay > 0)) seconds -= DTS_SEEK_MARGIN_SECONDS;
  return BigInt(Math.round(seconds * 1e6));
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
  const timeBase = stream.timeBase.num / stream.timeBase.den;
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
          const time = Number(frame.bestEffortTimestamp) * timeBase;
          let rgb: Uint8Array | undefined;
          while (pending.length > 0 && time >= pending[0]!.time - slack) {
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
      let discard = AVDISCARD_DEFAULT;
      while (pending.length > 0) {
        const read = await demuxer.format.readFrame(packet);
        if (read < 0) {
          await decoder.sendPacket(null);
          await receive();
          if (deinterlace) await take(await deinterlace.drain());
          break;
        }
        if (packet.streamIndex === info.index) {
          const due = packet.pts === AV_NOPTS_VALUE || Number(packet.pts) * timeBase >= pending[0]!.time - slack;
          const wanted = due || info.interlaced ? AVDISCARD_DEFAULT : AVDISCARD_NONREF;
          if (wanted !== discard) decoder.setOption('skip_frame', wanted, AV_OPT_TYPE_INT);
          discard = wanted;
          await decoder.sendPacket(packet);
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
