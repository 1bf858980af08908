import { availableParallelism } from 'node:os';
import { mapConcurrently } from '../common/concurrency.js';
import { CorruptVideoError, UnsupportedCodecError } from './errors.js';
import type { MediaLimits } from './limits.js';
import type { DecodeRun, SampleTarget } from './plan.js';
import type { VideoProbe, VideoStreamInfo } from './probe.js';
import { inputUrl, type MediaTools, mediaTools, runTool, stderrSummary } from './tools.js';

/** Size of the RGB frames ffmpeg hands back, in display orientation. */
export interface FrameSize {
  width: number;
  height: number;
}

/**
 * swscale's bilinear widens its kernel with the downscale factor, so it antialiases like Pillow's BILINEAR
 * (against the reference resize: mean error about 0.3 of 255). accurate_rnd and full_chroma_int stop it from
 * cutting corners in rounding and chroma upsampling, which otherwise costs several levels.
 */
const SCALE_FLAGS = 'bilinear+accurate_rnd+full_chroma_int';
/** Seeks per ffmpeg process: each input holds a decoder, so this bounds memory for many-sample requests. */
const MAX_RUNS_PER_PROCESS = 12;
/** Concurrent ffmpeg processes per video. */
const DECODE_PROCESSES = Math.min(2, availableParallelism());
/** Samples per ffmpeg process: each has its own output pipe. */
const MAX_SAMPLES_PER_PROCESS = 48;
const MISSING_DECODER = /Decoder \(codec [^)]*\) not found|Unknown decoder|no decoder for|not currently supported/i;

/** PQ and HLG through linear light to BT.709 with Hable's curve: what a player shows on an SDR screen. */
function toneMapFilters(stream: VideoStreamInfo): string[] {
  return [
    'format=gbrpf32le',
    `zscale=tin=${stream.colorTransfer}:pin=${stream.colorPrimaries ?? 'bt2020'}:t=linear:npl=100`,
    'zscale=p=bt709',
    'tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=full',
  ];
}

const ROTATION_FILTERS: Record<number, string[]> = {
  0: [],
  90: ['transpose=clock'],
  180: ['hflip', 'vflip'],
  270: ['transpose=cclock'],
};

/** Filters that turn one selected frame into `size` RGB in display orientation: alpha flattened, scaled, tone mapped, rotated. */
export function frameFilters(stream: VideoStreamInfo, size: FrameSize): string[] {
  const quarterTurn = stream.rotation === 90 || stream.rotation === 270;
  // Scaling before rotating touches far fewer pixels, with the same result.
  const [scaledWidth, scaledHeight] = quarterTurn ? [size.height, size.width] : [size.width, size.height];
  return [
    // Transparent areas come out black, as most players draw them.
    ...(stream.hasAlpha ? ['format=rgba', 'premultiply=inplace=1'] : []),
    `scale=w=${scaledWidth}:h=${scaledHeight}:flags=${SCALE_FLAGS}`,
    ...(stream.hdr ? toneMapFilters(stream) : []),
    'format=rgb24',
    ...(ROTATION_FILTERS[stream.rotation] ?? []),
  ];
}

/**
 * Timestamps reach filters shifted by the input's start and seek, rounded to the stream's time base; a margin
 * of one time-base unit keeps a frame exactly at a target from being dropped by that rounding.
 */
export function timestampSlack(stream: VideoStreamInfo): number {
  return Math.max(1e-4, stream.timeBase);
}

/**
 * Where ffmpeg's `-ss` puts a run's input, microseconds after the file's start (what the command says to 1 us):
 * past the keyframe by the slack, so rounding cannot send the seek to the keyframe before it.
 */
export function runSeekMicroseconds(probe: VideoProbe, run: DecodeRun): number {
  return Math.round(Math.max(0, run.seekTo - probe.containerStart + timestampSlack(probe.stream)) * 1e6);
}

/** The trim filter's start for a sample, microseconds on the run's clock (0 at its seek), to 1 us. */
export function trimStartMicroseconds(probe: VideoProbe, run: DecodeRun, sample: SampleTarget): number {
  const seconds = sample.time - probe.containerStart - runSeekMicroseconds(probe, run) / 1e6;
  return Math.round((seconds - timestampSlack(probe.stream)) * 1e6);
}

interface BuiltCommand {
  args: string[];
  /** Which sample each output pipe carries, in pipe order. */
  samples: SampleTarget[];
}

/**
 * One ffmpeg command for a batch of runs: one input per run (seeking without ffmpeg's own trimming), a branch
 * per sample that keeps the first frame at or after its target, and one raw RGB output pipe per sample.
 */
export function buildDecodeCommand(probe: VideoProbe, runs: readonly DecodeRun[], size: FrameSize): BuiltCommand {
  const { stream } = probe;
  const slack = timestampSlack(stream);
  const inputs: string[] = [];
  const graph: string[] = [];
  const samples: SampleTarget[] = [];
  const perFrame = frameFilters(stream, size).join(',');
  runs.forEach((run, r) => {
    const seek = runSeekMicroseconds(probe, run) / 1e6;
    const onlyKeyframe = run.samples.length === 1 && run.samples[0]!.time - run.seekTo < slack;
    // Frame threading holds back the first frame until several are decoded: wasteful when one keyframe is all a run needs.
    if (onlyKeyframe) inputs.push('-thread_type', 'slice');
    inputs.push('-noautorotate', '-noaccurate_seek', '-ss', seek.toFixed(6), '-i', inputUrl(probe.path));
    const head = [`[${r}:${stream.index}]`, stream.interlaced ? 'yadif=deint=interlaced,' : ''].join('');
    const branches = run.samples.map((_, s) => `[r${r}s${s}]`);
    graph.push(
      run.samples.length === 1 ? `${head}null${branches[0]}` : `${head}split=${run.samples.length}${branches.join('')}`,
    );
    run.samples.forEach((sample, s) => {
      const start = trimStartMicroseconds(probe, run, sample) / 1e6;
      graph.push(`${branches[s]}trim=start=${start.toFixed(6)},trim=end_frame=1,${perFrame}[o${samples.length}]`);
      samples.push(sample);
    });
  });
  const outputs = samples.flatMap((_, k) => [
    '-map',
    `[o${k}]`,
    '-fps_mode',
    'passthrough',
    '-f',
    'rawvideo',
    `pipe:${3 + k}`,
  ]);
  return {
    args: ['-hide_banner', '-nostdin', '-v', 'error', ...inputs, '-filter_complex', graph.join(';'), ...outputs],
    samples,
  };
}

/** Frames a run decodes: from its keyframe to its last target, plus the keyframe's own start-up. */
function runCost(run: DecodeRun, frameRate: number): number {
  return 1 + (run.samples.at(-1)!.time - run.seekTo) * frameRate;
}

/**
 * Splits runs into at least `processes` groups of similar decoding cost (largest runs first, each to the
 * cheapest group with room), each group small enough for one ffmpeg process.
 */
export function batchRuns(runs: readonly DecodeRun[], processes: number, frameRate = 30): DecodeRun[][] {
  const samples = runs.reduce((n, run) => n + run.samples.length, 0);
  const count = Math.min(
    runs.length,
    Math.max(processes, Math.ceil(runs.length / MAX_RUNS_PER_PROCESS), Math.ceil(samples / MAX_SAMPLES_PER_PROCESS)),
  );
  const batches = Array.from({ length: count }, () => ({ runs: [] as DecodeRun[], cost: 0, samples: 0 }));
  for (const run of [...runs].sort((a, b) => runCost(b, frameRate) - runCost(a, frameRate))) {
    const open = batches.filter(
      (b) => b.runs.length < MAX_RUNS_PER_PROCESS && b.samples + run.samples.length <= MAX_SAMPLES_PER_PROCESS,
    );
    const target = (open.length > 0 ? open : batches).reduce((best, b) => (b.cost < best.cost ? b : best));
    target.runs.push(run);
    target.cost += runCost(run, frameRate);
    target.samples += run.samples.length;
  }
  return batches.map((b) => b.runs.sort((x, y) => x.seekTo - y.seekTo));
}

/** A decoded sample: segment index and its RGB frame, or undefined when ffmpeg produced none for it. */
export type DecodedSamples = Map<number, Uint8Array | undefined>;

async function decodeBatch(
  probe: VideoProbe,
  runs: readonly DecodeRun[],
  size: FrameSize,
  limits: MediaLimits,
  tools: MediaTools,
): Promise<DecodedSamples> {
  const { args, samples } = buildDecodeCommand(probe, runs, size);
  const frameBytes = size.width * size.height * 3;
  const result = await runTool(tools.ffmpeg, args, {
    subject: probe.path,
    timeoutMs: limits.decodeTimeoutMs,
    extraPipes: samples.length,
    maxOutputBytes: frameBytes * samples.length + 1,
  });
  const decoded: DecodedSamples = new Map();
  samples.forEach((sample, k) => {
    const bytes = result.pipes[k]!;
    if (bytes.length !== 0 && bytes.length !== frameBytes) {
      throw new CorruptVideoError(
        probe.path,
        `ffmpeg returned ${bytes.length} bytes for a ${size.width}x${size.height} frame`,
      );
    }
    decoded.set(
      sample.segment,
      bytes.length === 0 ? undefined : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
    );
  });
  const complete = [...decoded.values()].every((frame) => frame !== undefined);
  if (result.exitCode !== 0 && !complete) {
    const why = stderrSummary(result.stderr) || `ffmpeg exited with code ${result.exitCode}`;
    throw MISSING_DECODER.test(result.stderr)
      ? new UnsupportedCodecError(probe.path, why)
      : new CorruptVideoError(probe.path, why);
  }
  return decoded;
}

/**
 * Decodes every run and returns each segment's frame (undefined where none decoded). The runs are shared out
 * over DECODE_PROCESSES concurrent ffmpeg processes: one process decodes its inputs one after another on
 * about one core, so a second one halves the wait on a multi-core machine for one more start-up. A process
 * starts on the next batch as soon as one ends.
 */
export async function decodeRuns(
  probe: VideoProbe,
  runs: readonly DecodeRun[],
  size: FrameSize,
  limits: MediaLimits,
  tools: MediaTools = mediaTools(),
): Promise<DecodedSamples> {
  const batches = batchRuns(runs, DECODE_PROCESSES, probe.stream.frameRate);
  const results = await mapConcurrently(batches, DECODE_PROCESSES, (batch) =>
    decodeBatch(probe, batch, size, limits, tools),
  );
  return new Map(results.flatMap((result) => [...result]));
}
