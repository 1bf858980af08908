import { rmSync } from 'node:fs';
import { AV_NOPTS_VALUE, AVMEDIA_TYPE_VIDEO, AVSEEK_FLAG_BACKWARD } from 'node-av/constants';
import { FFmpegError, FormatContext, Packet } from 'node-av/lib';

function check(code: number, what: string): void {
  FFmpegError.throwIfError(code, what);
}

/** The span one copy of the stream takes, in its time base: the last packet's end, from the first packet's start. */
function copySpan(input: FormatContext, streamIndex: number, packet: Packet): bigint {
  let first: bigint | undefined;
  let end = 0n;
  while (input.readFrameSync(packet) >= 0) {
    if (packet.streamIndex === streamIndex && packet.pts !== AV_NOPTS_VALUE) {
      if (first === undefined || packet.pts < first) first = packet.pts;
      if (packet.pts + packet.duration > end) end = packet.pts + packet.duration;
    }
    packet.unref();
  }
  if (first === undefined) throw new RangeError('the source has no timed video packet');
  return end - first;
}

/**
 * Writes `copies` copies of `source`'s video stream back to back into `path` without re-encoding (what ffmpeg's
 * concat demuxer with `-c copy` does): hours of video at the cost of copying bytes, with the source's codec,
 * keyframes and B-frames. Each copy's timestamps follow the one before, so the result plays as one long video.
 * A failure leaves no file.
 */
export function writeRepeatedVideo(source: string, copies: number, path: string): void {
  if (!Number.isInteger(copies) || copies < 1) throw new RangeError(`copies must be a positive integer, got ${copies}`);
  const input = new FormatContext();
  check(input.openInputSync(source), source);
  const output = new FormatContext();
  const packet = new Packet();
  packet.alloc();
  let opened = false;
  let written = false;
  try {
    check(input.findStreamInfoSync(), source);
    const stream = input.streams?.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
    if (!stream) throw new RangeError(`${source} has no video stream`);
    check(output.allocOutputContext2(null, null, path), `muxer for ${path}`);
    const muxed = output.newStream(null);
    check(stream.codecpar.copy(muxed.codecpar), 'stream parameters');
    muxed.codecpar.codecTag = 0;
    muxed.timeBase = stream.timeBase;
    const span = copySpan(input, stream.index, packet);
    check(output.openOutputSync(), path);
    opened = true;
    check(output.writeHeaderSync(null), path);
    for (let copy = 0n; copy < BigInt(copies); copy++) {
      check(input.seekFrameSync(stream.index, 0n, AVSEEK_FLAG_BACKWARD), `seek in ${source}`);
      while (input.readFrameSync(packet) >= 0) {
        if (packet.streamIndex === stream.index) {
          const shift = copy * span;
          if (packet.pts !== AV_NOPTS_VALUE) packet.pts += shift;
          if (packet.dts !== AV_NOPTS_VALUE) packet.dts += shift;
          packet.streamIndex = 0;
          packet.rescaleTs(stream.timeBase, muxed.timeBase);
          check(output.interleavedWriteFrameSync(packet), path);
        }
        packet.unref();
      }
    }
    check(output.interleavedWriteFrameSync(null), path);
    check(output.writeTrailerSync(), path);
    written = true;
  } finally {
    packet.free();
    input.closeInputSync();
    if (opened) output.closeOutputSync();
    output.freeContext();
    if (opened && !written) rmSync(path, { force: true });
  }
}
