import { concatFloat32 } from '../common/concat-float32.js';
import type { VideoFeatures } from './runtime.js';

/** One vision run: pixel_values [B, T, 3, H, W] of `batch` videos in, their features out. */
export type EncodeVideos = (pixelValues: Float32Array, batch: number) => Promise<VideoFeatures>;

interface Request {
  pixelValues: Float32Array;
  batch: number;
  resolve: (features: VideoFeatures) => void;
  reject: (error: unknown) => void;
}

/** Rows `from`..`from + count` of a [B, ...] tensor of `batch` rows. */
function rows(values: Float32Array, batch: number, from: number, count: number): Float32Array {
  const width = values.length / batch;
  return values.slice(from * width, (from + count) * width);
}

/**
 * Concurrent vision runs merged into runs of up to `maxBatch` videos, for an accelerator that does many videos in
 * little more time than one. A run starts as soon as the previous one ends and takes the requests queued meanwhile,
 * in arrival order, so a busy accelerator gets full batches and an idle one waits for no one. A request larger
 * than `maxBatch` runs alone. When a merged run fails, each of its requests is run again alone, so one bad request
 * fails by itself.
 */
export class VideoBatcher {
  private readonly queue: Request[] = [];
  private running = false;

  constructor(
    private readonly encode: EncodeVideos,
    readonly maxBatch: number,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1)
      throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
  }

  encodeVideos(pixelValues: Float32Array, batch: number): Promise<VideoFeatures> {
    return new Promise((resolve, reject) => {
      this.queue.push({ pixelValues, batch, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.queue.length > 0) await this.runOnce(this.takeRun());
    this.running = false;
  }

  private takeRun(): Request[] {
    const run = [this.queue.shift()!];
    let videos = run[0]!.batch;
    while (this.queue.length > 0 && videos + this.queue[0]!.batch <= this.maxBatch) {
      videos += this.queue[0]!.batch;
      run.push(this.queue.shift()!);
    }
    return run;
  }

  private async runOnce(run: Request[]): Promise<void> {
    if (run.length === 1) {
      await this.runAlone(run[0]!);
      return;
    }
    try {
      const batch = run.reduce((sum, request) => sum + request.batch, 0);
      const features = await this.encode(concatFloat32(run.map((request) => request.pixelValues)), batch);
      let from = 0;
      for (const request of run) {
        request.resolve({
          batch: request.batch,
          videoEmbeds: rows(features.videoEmbeds, batch, from, request.batch),
          visualTokens: rows(features.visualTokens, batch, from, request.batch),
        });
        from += request.batch;
      }
    } catch {
      for (const request of run) await this.runAlone(request);
    }
  }

  private async runAlone(request: Request): Promise<void> {
    try {
      request.resolve(await this.encode(request.pixelValues, request.batch));
    } catch (error) {
      request.reject(error);
    }
  }
}
