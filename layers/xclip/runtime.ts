import { availableParallelism } from 'node:os';
import type ort from 'onnxruntime-node';
import { patchGrid } from './config.js';
import { wantedInt8Layout } from './int8-layout.js';
import { type ModelManifest, type Preprocessing, readManifest } from './manifest.js';
import { SCORE_OUTPUTS, TEXT_INPUTS, TEXT_OUTPUT, VISION_INPUT, VISION_OUTPUTS } from './modeling/graph-io.js';
import type { GraphName, GraphSource, OrtFormatSkip } from './ort-format.js';
import type { Prefault, TensorData } from './session-protocol.js';
import { SessionThread, type ThreadSession } from './session-thread.js';
import { VideoBatcher } from './video-batcher.js';

export interface SessionOptions {
  /** Intra-op threads per session; defaults to the available cores. */
  threads?: number;
  /** ONNX Runtime graph optimisation level (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** CPU memory arena (default on: fewer allocations per run). */
  enableCpuMemArena?: boolean;
  /** Execution providers in order of preference (default CPU). */
  executionProviders?: string[];
  /**
   * Concurrent `encodeVideos` calls merged into one vision run of up to this many videos (default 1: each call
   * runs alone). Worth it on an accelerator fed by several decoders at once.
   */
  maxVideoBatch?: number;
  /**
   * Let ONNX Runtime lay out the weights of the quantized matrix multiplications for its kernels when a session
   * is created (default true): runs about 10% faster, for about 0.75 s more of creating the full-size vision
   * session on the 2-core machine of BENCHMARKS.md ("Process start"). False suits a process that classifies a few
   * videos and exits.
   */
  prepackWeights?: boolean;
}

/** Video side of a run: unnormalised video embeddings [B, P] and visual tokens [B, N, P]. */
export interface VideoFeatures {
  batch: number;
  videoEmbeds: Float32Array;
  visualTokens: Float32Array;
}

/** Text side: one feature row [P] per text, before video conditioning. */
export interface TextFeatures {
  count: number;
  features: Float32Array;
}

export interface Scores {
  /** logits_per_video [B, C]. */
  logits: Float32Array;
  /** text_embeds [B, C, P], video-conditioned and L2-normalised. */
  textEmbeds: Float32Array;
}

function float32(tensor: TensorData | undefined, name: string): Float32Array {
  if (!tensor || !(tensor.data instanceof Float32Array))
    throw new Error(`model output ${name} is missing or not float32`);
  return tensor.data;
}

/** Where `graph` of the model in `dir` is loaded from; an int8 model's weights in the layout this CPU wants. */
function graphSource(dir: string, manifest: ModelManifest, graph: GraphName): GraphSource {
  return {
    dir,
    graph,
    copies: manifest.ortFormat,
    int8Weights: wantedInt8Layout(manifest.precision),
  };
}

/**
 * The three X-CLIP graphs of a built model directory, each loaded once into an ONNX Runtime session
 * and reused for every call. The text graph loads on its first use: classifying against label sets whose
 * features are stored with the model never needs it, and creating its session is a good part of a start.
 * On CPU each graph loads from its ORT-format copy where the model has a usable one (ort-format.ts). The
 * sessions live and run in a thread of their own (session-thread.ts), so this thread's event loop stays free
 * while they compute.
 */
export class XclipRuntime {
  readonly projectionDim: number;
  readonly patches: number;
  private readonly batcher: VideoBatcher | undefined;
  private text: Promise<ThreadSession> | undefined;
  private weightsPrefault: Promise<Prefault> | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
    private readonly thread: SessionThread,
    private readonly vision: ThreadSession,
    private readonly score: ThreadSession,
    /** Wall time of loading the vision and score sessions. */
    readonly loadMs: number,
    maxVideoBatch: number,
    private readonly prepackWeights: boolean,
  ) {
    this.projectionDim = manifest.config.projection_dim;
    this.patches = patchGrid(manifest.config.vision_config).count;
    this.batcher =
      maxVideoBatch > 1
        ? new VideoBatcher((pixelValues, batch) => this.runVision(pixelValues, batch), maxVideoBatch)
        : undefined;
  }

  static async load(dir: string, options: SessionOptions = {}): Promise<XclipRuntime> {
    const started = performance.now();
    const maxVideoBatch = options.maxVideoBatch ?? 1;
    if (!Number.isInteger(maxVideoBatch) || maxVideoBatch < 1)
      throw new RangeError(`maxVideoBatch must be a positive integer, got ${maxVideoBatch}`);
    const manifest = readManifest(dir);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      enableCpuMemArena: options.enableCpuMemArena ?? true,
      // Idle ORT threads otherwise spin for a while after each run, taking the cores ffmpeg needs
      // to decode the next video.
      extra: {
        session: {
          intra_op: { allow_spinning: '0' },
          ...(options.prepackWeights === false && { disable_prepacking: '1' }),
        },
      },
      executionProviders: options.executionProviders ?? ['cpu'],
    };
    const thread = new SessionThread();
    const settled = await Promise.allSettled(
      (['vision', 'score'] as const).map((graph) => thread.create(graphSource(dir, manifest, graph), sessionOptions)),
    );
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      await thread.close();
      throw failed.reason;
    }
    const [vision, score] = settled.map((outcome) => (outcome as PromiseFulfilledResult<ThreadSession>).value);
    const loadMs = performance.now() - started;
    const prepack = options.prepackWeights ?? true;
    return new XclipRuntime(dir, manifest, sessionOptions, thread, vision!, score!, loadMs, maxVideoBatch, prepack);
  }

  /**
   * Reads one byte of each page of the vision weights where its session uses them in place, not pre-packed (a
   * short-lived CLI's choice), in the session thread, once per runtime. On the virtual machine of BENCHMARKS.md
   * ("Process start") the first touch of a page from user space is dear beyond its page fault: about 0.2 s for the
   * 128 MB graph, otherwise spent inside the first vision run. Started while the first video decodes in its decoder
   * process, it is off the way to the first result. Resolves to the pages read and the sum of the bytes read (which
   * keeps the reads from being optimised away).
   */
  prefaultWeights(): Promise<Prefault> {
    this.weightsPrefault ??= this.prepackWeights ? Promise.resolve({ pages: 0, checksum: 0 }) : this.vision.prefault();
    return this.weightsPrefault;
  }

  /** The format `graph`'s session came from and, when .onnx, why not its ORT-format copy (loads the text graph). */
  async graphSource(graph: GraphName): Promise<{ format: 'ort' | 'onnx'; skipped?: OrtFormatSkip }> {
    const loaded = graph === 'vision' ? this.vision : graph === 'score' ? this.score : await this.textSession();
    return { format: loaded.format, skipped: loaded.skipped };
  }

  /** What frames must go through before vision.onnx (DESIGN.md's contract, as the model was built). */
  get preprocessing(): Preprocessing {
    return this.manifest.preprocessing;
  }

  get frames(): number {
    return this.manifest.preprocessing.frames;
  }

  get imageSize(): number {
    return this.manifest.preprocessing.size;
  }

  /** pixel_values [B, T, 3, H, W] -> video features (merged with concurrent calls when maxVideoBatch > 1). */
  encodeVideos(pixelValues: Float32Array, batch: number): Promise<VideoFeatures> {
    return this.batcher ? this.batcher.encodeVideos(pixelValues, batch) : this.runVision(pixelValues, batch);
  }

  private async runVision(pixelValues: Float32Array, batch: number): Promise<VideoFeatures> {
    const { num_channels: channels } = this.manifest.config.vision_config;
    const out = await this.vision.run({
      [VISION_INPUT]: {
        type: 'float32',
        data: pixelValues,
        dims: [batch, this.frames, channels, this.imageSize, this.imageSize],
      },
    });
    return {
      batch,
      videoEmbeds: float32(out[VISION_OUTPUTS.videoEmbeds], VISION_OUTPUTS.videoEmbeds),
      visualTokens: float32(out[VISION_OUTPUTS.visualTokens], VISION_OUTPUTS.visualTokens),
    };
  }

  private textSession(): Promise<ThreadSession> {
    if (!this.text) {
      const loading = this.thread.create(graphSource(this.dir, this.manifest, 'text'), this.sessionOptions);
      this.text = loading;
      // A session that failed to load is not kept: the next call tries again.
      loading.catch(() => {
        if (this.text === loading) this.text = undefined;
      });
    }
    return this.text;
  }

  /** input_ids / attention_mask [C, L] -> text features [C, P]. */
  async encodeTexts(
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    count: number,
    length: number,
  ): Promise<TextFeatures> {
    const out = await (await this.textSession()).run({
      [TEXT_INPUTS.inputIds]: { type: 'int64', data: inputIds, dims: [count, length] },
      [TEXT_INPUTS.attentionMask]: { type: 'int64', data: attentionMask, dims: [count, length] },
    });
    return { count, features: float32(out[TEXT_OUTPUT], TEXT_OUTPUT) };
  }

  /** Video-conditioned logits of every video against every text. */
  async scoreVideos(videos: VideoFeatures, texts: TextFeatures): Promise<Scores> {
    const P = this.projectionDim;
    const out = await this.score.run({
      [VISION_OUTPUTS.videoEmbeds]: { type: 'float32', data: videos.videoEmbeds, dims: [videos.batch, P] },
      [VISION_OUTPUTS.visualTokens]: {
        type: 'float32',
        data: videos.visualTokens,
        dims: [videos.batch, this.patches, P],
      },
      [TEXT_OUTPUT]: { type: 'float32', data: texts.features, dims: [texts.count, P] },
    });
    return {
      logits: float32(out[SCORE_OUTPUTS.logits], SCORE_OUTPUTS.logits),
      textEmbeds: float32(out[SCORE_OUTPUTS.textEmbeds], SCORE_OUTPUTS.textEmbeds),
    };
  }

  async release(): Promise<void> {
    const text = await this.text?.catch(() => undefined);
    try {
      await Promise.all([this.vision.release(), text?.release(), this.score.release()]);
    } finally {
      await this.thread.close();
    }
  }
}

/** Rows of `values` ([rows, width]) scaled to unit L2 norm, as HF returns video_embeds. */
export function l2NormalizeRows(values: Float32Array, width: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let row = 0; row < values.length / width; row++) {
    let sum = 0;
    for (let i = 0; i < width; i++) sum += values[row * width + i]! ** 2;
    const norm = Math.sqrt(sum);
    for (let i = 0; i < width; i++) out[row * width + i] = values[row * width + i]! / norm;
  }
  return out;
}
