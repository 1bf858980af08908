import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { concatFloat32 } from '../../common/concat-float32.js';
import { XclipError } from '../../common/errors.js';
import { markUsed, pruneFolder } from '../../common/prune-folder.js';
import { SizedLru } from '../../common/sized-lru.js';
import {
  type ByteSource,
  defaultDecoder,
  type MediaLimits,
  type PixelView,
  prestartDecoder,
  readImagePixels,
  readMultiView,
  readPixelValues,
  readTimeline,
  type VideoProbe,
} from '../../media/index.js';
import { labelFeaturesPath, readLabelFeatures, writeLabelFeatures } from '../../xclip/label-features.js';
import { DEFAULT_LABEL_SET, type LabelSet, resolveLabelSet } from '../../xclip/label-sets.js';
import { modelDigest } from '../../xclip/manifest.js';
import { l2NormalizeRows, type TextFeatures, type VideoFeatures, XclipRuntime } from '../../xclip/runtime.js';
import { encodeTexts } from '../../xclip/text-encoder.js';
import { type ClipTokenizer, tokenizerForModel } from '../../xclip/tokenizer.js';
import { DEFAULT_LABEL_FEATURE_CACHE, DEFAULT_TOP, type LabelFeatureCacheBytes } from '../settings.js';
import { stillsOfSampledFrames, stillsOfTimeline, type VideoStills } from './thumbnails.js';

export interface ClassifierOptions {
  /** Built model directory (`xclip model build`). */
  modelDir: string;
  /** Intra-op threads; defaults to the available cores. */
  threads?: number;
  /** Where text features of label sets other than the model's stored ones are cached. */
  labelFeatureCacheDir?: string;
  /** Bounds on the label feature cache, least recently used sets going first (default DEFAULT_LABEL_FEATURE_CACHE). */
  labelFeatureCacheBytes?: Partial<LabelFeatureCacheBytes>;
  /** Decoding limits (duration, size, timeouts). */
  limits?: Partial<MediaLimits>;
  /** ONNX Runtime execution providers in order of preference (default CPU). */
  executionProviders?: string[];
  /** Concurrent classifications share vision runs of up to this many videos (default 1: each runs alone). */
  maxVideoBatch?: number;
  /** Start a decoder process while the model loads (default true); false where videos are rarely decoded. */
  prestartDecoder?: boolean;
  /** Pre-pack the weights when the model loads (default true; SessionOptions.prepackWeights). */
  prepackWeights?: boolean;
}

export interface LabelScore {
  label: string;
  index: number;
  /** Softmax probability over the label set. */
  score: number;
  logit: number;
}

export interface VideoMetadata {
  durationSeconds: number;
  width: number;
  height: number;
  rotation: number;
  codec: string;
  bytes: number;
  frameRate?: number;
}

export interface VideoClassification {
  labelSetId: string;
  /** Top-k labels, best first. */
  labels: LabelScore[];
  /** Video embedding [P], L2-normalised. */
  embedding: Float32Array;
  /** The prompt generator's visual tokens [N * P]. */
  visualTokens: Float32Array;
  video: VideoMetadata;
  timings: { decodeMs: number; visionMs: number; scoreMs: number; totalMs: number };
  timeline?: Array<{ startSeconds: number; endSeconds: number; labels: LabelScore[] }>;
  /** With a timeline: each window's video embedding, L2-normalised [windows * P], in timeline order. */
  segmentEmbeddings?: Float32Array;
  /** JPEG pictures of the decoded frames, when asked for. */
  stills?: VideoStills;
}

export type ViewLayout = '1x1' | '4x3';

export interface ClassifyOptions {
  labels?: LabelSet;
  top?: number;
  /** Temporal clips x spatial crops; logits are averaged over the views. */
  views?: ViewLayout;
  /** Take segment midpoints exactly instead of the cheapest frame of each segment. */
  exact?: boolean;
  /** Also label every window of this many seconds. */
  timelineSeconds?: number;
  /** Also encode a poster and frame thumbnails (VideoStills) from the decoded frames. */
  thumbnails?: boolean;
  /** Where the video's bytes come from when `path` is not a local file (an S3 object read by ranges); `path` names it. */
  source?: ByteSource;
}

export class MissingTokenizerError extends XclipError {
  constructor(dir: string) {
    super(
      'NO_TOKENIZER',
      `model ${dir} cannot encode label text`,
      'it has no vocab.json/merges.txt that fit its vocabulary; build it from a directory that has them',
    );
  }
}

/** Timeline windows per vision run. */
const TIMELINE_BATCH = 8;

/** Top `k` of `logits` as label scores, with softmax probabilities over all labels. */
export function topLabels(logits: Float32Array, names: readonly string[], k: number): LabelScore[] {
  const max = logits.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const total = exps.reduce((sum, v) => sum + v, 0);
  return Array.from(logits, (logit, index) => ({ label: names[index]!, index, score: exps[index]! / total, logit }))
    .sort((a, b) => b.logit - a.logit)
    .slice(0, k);
}

/** The views' pixel values as one batch; one view's own array (4.8 MB at 8 frames of 224², not copied). */
function concatViews(views: readonly PixelView[]): Float32Array {
  return views.length === 1 ? views[0]!.pixelValues : concatFloat32(views.map((view) => view.pixelValues));
}

/** Mean of `rows` equal-width rows of `values`. */
function meanRows(values: Float32Array, rows: number): Float32Array {
  const width = values.length / rows;
  const out = new Float32Array(width);
  for (let r = 0; r < rows; r++) for (let i = 0; i < width; i++) out[i] = out[i]! + values[r * width + i]! / rows;
  return out;
}

/**
 * X-CLIP on video files: decoding, the vision graph, and scoring against label sets whose text
 * features are computed once and cached. One instance holds one set of ONNX Runtime sessions.
 */
export class VideoClassifier {
  readonly model: {
    id: string;
    precision: string;
    sha256: string;
    executionProvider: string;
    projectionDim: number;
    patches: number;
  };
  /** Promises, so that concurrent first uses of a label set compute its features once. */
  private readonly labelFeatureCache: SizedLru<Promise<TextFeatures>>;
  private readonly labelFeatureCacheBytes: LabelFeatureCacheBytes;
  /** Read on first use: reading the vocabulary takes most of a second, and stored label features need none. */
  private tokenizer: ClipTokenizer | undefined | null = null;

  private constructor(
    private readonly runtime: XclipRuntime,
    private readonly options: ClassifierOptions,
  ) {
    const { manifest } = runtime;
    this.model = {
      id: manifest.modelId,
      precision: manifest.precision,
      sha256: modelDigest(manifest),
      // ONNX Runtime refuses a session whose first provider cannot start, so the first is the one that runs it.
      executionProvider: options.executionProviders?.[0] ?? 'cpu',
      projectionDim: runtime.projectionDim,
      patches: runtime.patches,
    };
    this.labelFeatureCacheBytes = { ...DEFAULT_LABEL_FEATURE_CACHE, ...options.labelFeatureCacheBytes };
    this.labelFeatureCache = new SizedLru(this.labelFeatureCacheBytes.memory);
  }

  static async load(options: ClassifierOptions): Promise<VideoClassifier> {
    // The decoder process starts while the model loads, not when the first video comes.
    if ((options.prestartDecoder ?? true) && defaultDecoder() === 'in-process') prestartDecoder();
    const runtime = await XclipRuntime.load(options.modelDir, {
      threads: options.threads,
      executionProviders: options.executionProviders,
      maxVideoBatch: options.maxVideoBatch,
      prepackWeights: options.prepackWeights,
    });
    return new VideoClassifier(runtime, options);
  }

  get loadMs(): number {
    return this.runtime.loadMs;
  }

  /** Text features [C, P] of free texts (search queries, labels), not normalised. */
  async textFeatures(texts: string[]): Promise<Float32Array> {
    if (this.tokenizer === null)
      this.tokenizer = tokenizerForModel(this.options.modelDir, this.runtime.manifest.config.text_config.vocab_size);
    if (!this.tokenizer) throw new MissingTokenizerError(this.options.modelDir);
    return encodeTexts(this.runtime, this.tokenizer, texts);
  }

  /** Label features from memory, the model directory, the cache directory, or computed (and cached). */
  labelFeatures(labels: LabelSet): Promise<TextFeatures> {
    let entry = this.labelFeatureCache.get(labels.id);
    if (!entry) {
      entry = this.loadLabelFeatures(labels);
      this.labelFeatureCache.set(labels.id, entry, labels.names.length * this.model.projectionDim * 4);
      // A failure is not kept: the next use tries again.
      entry.catch(() => this.labelFeatureCache.delete(labels.id));
    }
    return entry;
  }

  private async loadLabelFeatures(labels: LabelSet): Promise<TextFeatures> {
    const count = labels.names.length;
    const stored = readLabelFeatures(labelFeaturesPath(this.options.modelDir, labels.id), labels);
    if (stored) return { count, features: stored };
    const cacheDir = this.options.labelFeatureCacheDir;
    if (!cacheDir) return { count, features: await this.textFeatures(labels.names) };
    const cachePath = join(cacheDir, this.model.sha256.slice(0, 16), `${labels.id}.safetensors`);
    const cached = readLabelFeatures(cachePath, labels);
    if (cached) {
      // A file's modification time is its last use: the folder is pruned least recently used first.
      markUsed(cachePath);
      return { count, features: cached };
    }
    const features = await this.textFeatures(labels.names);
    mkdirSync(dirname(cachePath), { recursive: true });
    writeLabelFeatures(cachePath, labels, features, this.model.projectionDim);
    markUsed(cachePath);
    pruneFolder(cacheDir, this.labelFeatureCacheBytes.disk, cachePath);
    return { count, features };
  }

  private async scoreVideo(video: VideoFeatures, labels: LabelSet): Promise<Float32Array> {
    const scores = await this.runtime.scoreVideos(video, await this.labelFeatures(labels));
    return meanRows(scores.logits, video.batch);
  }

  async classifyFile(path: string, options: ClassifyOptions = {}): Promise<VideoClassification> {
    const started = performance.now();
    const labels = options.labels ?? resolveLabelSet(DEFAULT_LABEL_SET);
    const top = options.top ?? DEFAULT_TOP;
    const request = {
      frames: this.runtime.frames,
      size: this.runtime.imageSize,
      normalization: this.runtime.preprocessing,
      exact: options.exact,
      limits: this.options.limits,
      source: options.source,
    };
    const reading =
      options.views === '4x3'
        ? readMultiView(path, { ...request, clips: 4, crops: 3 })
        : readPixelValues(path, request).then((single) => ({ views: [single], sampled: single.sampled }));
    const [{ views, sampled }] = await Promise.all([reading, this.runtime.prefaultWeights()]);
    const { probe } = sampled;
    const decoded = performance.now();

    const video = await this.runtime.encodeVideos(concatViews(views), views.length);
    const embedded = performance.now();
    const logits = await this.scoreVideo(video, labels);
    const scored = performance.now();

    const P = this.model.projectionDim;
    const embedding = l2NormalizeRows(meanRows(l2NormalizeRows(video.videoEmbeds, P), views.length), P);
    const stills = options.thumbnails ? await stillsOfSampledFrames(sampled) : undefined;
    const windows = options.timelineSeconds
      ? await this.classifyTimeline(path, options.timelineSeconds, labels, top, probe, options.source, stills)
      : undefined;
    const { stream } = probe;
    return {
      labelSetId: labels.id,
      labels: topLabels(logits, labels.names, top),
      embedding,
      visualTokens: meanRows(video.visualTokens, views.length),
      video: {
        durationSeconds: stream.duration,
        width: stream.displayWidth,
        height: stream.displayHeight,
        rotation: stream.rotation,
        codec: stream.codec,
        bytes: probe.fileBytes,
        ...(stream.frameRate ? { frameRate: stream.frameRate } : {}),
      },
      timings: {
        decodeMs: decoded - started,
        visionMs: embedded - decoded,
        scoreMs: scored - embedded,
        totalMs: performance.now() - started,
      },
      ...(windows ? { timeline: windows.timeline, segmentEmbeddings: windows.embeddings } : {}),
      ...(stills ? { stills } : {}),
    };
  }

  private async classifyTimeline(
    path: string,
    seconds: number,
    labels: LabelSet,
    top: number,
    probe: VideoProbe,
    source: ByteSource | undefined,
    /** Given: its frame thumbnails become one per window. */
    stills?: VideoStills,
  ): Promise<{ timeline: NonNullable<VideoClassification['timeline']>; embeddings: Float32Array }> {
    const windows = await readTimeline(path, {
      frames: this.runtime.frames,
      size: this.runtime.imageSize,
      normalization: this.runtime.preprocessing,
      windowSeconds: seconds,
      limits: this.options.limits,
      probe,
      source,
    });
    if (stills)
      Object.assign(stills, await stillsOfTimeline(windows, this.runtime.imageSize, this.runtime.preprocessing));
    const timeline: NonNullable<VideoClassification['timeline']> = [];
    const P = this.model.projectionDim;
    const embeddings = new Float32Array(windows.length * P);
    for (let start = 0; start < windows.length; start += TIMELINE_BATCH) {
      const batch = windows.slice(start, start + TIMELINE_BATCH);
      const encoded = await this.runtime.encodeVideos(concatViews(batch), batch.length);
      embeddings.set(l2NormalizeRows(encoded.videoEmbeds, P), start * P);
      const scores = await this.runtime.scoreVideos(encoded, await this.labelFeatures(labels));
      batch.forEach((window, w) => {
        timeline.push({
          startSeconds: window.start,
          endSeconds: window.end,
          labels: topLabels(
            scores.logits.subarray(w * labels.names.length, (w + 1) * labels.names.length),
            labels.names,
            top,
          ),
        });
      });
    }
    return { timeline, embeddings };
  }

  /**
   * The video embedding (L2-normalised [P]) of a still image: the picture repeated as each of the model's frames,
   * through the vision graph, so it compares with video embeddings (search by example).
   */
  async embedImage(bytes: Uint8Array): Promise<Float32Array> {
    const frame = await readImagePixels(bytes, {
      size: this.runtime.imageSize,
      normalization: this.runtime.preprocessing,
    });
    const pixels = new Float32Array(frame.length * this.runtime.frames);
    for (let t = 0; t < this.runtime.frames; t++) pixels.set(frame, t * frame.length);
    const encoded = await this.runtime.encodeVideos(pixels, 1);
    return l2NormalizeRows(encoded.videoEmbeds, this.model.projectionDim);
  }

  /** Labels from a stored embedding and visual tokens: the score graph only, no decoding. */
  async scoreStored(
    embedding: Float32Array,
    visualTokens: Float32Array,
    options: { labels?: LabelSet; top?: number } = {},
  ): Promise<LabelScore[]> {
    const labels = options.labels ?? resolveLabelSet(DEFAULT_LABEL_SET);
    const logits = await this.scoreVideo({ batch: 1, videoEmbeds: embedding, visualTokens }, labels);
    return topLabels(logits, labels.names, options.top ?? DEFAULT_TOP);
  }

  /**
   * Video-conditioned logits [videos, count] of stored videos (embeddings [videos * P], visual tokens
   * [videos * N * P], one run of the score graph for all) against `count` text features.
   */
  async scoreTexts(
    embeddings: Float32Array,
    visualTokens: Float32Array,
    textFeatures: Float32Array,
    count: number,
  ): Promise<Float32Array> {
    const scores = await this.runtime.scoreVideos(
      { batch: embeddings.length / this.model.projectionDim, videoEmbeds: embeddings, visualTokens },
      { count, features: textFeatures },
    );
    return scores.logits;
  }

  release(): Promise<void> {
    return this.runtime.release();
  }
}
