import { DEFAULT_GPU_MIN_VIDEO_SECONDS } from '../../layers/pipeline/core/index.js';

/** The optional GPU endpoint (SageMaker asynchronous inference), as `-c gpu=true` and its flags choose it. */
export interface GpuSettings {
  /** A SageMaker GPU instance type. */
  instanceType: string;
  /** Most instances the endpoint scales out to (it scales in to none when idle). */
  maxInstances: number;
  /** The model directory baked into the GPU image, relative to the repository root (under models/). */
  modelDir: string;
  /** Videos at least this long go to the GPU instead of Lambda. */
  minVideoSeconds: number;
}

/** The flags that configure the GPU endpoint, besides `gpu` itself. */
export const GPU_FLAGS = ['gpuInstanceType', 'gpuMaxInstances', 'gpuModelDir', 'gpuMinVideoSeconds'] as const;

export const DEFAULT_GPU_SETTINGS: Readonly<GpuSettings> = {
  // One NVIDIA A10G (24 GB) and 16 vCPUs. Decoding on the CPUs, not the GPU, limits a request's throughput
  // (BENCHMARKS.md, "GPU: the batch path end to end"), so vCPUs per GPU matter more than the GPU.
  instanceType: 'ml.g5.4xlarge',
  maxInstances: 2,
  modelDir: 'models/xclip-base-patch32-fp16',
  minVideoSeconds: DEFAULT_GPU_MIN_VIDEO_SECONDS,
};
