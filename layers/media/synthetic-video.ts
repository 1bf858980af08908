import { rmSync } from 'node:fs';
import {
  AV_CODEC_FLAG_GLOBAL_HEADER,
  AV_DISPOSITION_ATTACHED_PIC,
  AV_LOG_QUIET,
  AV_NOPTS_VALUE,
  AV_OPT_SEARCH_CHILDREN,
  AV_PICTURE_TYPE_NONE,
  AVERROR_EAGAIN,
  AVERROR_EOF,
  AVFMT_GLOBALHEADER,
  AVMEDIA_TYPE_VIDEO,
} from 'node-av/constants';
import {
  Codec,
  CodecContext,
  FFmpegError,
  type FilterContext,
  FilterGraph,
  FormatContext,
  Frame,
  Log,
  Option,
  type OptionCapableObject,
  Packet,
  type Rational,
  type Stream,
} from 'node-av/lib';

/**
 * One stream of a synthetic file: frames an FFmpeg source filter draws, encoded in this process (what
 * `ffmpeg -f lavfi -i SOURCE -c ENCODER` does, without the program).
 */
export interface SyntheticStream {
  /**
   * A filter chain with no input that ends by itself, in the pixel or sample format the encoder takes, e.g.
   * `testsrc2=size=64x48:rate=25,trim=duration=2,format=yuv420p` (trim is what ffmpeg's `-t` inserts).
   */
  source: string;
  /** An encoder of FFmpeg's libraries, e.g. `libx264`, `libx265`, `libvpx-vp9`, `aac`, `mjpeg`. */
  encoder: string;
  /** Encoder options as ffmpeg's command line names them, generic (`g`, `bf`, `flags`) and private (`preset`). */
  options?: Record<string, string>;
  /** Shifts the stream's timestamps this far (ffmpeg's `-itsoffset`, `-output_ts_offset`). */
  offsetSeconds?: number;
  /** The container's tag for the codec where it has a choice (ffmpeg's `-tag`, e.g. `hvc1` for HEVC in MP4). */
  codecTag?: string;
  /** A cover picture rather than a video (ffmpeg's `-disposition attached_pic`). */
  attachedPicture?: boolean;
}

export interface SyntheticFile {
  streams: SyntheticStream[];
  /** Muxer name (`matroska`, `mpegts`, ...); by default the one the path's extension implies. */
  format?: string;
  /** Muxer options, e.g. `{ movflags: '+faststart' }`. */
  muxerOptions?: Record<string, string>;
}

// Failures come back as return codes; the encoders' console chatter (x264's banner) would only clutter output.
Log.setLevel(AV_LOG_QUIET);

function check(code: number, what: string): void {
  FFmpegError.throwIfError(code, what);
}

/** Sets options as ffmpeg's command line does, generic and private alike; an option nothing takes is an error. */
function setOptions(target: OptionCapableObject, options: Record<string, string> | undefined, what: string): void {
  for (const [name, value] of Object.entries(options ?? {})) {
    check(Option.set(target, name, value, AV_OPT_SEARCH_CHILDREN), `${what} option ${name}=${value}`);
  }
}

/** A source chain feeding an encoder, giving packets one at a time in decode order. */
class EncodedStream {
  readonly #graph = new FilterGraph();
  readonly #sink!: FilterContext;
  readonly #context = new CodecContext();
  readonly #frame = new Frame();
  /** One frame period in the encoder's time base (video with a known rate). */
  #frameTicks = 0n;
  #sourceEnded = false;
  #encoderEnded = false;
  /** The next packet in the encoder's time base, once pulled. */
  #pending: Packet | undefined;
  /** Where its packets go: the muxer's stream index and time base, once the header is written. */
  #index = -1;
  #muxTimeBase: Rational | undefined;

  constructor(
    readonly spec: SyntheticStream,
    outputFlags: number,
  ) {
    try {
      this.#sink = this.#openSource();
      this.#openEncoder(outputFlags);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  #openSource(): FilterContext {
    const sinkName = this.#isVideo() ? 'buffersink@out' : 'abuffersink@out';
    this.#graph.alloc();
    check(this.#graph.parse2(`${this.spec.source},${sinkName}`), this.spec.source);
    check(this.#graph.configSync(), this.spec.source);
    this.#frame.alloc();
    return this.#graph.getFilter(sinkName)!;
  }

  #isVideo(): boolean {
    return this.#codec().type === AVMEDIA_TYPE_VIDEO;
  }

  #codec(): Codec {
    const codec = Codec.findEncoderByName(this.spec.encoder as Parameters<typeof Codec.findEncoderByName>[0]);
    if (!codec) throw new Error(`this FFmpeg has no ${this.spec.encoder} encoder`);
    return codec;
  }

  /** Opens the encoder for the first frame's format; that frame is encoded first. */
  #openEncoder(outputFlags: number): void {
    const { spec } = this;
    if (!this.#pullFrame()) throw new Error(`${spec.source} gives no frames`);
    const codec = this.#codec();
    const context = this.#context;
    const frame = this.#frame;
    context.allocContext3(codec);
    context.timeBase = this.#sink.buffersinkGetTimeBase();
    if (this.#isVideo()) {
      context.width = frame.width;
      context.height = frame.height;
      context.pixelFormat = frame.format as typeof context.pixelFormat;
      context.sampleAspectRatio = frame.sampleAspectRatio;
      context.framerate = this.#sink.buffersinkGetFrameRate();
      const { num, den } = context.framerate;
      if (num > 0) this.#frameTicks = BigInt(Math.round((context.timeBase.den * den) / (context.timeBase.num * num)));
      context.colorRange = frame.colorRange;
      context.colorSpace = frame.colorSpace;
    } else {
      context.sampleRate = frame.sampleRate;
      context.sampleFormat = frame.format as typeof context.sampleFormat;
      context.channelLayout = frame.channelLayout;
    }
    if (outputFlags & AVFMT_GLOBALHEADER)
      context.flags = (context.flags | AV_CODEC_FLAG_GLOBAL_HEADER) as typeof context.flags;
    setOptions(context.getNative(), spec.options, spec.encoder);
    check(context.open2Sync(codec, null), `${spec.encoder} encoder`);
    this.#send(frame);
  }

  /** Describes the stream to the muxer. */
  describe(stream: Stream): void {
    check(stream.codecpar.fromContext(this.#context), 'stream parameters');
    stream.timeBase = this.#context.timeBase;
    stream.sampleAspectRatio = this.#context.sampleAspectRatio;
    if (this.spec.codecTag) stream.codecpar.codecTag = this.spec.codecTag;
    if (this.spec.attachedPicture) stream.disposition = AV_DISPOSITION_ATTACHED_PIC;
  }

  /** The next packet without taking it, or undefined once the encoder is drained. */
  peek(): Packet | undefined {
    while (!this.#pending && !this.#encoderEnded) {
      const packet = new Packet();
      packet.alloc();
      const received = this.#context.receivePacketSync(packet);
      if (received === 0) {
        this.#pending = packet;
        break;
      }
      packet.free();
      if (received === AVERROR_EOF) this.#encoderEnded = true;
      else if (received !== AVERROR_EAGAIN) check(received, `${this.spec.encoder} encoder`);
      else if (this.#pullFrame()) this.#send(this.#frame);
      else check(this.#context.sendFrameSync(null), `${this.spec.encoder} encoder`);
    }
    return this.#pending;
  }

  bind(index: number, muxTimeBase: Rational): void {
    this.#index = index;
    this.#muxTimeBase = muxTimeBase;
  }

  /** The next packet's decode time in seconds, offset included; undefined once the encoder is drained. */
  nextDecodeSeconds(): number | undefined {
    const packet = this.peek();
    if (!packet) return undefined;
    const { num, den } = this.#context.timeBase;
    return (Number(packet.dts) * num) / den + (this.spec.offsetSeconds ?? 0);
  }

  /** The next packet, ready for the muxer's stream: its index, time base and offset. */
  take(): Packet {
    const packet = this.peek()!;
    this.#pending = undefined;
    // As ffmpeg does, a video packet lasts a frame period where the encoder says nothing: the last packet's
    // duration ends the MP4 edit list, which would otherwise cut the last frame.
    if (this.#frameTicks && packet.duration <= 0n) packet.duration = this.#frameTicks;
    const muxTimeBase = this.#muxTimeBase!;
    packet.streamIndex = this.#index;
    packet.rescaleTs(this.#context.timeBase, muxTimeBase);
    const offset = BigInt(Math.round(((this.spec.offsetSeconds ?? 0) * muxTimeBase.den) / muxTimeBase.num));
    if (packet.pts !== AV_NOPTS_VALUE) packet.pts += offset;
    if (packet.dts !== AV_NOPTS_VALUE) packet.dts += offset;
    return packet;
  }

  close(): void {
    this.#pending?.free();
    this.#frame.free();
    this.#context.freeContext();
    this.#graph.free();
  }

  /** The sink's next frame into #frame; false once the source has ended. */
  #pullFrame(): boolean {
    if (this.#sourceEnded) return false;
    this.#frame.unref();
    const got = this.#sink.buffersinkGetFrameSync(this.#frame);
    if (got === AVERROR_EOF) {
      this.#sourceEnded = true;
      return false;
    }
    check(got, this.spec.source);
    return true;
  }

  #send(frame: Frame): void {
    // The encoder decides the picture types, as ffmpeg lets it.
    frame.pictType = AV_PICTURE_TYPE_NONE;
    check(this.#context.sendFrameSync(frame), `${this.spec.encoder} encoder`);
  }
}

/** The stream whose next packet decodes first, so the muxer gets them interleaved; -1 once all are drained. */
function nextToWrite(streams: EncodedStream[]): number {
  let next = -1;
  let nextSeconds = Number.POSITIVE_INFINITY;
  streams.forEach((stream, i) => {
    const seconds = stream.nextDecodeSeconds();
    if (seconds !== undefined && (next < 0 || seconds < nextSeconds)) [next, nextSeconds] = [i, seconds];
  });
  return next;
}

/**
 * Writes a file of synthetic streams with FFmpeg's libraries in this process (test and sample videos, no
 * ffmpeg program needed). Synchronous: the files are small or made once and cached. A failure leaves no file.
 */
export function writeSyntheticFile(path: string, file: SyntheticFile): void {
  const output = new FormatContext();
  check(output.allocOutputContext2(null, file.format ?? null, path), `muxer for ${path}`);
  const encoded: EncodedStream[] = [];
  let opened = false;
  let written = false;
  try {
    const outputFlags = output.oformat?.flags ?? 0;
    for (const spec of file.streams) encoded.push(new EncodedStream(spec, outputFlags));
    const streams = encoded.map((stream) => {
      const muxed = output.newStream(null);
      stream.describe(muxed);
      return muxed;
    });
    check(output.openOutputSync(), path);
    opened = true;
    setOptions(output.getNative(), file.muxerOptions, 'muxer');
    check(output.writeHeaderSync(null), path);
    // The header may have changed the streams' time bases.
    encoded.forEach((stream, i) => {
      stream.bind(i, streams[i]!.timeBase);
    });
    for (let next = nextToWrite(encoded); next >= 0; next = nextToWrite(encoded)) {
      const packet = encoded[next]!.take();
      try {
        check(output.interleavedWriteFrameSync(packet), path);
      } finally {
        packet.free();
      }
    }
    check(output.interleavedWriteFrameSync(null), path);
    check(output.writeTrailerSync(), path);
    written = true;
  } finally {
    for (const stream of encoded) stream.close();
    if (opened) output.closeOutputSync();
    output.freeContext();
    if (opened && !written) rmSync(path, { force: true });
  }
}
