import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers/promises';
import ort from 'onnxruntime-node';
import { patchGrid } from './config.js';
import { type ModelManifest, type Preprocessing, readManifest } from './manifest.js';
import { SCORE_OUTPUTS, TEXT_INPUTS, TEXT_OUTPUT, VISION_INPUT, VISION_OUTPUTS } from './modeling/graph-io.js';
import { createGraphSession, type GraphName, type GraphSession } from './ort-format.js';
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

/** Bytes read between turns of the event loop while the weights are prefaulted; one byte is read per page. */
const PREFAULT_SLICE_BYTES = 4 * 1024 * 1024;
const PAGE_BYTES = 4096;

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

function float32(tensor: ort.Tensor | undefined, name: string): Float32Array {
  if (!tensor || !(tensor.data instanceof Float32Array))
    throw new Error(`model output ${name} is missing or not float32`);
  return tensor.data;
}

/**
 * The three X-CLIP graphs of a built model directory, each loaded once into an ONNX Runtime session
 * and reused for every call. The text graph loads on its first use: classifying against label sets whose
 * features are stored with the model never needs it, and creating its session is a good part of a start.
 * On CPU each graph loads from its ORT-format copy where the model has a usable one (ort-format.ts).
 */
export class XclipRuntime {
  readonly projectionDim: number;
  readonly patches: number;
  private readonly batcher: VideoBatcher | undefined;
  private text: Promise<GraphSession> | undefined;
  private weightsPrefault: Promise<{ pages: number; checksum: number }> | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: ModelManifest,
    private readonly sessionOptions: ort.InferenceSession.SessionOptions,
    private readonly vision: GraphSession,
    private readonly score: GraphSession,
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
    const settled = await Promise.allSettled(
      (['vision', 'score'] as const).map((graph) => createGraphSession(dir, graph, manifest.ortFormat, sessionOptions)),
    );
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    if (failed) {
      await Promise.all(
        settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.session.release() : undefined)),
      );
      throw failed.reason;
    }
    const [vision, score] = settled.map((outcome) => (outcome as PromiseFulfilledResult<GraphSession>).value);
    const loadMs = performance.now() - started;
    const prepack = options.prepackWeights ?? true;
    return new XclipRuntime(dir, manifest, sessionOptions, vision!, score!, loadMs, maxVideoBatch, prepack);
  }

  /**
   * Reads one byte of each page of the vision weights where its session uses them in place, not pre-packed (a
   * short-lived CLI's choice), a slice per turn of the event loop, once per runtime. On the virtual machine of
   * BENCHMARKS.md ("Process start") the first touch of a page from user space is dear beyond its page fault: about
   * 0.2 s for the 128 MB graph, otherwise spent inside the first vision run. Started while the first video decodes
   * in its decoder process, it is off the way to the first result. Resolves to the pages read and the sum of the
   * bytes read (which keeps the reads from being optimised away).
   */
  prefaultWeights(): Promise<{ pages: number; checksum: number }> {
    this.weightsPrefault ??= (async () => {
      const { bytes } = this.vision;
      let pages = 0;
      let checksum = 0;
      if (this.prepackWeights || !bytes) return { pages, checksum };
      for (let slice = 0; slice < bytes.length; slice += PREFAULT_SLICE_BYTES) {
        const end = Math.min(bytes.length, slice + PREFAULT_SLICE_BYTES);
        for (let at = slice; at < end; at += PAGE_BYTES, pages++) checksum = (checksum + bytes[at]!) | 0;
        await setImmediate();
      }
      return { pages, checksum };
    })();
    return this.weightsPrefault;
  }

  /** The format `graph`'s session came from and, when .onnx, why not its ORT-format copy (loads the text graph). */
  async graphSource(graph: GraphName): Promise<Pick<GraphSession, 'format' | 'skipped'>> {
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
    const input = new ort.Tensor('float32', pixelValues, [
      batch,
      this.frames,
      channels,
      this.imageSize,
      this.imageSize,
    ]);
    const out = await this.vision.session.run({ [VISION_INPUT]: input });
    return {
      batch,
      videoEmbeds: float32(out[VISION_OUTPUTS.videoEmbeds], VISION_OUTPUTS.videoEmbeds),
      visualTokens: float32(out[VISION_OUTPUTS.visualTokens], VISION_OUTPUTS.visualTokens),
    };
  }

  private textSession(): Promise<GraphSession> {
    if (!this.text) {
      const loading = createGraphSession(this.dir, 'text', this.manifest.ortFormat, this.sessionOptions);
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
    const out = await (await this.textSession()).session.run({
      [TEXT_INPUTS.inputIds]: new ort.Tensor('int64', inputIds, [count, length]),
      [TEXT_INPUTS.attentionMask]: new ort.Tensor('int64', attentionMask, [count, length]),
    });
    return { count, features: float32(out[TEXT_OUTPUT], TEXT_OUTPUT) };
  }

  /** Video-conditioned logits of every video against every text. */
  async scoreVideos(videos: VideoFeatures, texts: TextFeatures): Promise<Scores> {
    const P = this.projectionDim;
    const out = await this.score.session.run({
      [VISION_OUTPUTS.videoEmbeds]: new ort.Tensor('float32', videos.videoEmbeds, [videos.batch, P]),
      [VISION_OUTPUTS.visualTokens]: new ort.Tensor('float32', videos.visualTokens, [videos.batch, this.patches, P]),
      [TEXT_OUTPUT]: new ort.Tensor('float32', texts.features, [texts.count, P]),
    });
    return {
      logits: float32(out[SCORE_OUTPUTS.logits], SCORE_OUTPUTS.logits),
      textEmbeds: float32(out[SCORE_OUTPUTS.textEmbeds], SCORE_OUTPUTS.textEmbeds),
    };
  }

  async release(): Promise<void> {
    const text = await this.text?.catch(() => undefined);
    await Promise.all([this.vision.session.release(), text?.session.release(), this.score.session.release()]);
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
