import { AVMEDIA_TYPE_VIDEO } from 'node-av/constants';
import { Codec, CodecContext, Frame, Packet } from 'node-av/lib';
import { memoryByteSource } from './byte-source.js';
import { type Demuxer, openDemuxer } from './demuxer.js';
import { MediaError } from './errors.js';
import { IMAGE_NAME, type ImageRequest, MAX_IMAGE_PIXELS, NotAnImageError } from './image.js';
import { resizedSize, toPixelValues } from './preprocess.js';
import { FrameChain, packedRgb } from './rgb-frames.js';

/** FFmpeg's demuxers of still images (`<codec>_pipe`, and image2 for a lone picture): a video container is not one. */
const IMAGE_DEMUXER = /(^|,)(\w+_pipe|image2)(,|$)/;
/** Packets read before giving up on a picture (an animated image's first frame comes in the first few). */
const MAX_PACKETS = 16;

/** The first picture of the demuxer's video stream, decoded. */
async function firstFrame(demuxer: Demuxer): Promise<Frame> {
  const { format } = demuxer;
  const stream = format.streams.find((s) => s.codecpar.codecType === AVMEDIA_TYPE_VIDEO);
  if (!stream) throw new NotAnImageError('it holds no picture');
  const { width, height } = stream.codecpar;
  if (width <= 0 || height <= 0) throw new NotAnImageError('it has no size');
  if (width * height > MAX_IMAGE_PIXELS)
    throw new NotAnImageError(`${width}x${height} is more than ${MAX_IMAGE_PIXELS} pixels`);
  const codec = Codec.findDecoder(stream.codecpar.codecId);
  if (!codec) throw new NotAnImageError('FFmpeg has no decoder for its format');
  const context = new CodecContext();
  context.allocContext3(codec);
  context.parametersToContext(stream.codecpar);
  const packet = new Packet();
  packet.alloc();
  const frame = new Frame();
  frame.alloc();
  try {
    if ((await context.open2(codec, null)) < 0) throw new NotAnImageError('FFmpeg cannot open its decoder');
    for (let read = 0; read < MAX_PACKETS; read++) {
      const ended = (await demuxer.readPacket(packet)) < 0;
      if (!ended && packet.streamIndex !== stream.index) {
        packet.unref();
        continue;
      }
      await context.sendPacket(ended ? null : packet);
      packet.unref();
      if ((await context.receiveFrame(frame)) >= 0) {
        // The filter graph's source needs a time base, as in the video path.
        frame.pts = 0n;
        frame.timeBase = stream.timeBase;
        return frame;
      }
      if (ended) break;
    }
  } finally {
    packet.free();
    context.freeContext();
  }
  frame.free();
  throw new NotAnImageError('it holds no decodable picture');
}

/** readImagePixels's work, with FFmpeg's libraries. */
export async function decodeImagePixels(bytes: Uint8Array, request: ImageRequest): Promise<Float32Array> {
  if (bytes.length === 0) throw new NotAnImageError('it is empty');
  const demuxer = await openDemuxer(IMAGE_NAME, memoryByteSource(bytes)).catch((error: unknown) => {
    throw error instanceof MediaError ? new NotAnImageError('FFmpeg recognises no image format in it') : error;
  });
  try {
    const formatName = demuxer.format.iformat?.name ?? '';
    if (!IMAGE_DEMUXER.test(formatName))
      throw new NotAnImageError(`it is a ${formatName.split(',')[0] || 'media'} file, not an image`);
    const frame = await firstFrame(demuxer);
    const size = resizedSize(frame.width, frame.height, request.size);
    const chain = new FrameChain(`scale=w=${size.width}:h=${size.height}:flags=bilinear,format=rgb24`, 1);
    try {
      const [rgb] = await chain.push(frame);
      if (!rgb) throw new NotAnImageError('its picture cannot be converted to RGB');
      const pixels = packedRgb(rgb, size);
      rgb.free();
      return toPixelValues([pixels], size, request.size, 'center', request.normalization);
    } finally {
      frame.free();
      chain.close();
    }
  } finally {
    await demuxer.close();
  }
}
