export * from './errors.js';
export { DEFAULT_MEDIA_LIMITS, resolveLimits, type MediaLimits } from './limits.js';
export { mediaTools, MediaToolMissingError, type MediaTools } from './tools.js';
export { probeVideo, type VideoProbe, type VideoStreamInfo } from './probe.js';
export { sampleSegments, type SampleOptions, type SampledFrames, type SegmentLayout } from './sample.js';
export { IMAGENET_MEAN, IMAGENET_STD, resizedSize, toPixelValues, type CropPosition } from './preprocess.js';
export {
  readMultiView, readPixelValues, readTimeline, sampleFrames,
  type FrameRequest, type MultiViewRequest, type PixelView, type TimelineRequest, type TimelineWindow,
} from './views.js';
