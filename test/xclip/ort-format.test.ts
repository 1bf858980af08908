import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { buildModel } from '../../layers/xclip/build.js';
import { hostInt8Layout } from '../../layers/xclip/int8-layout.js';
import { rewriteInt8Weights } from '../../layers/xclip/int8-weights.js';
import { MANIFEST_FILE, type ModelManifest, modelDigest } from '../../layers/xclip/manifest.js';
import { GRAPH_NAMES, type OrtFormatSkip } from '../../layers/xclip/ort-format.js';
import { PRECISIONS, type Precision } from '../../layers/xclip/precision.js';
import { XclipRuntime } from '../../layers/xclip/runtime.js';
import { readSafetensors } from '../../layers/xclip/safetensors.js';

const FIXTURE = 'test/fixtures/xclip-tiny';
const work = mkdtempSync(join(tmpdir(), 'xclip-ort-format-'));
const inputs = readSafetensors(join(FIXTURE, 'inputs.safetensors')).tensors;

/** The golden fixture built at each precision, with and without the ORT-format copies. */
const modelDir = (precision: Precision, copies: boolean) =>
  join(work, `${precision}-${copies ? 'with' : 'without'}-copies`);
const built = Promise.all(
  PRECISIONS.flatMap((precision) =>
    [true, false].map((ortFormat) =>
      buildModel({ from: FIXTURE, out: modelDir(precision, ortFormat), precision, ortFormat }),
    ),
  ),
);
/** int8, what the CPU deployments run. */
const withCopies = modelDir('int8', true);
const onnxOnly = modelDir('int8', false);

const readManifestJson = (dir: string): ModelManifest => JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));

/** A copy of the model with ORT-format copies, its manifest (and files) changed by `change`. */
function alteredCopy(name: string, change: (dir: string, manifest: ModelManifest) => void): string {
  const dir = join(work, name);
  cpSync(withCopies, dir, { recursive: true });
  const manifest = readManifestJson(dir);
  change(dir, manifest);
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}

interface Outputs {
  videoEmbeds: Float32Array;
  visualTokens: Float32Array;
  textFeatures: Float32Array;
  logits: Float32Array;
  textEmbeds: Float32Array;
}

/** Every graph's outputs on the fixture's inputs, and the format each graph loaded from. */
async function runFixture(
  dir: string,
): Promise<{ outputs: Outputs; sources: Record<string, { format: string; skipped?: OrtFormatSkip }> }> {
  const runtime = await XclipRuntime.load(dir, { threads: 1 });
  try {
    const videos = await runtime.encodeVideos(inputs.get('pixel_values')!.data as Float32Array, 2);
    const texts = await runtime.encodeTexts(
      inputs.get('input_ids')!.data as BigInt64Array,
      inputs.get('attention_mask')!.data as BigInt64Array,
      3,
      16,
    );
    const scores = await runtime.scoreVideos(videos, texts);
    const sources: Record<string, { format: string; skipped?: OrtFormatSkip }> = {};
    for (const graph of GRAPH_NAMES) sources[graph] = await runtime.graphSource(graph);
    return {
      outputs: {
        videoEmbeds: videos.videoEmbeds,
        visualTokens: videos.visualTokens,
        textFeatures: texts.features,
        logits: scores.logits,
        textEmbeds: scores.textEmbeds,
      },
      sources,
    };
  } finally {
    await runtime.release();
  }
}

function maxAbsDelta(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.map((value, i) => Math.abs(value - b[i]!)));
}

/**
 * An ORT-format copy holds the graph ONNX Runtime makes of the .onnx when it loads it, so on one thread a session
 * from either computes the same floats, bit for bit.
 */
const TOLERANCE = 0;

function assertSameOutputs(actual: Outputs, expected: Outputs): void {
  for (const name of Object.keys(expected) as Array<keyof Outputs>) {
    const delta = maxAbsDelta(actual[name], expected[name]);
    assert.ok(delta <= TOLERANCE, `${name} differs from the .onnx session's by ${delta}`);
  }
}

test('without pre-packing, the in-place weights are prefaulted once, page by page, and compute what pre-packed ones do', async () => {
  await built;
  const copy = readFileSync(join(withCopies, 'vision.ort'));
  let expectedChecksum = 0;
  for (let at = 0; at < copy.length; at += 4096) expectedChecksum = (expectedChecksum + copy[at]!) | 0;
  const pixels = inputs.get('pixel_values')!.data as Float32Array;
  const packed = await XclipRuntime.load(withCopies, { threads: 1 });
  const inPlace = await XclipRuntime.load(withCopies, { threads: 1, prepackWeights: false });
  try {
    assert.deepEqual(await packed.prefaultWeights(), { pages: 0, checksum: 0 }, 'pre-packed weights need no prefault');
    const prefault = inPlace.prefaultWeights();
    assert.equal(inPlace.prefaultWeights(), prefault, 'once per runtime');
    assert.deepEqual(await prefault, { pages: Math.ceil(copy.length / 4096), checksum: expectedChecksum });
    const [a, b] = [await packed.encodeVideos(pixels, 2), await inPlace.encodeVideos(pixels, 2)];
    assert.ok(maxAbsDelta(a.videoEmbeds, b.videoEmbeds) <= 1e-5, 'video embeddings');
  } finally {
    await Promise.all([packed.release(), inPlace.release()]);
  }
});

test('model build writes an ORT-format copy of each graph, recorded with the runtime that wrote it', async () => {
  await built;
  const manifest = readManifestJson(withCopies);
  const copies = manifest.ortFormat;
  assert.ok(copies, 'the manifest records the ORT-format copies');
  assert.equal(copies.runtimeVersion, ort.env.versions.node);
  assert.equal(copies.arch, process.arch);
  assert.equal(copies.int8Weights, hostInt8Layout(), "an int8 model's copies hold the weights as this CPU wants them");
  assert.equal(readManifestJson(modelDir('fp32', true)).ortFormat!.int8Weights, undefined, 'an fp32 model has none');
  assert.deepEqual(Object.keys(copies.graphs).sort(), [...GRAPH_NAMES].sort());
  for (const graph of GRAPH_NAMES) {
    const copy: { file: string; bytes: number } = copies.graphs[graph]!;
    const path = join(withCopies, copy.file);
    assert.equal(statSync(path).size, copy.bytes, `${copy.file}'s size`);
    // ORT-format files are flatbuffers with the file identifier "ORTM".
    assert.equal(readFileSync(path).subarray(4, 8).toString('latin1'), 'ORTM', `${copy.file} is in ORT format`);
  }
  const onnxOnlyManifest = readManifestJson(onnxOnly);
  assert.equal(onnxOnlyManifest.ortFormat, undefined, 'ortFormat: false writes no copies');
  // The copies are a runtime's cache of the same graphs: the model's files and digest do not include them.
  assert.deepEqual(manifest.files, onnxOnlyManifest.files);
  assert.equal(modelDigest(manifest), modelDigest(onnxOnlyManifest));
});

for (const precision of PRECISIONS) {
  test(`on CPU the runtime loads the ORT-format copies, with the outputs of the .onnx graphs (${precision})`, async () => {
    await built;
    const fromCopies = await runFixture(modelDir(precision, true));
    const fromOnnx = await runFixture(modelDir(precision, false));
    for (const graph of GRAPH_NAMES) {
      assert.deepEqual(fromCopies.sources[graph], { format: 'ort', skipped: undefined }, graph);
      assert.equal(fromOnnx.sources[graph]!.format, 'onnx', graph);
      assert.equal(fromOnnx.sources[graph]!.skipped?.reason, 'not-written', graph);
    }
    assertSameOutputs(fromCopies.outputs, fromOnnx.outputs);
  });
}

test('copies written by another onnxruntime-node version or architecture give way to the .onnx graphs', async () => {
  await built;
  const reference = await runFixture(onnxOnly);
  const otherRuntime = alteredCopy('other-runtime', (_dir, manifest) => {
    manifest.ortFormat!.runtimeVersion = '1.0.0';
  });
  const otherArch = alteredCopy('other-arch', (_dir, manifest) => {
    manifest.ortFormat!.arch = process.arch === 'arm64' ? 'x64' : 'arm64';
  });
  for (const [dir, reason] of [
    [otherRuntime, 'other-runtime'],
    [otherArch, 'other-arch'],
  ] as const) {
    const { outputs, sources } = await runFixture(dir);
    for (const graph of GRAPH_NAMES) {
      assert.equal(sources[graph]!.format, 'onnx', graph);
      assert.equal(sources[graph]!.skipped?.reason, reason, graph);
    }
    assertSameOutputs(outputs, reference.outputs);
  }
});

test('copies holding int8 weights in the other layout than this CPU wants are rewritten as they load', async () => {
  await built;
  const reference = await runFixture(onnxOnly);
  const other = hostInt8Layout() === 'int8' ? 'uint8' : 'int8';
  const otherLayout = alteredCopy('other-int8-layout', (dir, manifest) => {
    manifest.ortFormat!.int8Weights = other;
    for (const graph of GRAPH_NAMES) {
      const path = join(dir, `${graph}.ort`);
      const bytes = readFileSync(path);
      rewriteInt8Weights(bytes, other, 'ort');
      writeFileSync(path, bytes);
    }
  });
  const { outputs, sources } = await runFixture(otherLayout);
  for (const graph of GRAPH_NAMES) assert.deepEqual(sources[graph], { format: 'ort', skipped: undefined }, graph);
  assertSameOutputs(outputs, reference.outputs);
});

test('a corrupt or truncated copy gives way to its .onnx graph, the other graphs keep their copies', async () => {
  await built;
  const reference = await runFixture(onnxOnly);
  const corrupt = alteredCopy('corrupt', (dir) => {
    const path = join(dir, 'vision.ort');
    const bytes = readFileSync(path);
    bytes.fill(0x5a, 0, 64);
    writeFileSync(path, bytes);
  });
  const truncated = alteredCopy('truncated', (dir) => {
    truncateSync(join(dir, 'vision.ort'), 1000);
  });
  for (const dir of [corrupt, truncated]) {
    const { outputs, sources } = await runFixture(dir);
    assert.equal(sources.vision!.format, 'onnx');
    assert.equal(sources.vision!.skipped?.reason, 'unreadable');
    assert.match(sources.vision!.skipped!.detail, /vision\.ort/);
    assert.equal(sources.score!.format, 'ort');
    assert.equal(sources.text!.format, 'ort');
    assertSameOutputs(outputs, reference.outputs);
  }
});
