import { statSync } from 'node:fs';
import { join } from 'node:path';
import { debuglog } from 'node:util';
import ort from 'onnxruntime-node';
import { readWholeFile } from '../common/read-whole-file.js';
import { type Int8WeightLayout, STORED_INT8_LAYOUT } from './int8-layout.js';
import { Int8WeightsError, rewriteInt8Weights } from './int8-weights.js';

/** The graphs of a built model directory, each in `<graph>.onnx`. */
export type GraphName = 'vision' | 'text' | 'score';

export const GRAPH_NAMES: readonly GraphName[] = ['vision', 'text', 'score'];

/**
 * The level the ORT-format copies are optimised at. Above it ONNX Runtime changes layouts to suit the CPU that saves
 * the file (NCHWc block sizes); the session that loads a copy applies its own level on top, on the CPU it runs on.
 */
export const ORT_FORMAT_OPTIMIZATION_LEVEL = 'extended';

/**
 * ONNX Runtime's own serialisation of the graphs (`<graph>.ort`), written by `xclip model build` next to the .onnx
 * files. A CPU session is created from one in a fraction of the time the .onnx takes: no protobuf to parse, the
 * graph already optimised, and the initializers used where they lie in the file's bytes. The copies hold CPU-specific
 * fused nodes and a format tied to the runtime, so they are used only on CPU, with the onnxruntime-node version and
 * the architecture that wrote them; the manifest records both.
 */
export interface OrtFormatCopies {
  /** Version of onnxruntime-node that wrote the copies. */
  runtimeVersion: string;
  /** `process.arch` of the machine that wrote them: its CPU kernels decided the fused nodes. */
  arch: string;
  optimizationLevel: typeof ORT_FORMAT_OPTIMIZATION_LEVEL;
  /** How the copies hold an int8 model's weights (int8-layout.ts); absent: as the .onnx files do (uint8). */
  int8Weights?: Int8WeightLayout;
  /** File name and size of each graph's copy. */
  graphs: Partial<Record<GraphName, { file: string; bytes: number }>>;
}

/** A graph of a model directory and what its session may be created from. */
export interface GraphSource {
  dir: string;
  graph: GraphName;
  /** The model's ORT-format copies (its manifest's `ortFormat`). */
  copies: OrtFormatCopies | undefined;
  /** For an int8 model, the layout its weights are wanted in (int8-layout.ts); absent for other precisions. */
  int8Weights?: Int8WeightLayout;
}

/** Why a graph's session came from its .onnx file rather than its ORT-format copy. */
export interface OrtFormatSkip {
  reason: 'not-written' | 'not-cpu' | 'other-runtime' | 'other-arch' | 'unreadable';
  detail: string;
}

/** A graph's session, the format it was created from, and the bytes its initializers point into. */
export interface GraphSession {
  session: ort.InferenceSession;
  format: 'ort' | 'onnx';
  /** Set when the format is 'onnx'. */
  skipped?: OrtFormatSkip;
  /** The ORT-format file's bytes: the session uses them in place, so they live as long as the session. */
  bytes?: Buffer;
}

const debug = debuglog('xclip');

/** Version of the onnxruntime-node package running. */
export function runningRuntimeVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/**
 * A session of `graph` from its .onnx file; where an int8 model's weights are wanted in another layout than the
 * file's, from the file's bytes rewritten to it.
 */
async function createOnnxSession(
  dir: string,
  graph: GraphName,
  int8Weights: Int8WeightLayout | undefined,
  options: ort.InferenceSession.SessionOptions,
): Promise<ort.InferenceSession> {
  const path = join(dir, `${graph}.onnx`);
  if (int8Weights === undefined || int8Weights === STORED_INT8_LAYOUT)
    return ort.InferenceSession.create(path, options);
  const bytes = await readWholeFile(path);
  rewriteInt8Weights(bytes, int8Weights, 'onnx');
  return ort.InferenceSession.create(bytes, options);
}

/**
 * Writes `<graph>.ort` beside each `<graph>.onnx` of `dir`, an int8 model's weights in the `int8Weights` layout;
 * returns what the manifest records of them.
 */
export async function writeOrtFormatCopies(
  dir: string,
  graphs: readonly GraphName[],
  int8Weights?: Int8WeightLayout,
): Promise<OrtFormatCopies> {
  const copies: OrtFormatCopies = {
    runtimeVersion: runningRuntimeVersion(),
    arch: process.arch,
    optimizationLevel: ORT_FORMAT_OPTIMIZATION_LEVEL,
    ...(int8Weights && { int8Weights }),
    graphs: {},
  };
  for (const graph of graphs) {
    const file = `${graph}.ort`;
    const session = await createOnnxSession(dir, graph, int8Weights, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: ORT_FORMAT_OPTIMIZATION_LEVEL,
      optimizedModelFilePath: join(dir, file),
      extra: { session: { save_model_format: 'ORT' } },
    });
    await session.release();
    copies.graphs[graph] = { file, bytes: statSync(join(dir, file)).size };
  }
  return copies;
}

function providerName(provider: ort.InferenceSession.ExecutionProviderConfig): string {
  return typeof provider === 'string' ? provider : provider.name;
}

/** Why the ORT-format copy of `graph` cannot serve a session with these options, or undefined when it can. */
function ortFormatSkip(
  graph: GraphName,
  copies: OrtFormatCopies | undefined,
  options: ort.InferenceSession.SessionOptions,
): OrtFormatSkip | undefined {
  if (!copies?.graphs[graph])
    return { reason: 'not-written', detail: `the model directory has no ORT-format copy of ${graph}.onnx` };
  const providers = (options.executionProviders ?? ['cpu']).map(providerName);
  if (providers.some((name) => name !== 'cpu'))
    return { reason: 'not-cpu', detail: `execution providers ${providers.join(',')} are not CPU only` };
  const running = runningRuntimeVersion();
  if (copies.runtimeVersion !== running)
    return {
      reason: 'other-runtime',
      detail: `written by onnxruntime-node ${copies.runtimeVersion}, running ${running}`,
    };
  if (copies.arch !== process.arch)
    return { reason: 'other-arch', detail: `written on ${copies.arch}, running on ${process.arch}` };
  return undefined;
}

/**
 * A session of the graph from its ORT-format copy where that copy fits the options and the running runtime, else
 * (or when the copy cannot be read) from its .onnx file; an int8 model's weights in the layout wanted, rewritten as
 * they load where the file holds the other. A copy that cannot serve is no failure: its reason goes to the debug
 * log (NODE_DEBUG=xclip) and to the result's `skipped`.
 */
export async function createGraphSession(
  { dir, graph, copies, int8Weights }: GraphSource,
  options: ort.InferenceSession.SessionOptions,
): Promise<GraphSession> {
  let skipped = ortFormatSkip(graph, copies, options);
  const copy = copies?.graphs[graph];
  if (!skipped && copy) {
    const path = join(dir, copy.file);
    try {
      // Checked against the size the manifest records.
      const bytes = await readWholeFile(path, copy.bytes);
      const copied = copies!.int8Weights ?? STORED_INT8_LAYOUT;
      if (int8Weights !== undefined && int8Weights !== copied) {
        debug('%s: int8 weights rewritten from %s to %s for this CPU', copy.file, copied, int8Weights);
        rewriteInt8Weights(bytes, int8Weights, 'ort');
      }
      const session = await ort.InferenceSession.create(bytes, {
        ...options,
        extra: {
          ...options.extra,
          session: {
            ...(options.extra?.session as Record<string, unknown> | undefined),
            // The session reads the graph and keeps its initializers in `bytes` instead of copying them.
            use_ort_model_bytes_directly: '1',
            use_ort_model_bytes_for_initializers: '1',
          },
        },
      });
      return { session, format: 'ort', bytes };
    } catch (error) {
      skipped = { reason: 'unreadable', detail: `${path}: ${(error as Error).message}` };
    }
  }
  if (skipped && skipped.reason !== 'not-written')
    debug('%s.onnx instead of its ORT-format copy: %s', graph, skipped.detail);
  let session: ort.InferenceSession;
  try {
    session = await createOnnxSession(dir, graph, int8Weights, options);
  } catch (error) {
    if (!(error instanceof Int8WeightsError)) throw error;
    // The stored layout is exact on every CPU, only slower on some.
    debug('%s.onnx loads with its int8 weights as stored: %s', graph, error.message);
    session = await createOnnxSession(dir, graph, undefined, options);
  }
  return { session, format: 'onnx', skipped };
}
