export {
  type BlockCacheOptions,
  type ByteSource,
  blockCachedSource,
  type CountedByteSource,
  countBytes,
  DEFAULT_BLOCK_CACHE,
  type FetchedByteSource,
  fileByteSource,
} from './byte-source.js';
export { prestartDecoder, probeByteSource } from './decoder-pool.js';
export * from './errors.js';
export { type ImageRequest, MAX_IMAGE_PIXELS, NotAnImageError, readImagePixels } from './image.js';
export { encodeJpeg } from './jpeg.js';
export { DEFAULT_MEDIA_LIMITS, type MediaLimits, resolveLimits } from './limits.js';
export {
  type CropPosition,
  IMAGENET_MEAN,
  IMAGENET_STD,
  type Normalization,
  resizedSize,
  toPixelValues,
} from './preprocess.js';
export { probeVideo, type VideoProbe, type VideoStreamInfo } from './probe.js';
export { writeRepeatedVideo } from './repeated-video.js';
export { type SampledFrames, type SampleOptions, type SegmentLayout, sampleSegments } from './sample.js';
export { type SyntheticFile, type SyntheticStream, writeSyntheticFile } from './synthetic-video.js';
export { MediaToolMissingError, type MediaTools, mediaTools } from './tools.js';
export { type DecoderKind, defaultDecoder } from './video-reader.js';
export {
  type FrameRequest,
  type MultiViewRequest,
  type PixelView,
  readMultiView,
  readPixelValues,
  readTimeline,
  sampleFrames,
  type TimelineRequest,
  type TimelineWindow,
} from './views.js';
